// The host environment of a CI runner or a server routinely holds credentials (tokens, cloud keys,
// database URLs); `env full` hands all of them to the module.
import { defineRule } from '../types.js';

export default defineRule({
  id: 'env-full',
  category: 'security',
  defaultLevel: 'warning',
  description: 'Reports full environment access: the module sees every host variable, credentials included.',
  messages: {
    full: 'the module sees every host environment variable, including any credentials',
    inherited: 'the module sees every host environment variable (inherited), including any credentials',
  },
  check(context) {
    if (context.manifest.environment.mode !== 'full') return;
    const at = context.locate.find((l) => l.blocks('Env').findLast((b) => b.mode.value === 'full')?.mode);
    context.report({
      messageId: at.inherited ? 'inherited' : 'full',
      span: at.span,
      related: at.related,
      help: 'list the variables the module needs: `env allow ["LANG", "TZ"]`',
    });
  },
});
