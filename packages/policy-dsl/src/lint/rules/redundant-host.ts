// A host rule that grants nothing the policy does not already grant (a repeated host, a host a
// wildcard already covers, a loopback name when loopback is allowed) misleads a reviewer about
// what the module may reach: removing it would not remove the access.
import { cleanHost, covered, hostCovers, hostRuleRanges, isLoopbackHost, type Range } from '../network-facts.js';
import { defineRule } from '../types.js';
import type { AllowHost } from '../../ast.js';

export default defineRule({
  id: 'redundant-host',
  category: 'redundancy',
  defaultLevel: 'warning',
  description: 'Reports `allow host` rules that grant nothing beyond other rules: repeated hosts, hosts covered by a wildcard, loopback names under `allow loopback`.',
  messages: {
    duplicate: 'host "{{host}}" is already allowed with these ports on line {{line}}',
    coveredByWildcard: 'host "{{host}}" is already allowed by "{{pattern}}" on line {{line}}',
    coveredByLoopback: 'host "{{host}}" is a loopback address, which `allow loopback` already grants on every port',
  },
  check(context) {
    const hostRules = context.locate
      .blocks('Network')
      .flatMap((b) => b.rules)
      .filter((r): r is AllowHost => r.kind === 'AllowHost');
    // A grant covers another when it matches the host, includes its ports and asks no more of the
    // connection (a `secure` grant does not cover a plain one).
    const grants = (a: AllowHost, b: AllowHost): boolean => a.secure === null || b.secure !== null;
    const wildcards = hostRules.filter((r) => r.host.value.startsWith('*.'));
    // Earlier rules per host, so that each rule is compared with its own host's rules only.
    const earlierByHost = new Map<string, AllowHost[]>();
    for (const rule of hostRules) {
      const host = rule.host.value;
      const key = cleanHost(host);
      const earlier = earlierByHost.get(key) ?? [];
      earlierByHost.set(key, [...earlier, rule]);
      if (context.manifest.network.loopback && isLoopbackHost(host)) {
        context.report({ messageId: 'coveredByLoopback', data: { host }, span: rule.host.span, help: 'remove the rule' });
        continue;
      }
      const ranges = hostRuleRanges(rule);
      const earlierSame = earlier.filter((o) => grants(o, rule));
      const sameRanges: Range[] = earlierSame.flatMap(hostRuleRanges);
      if (earlierSame.length > 0 && ranges.every((r) => covered(r, sameRanges))) {
        context.report({
          messageId: 'duplicate',
          data: { host, line: earlierSame[0]!.span.line },
          span: rule.host.span,
          help: 'remove the repeated rule',
        });
        continue;
      }
      const wildcard = wildcards.find(
        (o) => o !== rule && cleanHost(o.host.value) !== key && hostCovers(o.host.value, host) && grants(o, rule) && ranges.every((r) => covered(r, hostRuleRanges(o))),
      );
      if (wildcard) {
        context.report({
          messageId: 'coveredByWildcard',
          data: { host, pattern: wildcard.host.value, line: wildcard.span.line },
          span: rule.host.span,
          help: 'remove the rule, or narrow the wildcard if this host needs different ports',
        });
      }
    }
  },
});
