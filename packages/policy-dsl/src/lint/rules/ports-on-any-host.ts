// `allow ports 443` lets the module connect to every host on that port: any web server, internal
// ones included, which for HTTPS is close to full network access. Host rules say where it may go.
import { formatRange, type Range } from '../network-facts.js';
import { defineRule } from '../types.js';

/** `port 443 is` / `ports 80, 8000..8080 are`, for the messages. */
function describePorts(ranges: readonly Range[]): string {
  const list = ranges.map(formatRange).join(', ');
  return ranges.length === 1 && ranges[0]!.from === ranges[0]!.to ? `port ${list} is` : `ports ${list} are`;
}

export default defineRule({
  id: 'ports-on-any-host',
  category: 'security',
  defaultLevel: 'warning',
  description: 'Reports `allow ports`, which opens ports on every host, internal services included, instead of naming the hosts.',
  messages: {
    anyHost: '{{ports}} open on every host: the module may connect to any server there, internal ones included',
    inherited: '{{ports}} open on every host (inherited): the module may connect to any server there',
  },
  check(context) {
    const network = context.manifest.network;
    if (network.mode !== 'restricted' || network.ports.length === 0) return;
    const rules = context.locate.blocks('Network').flatMap((b) => b.rules.filter((r) => r.kind === 'AllowPorts'));
    const help = 'name the hosts instead: `allow host "api.example.com" ports 443 secure`';
    if (rules.length === 0) {
      const at = context.locate.find((l) => l.blocks('Network').flatMap((b) => b.rules.filter((r) => r.kind === 'AllowPorts')).at(-1));
      context.report({ messageId: 'inherited', data: { ports: describePorts(network.ports) }, span: at.span, related: at.related, help });
      return;
    }
    for (const rule of rules) {
      context.report({ messageId: 'anyHost', data: { ports: describePorts(rule.ports.map((p) => ({ from: p.from.value, to: p.to.value }))) }, span: rule.span, help });
    }
  },
});
