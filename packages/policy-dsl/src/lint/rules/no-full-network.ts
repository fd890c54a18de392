// Full network access lets a module reach any host and port, including the host's private
// network and cloud metadata endpoints; sandboxed code should name what it talks to. `allow ports`
// lists that together cover every port grant the same, under a name that does not say so.
import { ALL_PORTS, covered } from '../network-facts.js';
import { defineRule } from '../types.js';

export default defineRule({
  id: 'no-full-network',
  category: 'security',
  defaultLevel: 'warning',
  description: 'Reports full network access: the module may connect to any host and port, including internal services.',
  messages: {
    full: 'network access is full: the module may connect to any host and port',
    inherited: 'network access is full (inherited): the module may connect to any host and port',
    allPorts: '`allow ports` opens every port on every host, which is full network access: the module may connect to any host and port',
    allPortsInherited: '`allow ports` opens every port on every host (inherited), which is full network access: the module may connect to any host and port',
  },
  check(context) {
    const network = context.manifest.network;
    if (network.mode === 'restricted' && covered(ALL_PORTS, network.ports)) {
      const at = context.locate.find((l) => l.blocks('Network').flatMap((b) => b.rules.filter((r) => r.kind === 'AllowPorts')).at(-1));
      context.report({
        messageId: at.inherited ? 'allPortsInherited' : 'allPorts',
        span: at.span,
        related: at.related,
        help: 'list what the module needs instead: `network { allow host "api.example.com" ports 443 secure }`',
      });
      return;
    }
    if (network.mode !== 'full') return;
    const at = context.locate.find((l) => l.blocks('Network').findLast((b) => b.mode?.value === 'full')?.mode);
    context.report({
      messageId: at.inherited ? 'inherited' : 'full',
      span: at.span,
      related: at.related,
      help: 'list what the module needs instead: `network { allow host "api.example.com" ports 443 secure }`',
    });
  },
});
