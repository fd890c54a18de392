// A connection to a public host without TLS can be read and altered by anyone on the path; the
// `secure` flag makes the runtime refuse plain connections. Private and loopback hosts are
// exempt: plain protocols inside a network are common and the path is trusted.
import { isPrivateHost } from '../network-facts.js';
import { defineRule } from '../types.js';

export default defineRule({
  id: 'insecure-public-host',
  category: 'security',
  defaultLevel: 'warning',
  description: 'Reports a public (non-loopback, non-private) host allowed without `secure`, so traffic to it may travel unencrypted.',
  messages: {
    insecure: 'public host "{{host}}" is allowed without `secure`, so traffic to it may be unencrypted',
    inherited: 'public host "{{host}}" is allowed without `secure` (inherited), so traffic to it may be unencrypted',
  },
  check(context) {
    for (const grant of context.manifest.network.hosts) {
      if (grant.secure || isPrivateHost(grant.host)) continue;
      const at = context.locate.find((l) => l.hostRules(grant.host).findLast((r) => r.secure === null)?.host);
      context.report({
        messageId: at.inherited ? 'inherited' : 'insecure',
        data: { host: grant.host },
        span: at.span,
        related: at.related,
        help: `add \`secure\`: \`allow host "${grant.host}"${grant.ports.length > 0 ? ' ports ...' : ''} secure\``,
      });
    }
  },
});
