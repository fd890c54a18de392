// Execution (CPU) time counts only while the guest computes, and total time is the wall-clock
// time of the whole run, which includes it. A total below the execution limit makes the
// execution limit unreachable, which usually means one of the two was mistyped.
import type { RelatedInformation } from '@wsbc/diagnostics';
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
    const totalSetting = context.locate.limitSetting('time', 'total');
    const cpuSetting = context.locate.limitSetting('cpu', 'time');
    const related: RelatedInformation[] = [];
    if (totalSetting && cpuSetting) related.push({ message: 'the CPU time limit is set here', span: cpuSetting.span });
    context.report({
      messageId: 'belowCpu',
      data: { total, cpu },
      span: totalSetting?.span ?? cpuSetting?.span ?? context.locate.inheritedSpan(),
      help: 'raise `time total` to at least the CPU time (plus the time the module may spend waiting), or lower `cpu time`',
      related,
    });
  },
});
