// Full network access lets a module reach any host and port, including the host's private
// network and cloud metadata endpoints; sandboxed code should name what it talks to.
import { defineRule } from '../types.js';

export default defineRule({
  id: 'no-full-network',
  category: 'security',
  defaultLevel: 'warning',
  description: 'Reports full network access: the module may connect to any host and port, including internal services.',
  messages: {
    full: 'network access is full: the module may connect to any host and port',
    inherited: 'network access is full (inherited): the module may connect to any host and port',
  },
  check(context) {
    if (context.manifest.network.mode !== 'full') return;
    const at = context.locate.find((l) => l.blocks('Network').findLast((b) => b.mode?.value === 'full')?.mode);
    context.report({
      messageId: at.inherited ? 'inherited' : 'full',
      span: at.span,
      related: at.related,
      help: 'list what the module needs instead: `network { allow host "api.example.com" ports 443 secure }`',
    });
  },
});
