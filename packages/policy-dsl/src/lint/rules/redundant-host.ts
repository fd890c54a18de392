// A host rule that grants nothing the policy does not already grant (a repeated host, a host a
// wildcard already covers, a loopback name when loopback is allowed) misleads a reviewer about
// what the module may reach: removing it would not remove the access.
import { cleanHost, covered, hostCovers, hostRuleRanges, isLoopbackGrantHost, PortUnion, type Range } from '../network-facts.js';
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
    const byHost = new Map<string, AllowHost[]>();
    // Wildcards by pattern, in source order: a host is looked up under each `*.<suffix>` of it
    // instead of testing every wildcard against every host (quadratic).
    const wildcardsByPattern = new Map<string, Array<{ rule: AllowHost; order: number }>>();
    hostRules.forEach((rule, order) => {
      const key = cleanHost(rule.host.value);
      const list = byHost.get(key);
      if (list) list.push(rule);
      else byHost.set(key, [rule]);
      if (rule.host.value.startsWith('*.')) {
        const same = wildcardsByPattern.get(key);
        if (same) same.push({ rule, order });
        else wildcardsByPattern.set(key, [{ rule, order }]);
      }
    });
    const coversAll = (union: PortUnion, ranges: readonly Range[]) => ranges.every((r) => union.covers(r));
    // A rule the earlier rules of its host cover can go; so can one that a single later rule
    // covers, as long as that later rule is not itself covered by its earlier ones (of which this
    // rule is one), so that of two equal rules only the second is reported. The rules before (and
    // after) a rule are kept as running unions, one of every rule and one of plain rules only:
    // rebuilding them for each rule was quadratic in a host's rules.
    const coveredByEarlier = new Map<AllowHost, AllowHost>();
    const laterCover = new Map<AllowHost, AllowHost>();
    for (const rules of byHost.values()) {
      const earlierAll = new PortUnion();
      const earlierPlain = new PortUnion();
      let firstAll: AllowHost | undefined;
      let firstPlain: AllowHost | undefined;
      for (const rule of rules) {
        const ranges = hostRuleRanges(rule);
        const first = rule.secure !== null ? firstAll : firstPlain;
        if (first && coversAll(rule.secure !== null ? earlierAll : earlierPlain, ranges)) coveredByEarlier.set(rule, first);
        for (const r of ranges) {
          earlierAll.add(r);
          if (rule.secure === null) earlierPlain.add(r);
        }
        firstAll ??= rule;
        if (rule.secure === null) firstPlain ??= rule;
      }
      const laterAll = new PortUnion();
      const laterPlain = new PortUnion();
      for (let i = rules.length - 1; i >= 0; i--) {
        const rule = rules[i]!;
        const ranges = hostRuleRanges(rule);
        // No single later rule can cover what all of them together do not: only then look for one.
        if (!coveredByEarlier.has(rule) && coversAll(rule.secure !== null ? laterAll : laterPlain, ranges)) {
          const cover = rules.slice(i + 1).find((o) => !coveredByEarlier.has(o) && grants(o, rule) && ranges.every((r) => covered(r, hostRuleRanges(o))));
          if (cover) laterCover.set(rule, cover);
        }
        if (coveredByEarlier.has(rule)) continue;
        for (const r of ranges) {
          laterAll.add(r);
          if (rule.secure === null) laterPlain.add(r);
        }
      }
    }
    for (const rule of hostRules) {
      const host = rule.host.value;
      const key = cleanHost(host);
      if (context.manifest.network.loopback && isLoopbackGrantHost(host)) {
        context.report({ messageId: 'coveredByLoopback', data: { host }, span: rule.host.span, help: 'remove the rule' });
        continue;
      }
      const ranges = hostRuleRanges(rule);
      const cover = laterCover.get(rule) ?? coveredByEarlier.get(rule);
      if (cover) {
        context.report({
          messageId: 'duplicate',
          data: { host, line: cover.span.line },
          span: rule.host.span,
          help: 'remove the repeated rule',
        });
        continue;
      }
      let wildcard: { rule: AllowHost; order: number } | undefined;
      for (let dot = key.indexOf('.', 1); dot !== -1; dot = key.indexOf('.', dot + 1)) {
        const pattern = `*${key.slice(dot)}`;
        // A rule of the same host is a repeat, handled above, not a wildcard cover.
        if (pattern === key) continue;
        for (const o of wildcardsByPattern.get(pattern) ?? []) {
          if (wildcard && o.order > wildcard.order) break;
          if (o.rule !== rule && hostCovers(o.rule.host.value, host) && grants(o.rule, rule) && ranges.every((r) => covered(r, hostRuleRanges(o.rule)))) {
            wildcard = o;
            break;
          }
        }
      }
      if (wildcard) {
        context.report({
          messageId: 'coveredByWildcard',
          data: { host, pattern: wildcard.rule.host.value, line: wildcard.rule.span.line },
          span: rule.host.span,
          help: 'remove the rule, or narrow the wildcard if this host needs different ports',
        });
      }
    }
  },
});
