// A host rule that grants nothing the policy does not already grant (a repeated host, a host a
// wildcard already covers, a loopback name when loopback is allowed) misleads a reviewer about
// what the module may reach: removing it would not remove the access.
import { cleanHost, covered, hostCovers, hostRuleRanges, isLoopbackGrantHost, type Range } from '../network-facts.js';
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
    const byHost = new Map<string, AllowHost[]>();
    for (const rule of hostRules) {
      const key = cleanHost(rule.host.value);
      const list = byHost.get(key);
      if (list) list.push(rule);
      else byHost.set(key, [rule]);
    }
    // A rule the earlier rules of its host cover can go; so can one that a single later rule
    // covers, as long as that later rule is not itself covered by its earlier ones (of which this
    // rule is one), so that of two equal rules only the second is reported.
    const coveredByEarlier = new Set<AllowHost>();
    for (const rules of byHost.values()) {
      rules.forEach((rule, i) => {
        const earlierSame = rules.slice(0, i).filter((o) => grants(o, rule));
        if (earlierSame.length > 0 && hostRuleRanges(rule).every((r) => covered(r, earlierSame.flatMap(hostRuleRanges)))) coveredByEarlier.add(rule);
      });
    }
    for (const rule of hostRules) {
      const host = rule.host.value;
      const key = cleanHost(host);
      if (context.manifest.network.loopback && isLoopbackGrantHost(host)) {
        context.report({ messageId: 'coveredByLoopback', data: { host }, span: rule.host.span, help: 'remove the rule' });
        continue;
      }
      const ranges = hostRuleRanges(rule);
      const same = byHost.get(key)!;
      const index = same.indexOf(rule);
      const earlierSame = same.slice(0, index).filter((o) => grants(o, rule));
      const laterCover = coveredByEarlier.has(rule)
        ? undefined
        : same.slice(index + 1).find((o) => !coveredByEarlier.has(o) && grants(o, rule) && ranges.every((r) => covered(r, hostRuleRanges(o))));
      if (coveredByEarlier.has(rule) || laterCover) {
        context.report({
          messageId: 'duplicate',
          data: { host, line: (laterCover ?? earlierSame[0]!).span.line },
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
