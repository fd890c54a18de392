// `allow "my_host" "*"` grants every function a host module has today and every function added to
// it later; a plugin then gains new powers whenever the host grows, without a policy change.
import { defineRule } from '../types.js';

export default defineRule({
  id: 'wildcard-host-import',
  category: 'security',
  defaultLevel: 'warning',
  description: 'Reports host imports granted with a wildcard name: every present and future function of that host module becomes callable.',
  messages: {
    wildcard: 'every function of host module "{{module}}" is allowed, including functions the host adds later',
    inherited: 'every function of host module "{{module}}" is allowed (inherited), including functions the host adds later',
  },
  check(context) {
    for (const grant of context.manifest.imports) {
      if (grant.name !== '*') continue;
      const at = context.locate.find((l) => l.wildcardImport(grant.module)?.name);
      context.report({
        messageId: at.inherited ? 'inherited' : 'wildcard',
        data: { module: grant.module },
        span: at.span,
        related: at.related,
        help: `list the functions the module calls: \`allow "${grant.module}" "log"\``,
      });
    }
  },
});
