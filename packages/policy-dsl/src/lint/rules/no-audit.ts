// With `audit none` the runtime records no capability decision, so after an incident there is no
// trace of what the module tried to reach; `denied` keeps the log small and still shows attempts.
import { defineRule } from '../types.js';

export default defineRule({
  id: 'no-audit',
  category: 'security',
  defaultLevel: 'info',
  description: 'Reports `audit none`: no capability decision is logged, so denied attempts leave no trace.',
  messages: {
    none: 'capability decisions are not audited, so denied attempts leave no trace',
    inherited: 'capability decisions are not audited (inherited), so denied attempts leave no trace',
  },
  check(context) {
    if (context.manifest.audit.decisions !== 'none') return;
    const at = context.locate.find((l) => l.blocks('Audit').findLast((b) => b.decisions.value === 'none')?.decisions);
    context.report({
      messageId: at.inherited ? 'inherited' : 'none',
      span: at.span,
      related: at.related,
      help: 'use `audit denied` to log only refusals',
    });
  },
});
