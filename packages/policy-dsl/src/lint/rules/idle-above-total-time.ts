// Idle time (blocked in host calls) is part of the run's total wall-clock time, so an idle limit
// above the total limit can never trigger: the total limit always ends the run first.
import { locateLimitPair } from '../limit-facts.js';
import { defineRule } from '../types.js';

export default defineRule({
  id: 'idle-above-total-time',
  category: 'correctness',
  defaultLevel: 'warning',
  description: 'Reports an idle time limit longer than the total time limit, which can then never trigger.',
  messages: {
    aboveTotal: 'idle time {{idle}} ms is longer than total time {{total}} ms, so the idle limit can never trigger',
  },
  check(context) {
    const { maxIdleMs: idle, maxTotalMs: total } = context.manifest.limits.time;
    if (idle <= total) return;
    const { span, related } = locateLimitPair(
      context.locate,
      { category: 'time', name: 'idle', label: 'the idle time limit' },
      { category: 'time', name: 'total', label: 'the total time limit' },
    );
    context.report({
      messageId: 'aboveTotal',
      data: { idle, total },
      span,
      help: 'set `time idle` below `time total`',
      related,
    });
  },
});
