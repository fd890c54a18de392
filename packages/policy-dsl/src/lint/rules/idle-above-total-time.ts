// Idle time (blocked in host calls) is part of the run's total wall-clock time, so an idle limit
// above the total limit can never trigger: the total limit always ends the run first.
import type { RelatedInformation } from '@wsbc/diagnostics';
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
    const idleSetting = context.locate.limitSetting('time', 'idle');
    const totalSetting = context.locate.limitSetting('time', 'total');
    const related: RelatedInformation[] = [];
    if (idleSetting && totalSetting) related.push({ message: 'the total time limit is set here', span: totalSetting.span });
    context.report({
      messageId: 'aboveTotal',
      data: { idle, total },
      span: idleSetting?.span ?? totalSetting?.span ?? context.locate.inheritedSpan(),
      help: 'set `time idle` below `time total`',
      related,
    });
  },
});
