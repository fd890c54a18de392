// Without a fuel budget nothing stops a module that loops forever except the wall-clock limit,
// and that limit is checked by the host between slices; fuel stops it deterministically, on every
// engine, at the same instruction.
import { defineRule } from '../types.js';

export default defineRule({
  id: 'no-unlimited-fuel',
  category: 'security',
  defaultLevel: 'warning',
  description: 'Reports an unlimited fuel budget: runaway computation is then only stopped by wall-clock limits.',
  messages: {
    unlimited: 'fuel is unlimited: a runaway loop is only stopped by the wall-clock limit, not deterministically',
    inherited: 'fuel is unlimited (inherited): a runaway loop is only stopped by the wall-clock limit',
  },
  check(context) {
    if (context.manifest.limits.fuel !== null) return;
    const at = context.locate.find((l) => l.limitSetting('fuel', null)?.value);
    context.report({
      messageId: at.inherited ? 'inherited' : 'unlimited',
      span: at.span,
      related: at.related,
      help: 'set a budget with headroom over a measured run, e.g. `limits { fuel 500M }`',
    });
  },
});
