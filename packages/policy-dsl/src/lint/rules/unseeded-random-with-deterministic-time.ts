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
    // On the random setting when this file states it, else on the deterministic clause, with a
    // note on the other one.
    const randomAt = context.locate.find((l) => l.block('Random')?.mode);
    const clauseAt = context.locate.find((l) => l.blocks('Time').findLast((t) => t.deterministic !== null)?.deterministic);
    const span = !randomAt.inherited ? randomAt.span : !clauseAt.inherited ? clauseAt.span : context.locate.inheritedSpan();
    const related: RelatedInformation[] = [];
    if (clauseAt.node && clauseAt.span !== span) related.push({ message: `deterministic time is set here${clauseAt.inherited ? ' (in an extended policy)' : ''}`, span: clauseAt.node.span });
    if (randomAt.node && randomAt.span !== span) related.push({ message: `random is set here${randomAt.inherited ? ' (in an extended policy)' : ''}`, span: randomAt.node.span });
    context.report({
      messageId: random.mode === 'secure' ? 'secure' : 'unseeded',
      span,
      help: 'use `random pseudo seed <n>` for replayable runs (or `random none`)',
      related,
    });
  },
});
