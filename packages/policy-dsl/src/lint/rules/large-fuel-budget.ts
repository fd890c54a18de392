// A very large fuel budget is close to no budget: at typical interpreter and JIT speeds ten
// billion instructions run for seconds to minutes, so a runaway module holds a worker that long.
import { defineRule } from '../types.js';

export default defineRule({
  id: 'large-fuel-budget',
  category: 'intent',
  defaultLevel: 'info',
  description: 'Reports a fuel budget above a threshold (option `max`, default 10 billion instructions), which barely bounds a runaway module.',
  messages: {
    large: 'fuel budget of {{fuel}} instructions is above {{max}}, which barely bounds a runaway module',
  },
  options: {
    max: { type: 'number', default: 10_000_000_000, min: 0, description: 'Largest fuel budget not reported, in instructions.' },
  },
  check(context) {
    const fuel = context.manifest.limits.fuel;
    const max = context.options.max as number;
    if (fuel === null || fuel <= max) return;
    const at = context.locate.find((l) => l.limitSetting('fuel', null)?.value);
    context.report({
      messageId: 'large',
      data: { fuel, max },
      span: at.span,
      related: at.related,
      help: 'measure a typical run (the runtime reports the fuel used) and set the budget with some headroom',
    });
  },
});
