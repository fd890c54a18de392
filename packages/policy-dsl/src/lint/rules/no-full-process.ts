// Full process access lets a module start any host program, which is a complete escape from the
// sandbox: the program runs with the host's rights, outside every limit.
import { defineRule } from '../types.js';

export default defineRule({
  id: 'no-full-process',
  category: 'security',
  defaultLevel: 'error',
  description: 'Reports full process access: the module may start any host program, outside the sandbox and its limits.',
  messages: {
    full: 'process access is full: the module may start any host program, which escapes the sandbox',
    inherited: 'process access is full (inherited): the module may start any host program, which escapes the sandbox',
  },
  check(context) {
    if (context.manifest.process.mode !== 'full') return;
    const at = context.locate.find((l) => l.blocks('Process').findLast((b) => b.mode.value === 'full')?.mode);
    context.report({
      messageId: at.inherited ? 'inherited' : 'full',
      span: at.span,
      related: at.related,
      help: 'name the commands the module needs: `process allow ["git"]`',
    });
  },
});
