// A denylist shows the module every environment variable except the few named; any secret added
// to the host environment later (a token, a cloud credential) leaks by default. An allowlist fails
// closed instead.
import { defineRule } from '../types.js';

export default defineRule({
  id: 'no-env-denylist',
  category: 'security',
  defaultLevel: 'warning',
  description: 'Reports an environment denylist: every variable not named, including secrets added later, is visible to the module.',
  messages: {
    denylist: 'the environment denylist exposes every variable except {{count}} named; secrets added to the host later leak by default',
    inherited: 'the environment is a denylist (inherited): every variable except {{count}} named is visible to the module',
  },
  check(context) {
    const env = context.manifest.environment;
    if (env.mode !== 'deny') return;
    const at = context.locate.find((l) => l.blocks('Env').findLast((b) => b.mode.value === 'deny')?.mode);
    context.report({
      messageId: at.inherited ? 'inherited' : 'denylist',
      data: { count: env.names.length },
      span: at.span,
      related: at.related,
      help: 'list the variables the module needs instead: `env allow ["LANG", "TZ"]`',
    });
  },
});
