// Deterministic time exists for replayable runs; randomness from the host's secure source, or a
// pseudo-random generator seeded afresh each run, makes every run differ anyway, defeating it.
import type { RelatedInformation } from '@wsbc/diagnostics';
import { defineRule } from '../types.js';

export default defineRule({
  id: 'unseeded-random-with-deterministic-time',
  category: 'intent',
  defaultLevel: 'warning',
  description: 'Reports deterministic time combined with randomness that differs per run (secure, or pseudo without a seed), which defeats replay.',
  messages: {
    secure: 'time is deterministic but random is secure, so runs still differ and cannot be replayed',
    unseeded: 'time is deterministic but pseudo-random numbers get a fresh seed each run, so runs cannot be replayed',
  },
  check(context) {
    const { time, random } = context.manifest;
    if (time.deterministic === null) return;
    if (random.mode !== 'secure' && !(random.mode === 'pseudo' && random.seed === null)) return;
    const randomBlock = context.locate.block('Random');
    const clause = context.locate.blocks('Time').findLast((t) => t.deterministic !== null)?.deterministic;
    const related: RelatedInformation[] = clause ? [{ message: 'deterministic time is set here', span: clause.span }] : [];
    context.report({
      messageId: random.mode === 'secure' ? 'secure' : 'unseeded',
      span: randomBlock ? randomBlock.mode.span : clause?.span ?? context.locate.inheritedSpan(),
      help: 'use `random pseudo seed <n>` for replayable runs (or `random none`)',
      related,
    });
  },
});
