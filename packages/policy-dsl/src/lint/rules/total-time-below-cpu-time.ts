// Execution (CPU) time counts only while the guest computes, and total time is the wall-clock
// time of the whole run, which includes it. A total below the execution limit makes the
// execution limit unreachable, which usually means one of the two was mistyped.
import { locateLimitPair } from '../limit-facts.js';
import { defineRule } from '../types.js';

export default defineRule({
  id: 'total-time-below-cpu-time',
  category: 'correctness',
  defaultLevel: 'warning',
  description: 'Reports a total (wall-clock) time limit shorter than the CPU execution time limit, which can then never be reached.',
  messages: {
    belowCpu: 'total time {{total}} ms is shorter than the CPU time limit {{cpu}} ms, which can therefore never be reached',
  },
  check(context) {
    const total = context.manifest.limits.time.maxTotalMs;
    const cpu = context.manifest.limits.cpu.maxExecutionMs;
    if (total >= cpu) return;
    const { span, related } = locateLimitPair(
      context.locate,
      { category: 'time', name: 'total', label: 'the total time limit' },
      { category: 'cpu', name: 'time', label: 'the CPU time limit' },
    );
    context.report({
      messageId: 'belowCpu',
      data: { total, cpu },
      span,
      help: 'raise `time total` to at least the CPU time (plus the time the module may spend waiting), or lower `cpu time`',
      related,
    });
  },
});
