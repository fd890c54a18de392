// Overlapping port ranges in one list, or a host's ports that `allow ports` already opens on every
// host, grant nothing extra; they make the policy harder to review and often hide a typo (8080
// written where 8443 was meant).
import { rangeOf, overlaps, covered, formatRange, type Range } from '../network-facts.js';
import { defineRule } from '../types.js';
import type { PortRange } from '../../ast.js';

export default defineRule({
  id: 'overlapping-port-ranges',
  category: 'redundancy',
  defaultLevel: 'warning',
  description: 'Reports port ranges that overlap an earlier range of the same list, and host ports already open on every host.',
  messages: {
    overlap: 'port {{range}} overlaps {{other}} on line {{line}}',
    coveredByAnyHost: 'port {{range}} of host "{{host}}" is already allowed on every host by `allow ports`',
  },
  check(context) {
    const rules = context.locate.blocks('Network').flatMap((b) => b.rules);
    // `allow ports` lists form one scope: any host.
    const anyHost: Array<{ node: PortRange; range: Range }> = [];
    const checkList = (nodes: readonly PortRange[], earlier: Array<{ node: PortRange; range: Range }>): void => {
      for (const node of nodes) {
        const range = rangeOf(node);
        const hit = earlier.find((e) => overlaps(e.range, range));
        if (hit) {
          context.report({
            messageId: 'overlap',
            data: { range: formatRange(range), other: formatRange(hit.range), line: hit.node.span.line },
            span: node.span,
            help: 'merge the ranges into one',
          });
        }
        earlier.push({ node, range });
      }
    };
    for (const rule of rules) {
      if (rule.kind === 'AllowPorts') checkList(rule.ports, anyHost);
    }
    const openEverywhere: Range[] = [...context.manifest.network.ports];
    for (const rule of rules) {
      if (rule.kind !== 'AllowHost' || rule.ports === null) continue;
      checkList(rule.ports, []);
      for (const node of rule.ports) {
        const range = rangeOf(node);
        if (covered(range, openEverywhere)) {
          context.report({
            messageId: 'coveredByAnyHost',
            data: { range: formatRange(range), host: rule.host.value },
            span: node.span,
            help: 'remove the port from the host rule, or narrow `allow ports`',
          });
        }
      }
    }
  },
});
