// The growth rate bounds the pages one memory.grow may add; a rate above the memory maximum has
// no effect (no grow can exceed the maximum anyway), so the author probably meant another unit or
// value.
import { locateLimitPair } from '../limit-facts.js';
import { defineRule } from '../types.js';

export default defineRule({
  id: 'growth-above-max-memory',
  category: 'correctness',
  defaultLevel: 'warning',
  description: 'Reports a memory growth rate larger than the memory maximum, which bounds nothing.',
  messages: {
    aboveMax: 'growth of {{growth}} pages per memory.grow is larger than the memory maximum of {{max}} pages, so it bounds nothing',
  },
  check(context) {
    const { maxGrowthPages: growth, maxPages: max } = context.manifest.limits.memory;
    if (growth <= max) return;
    const { span, related } = locateLimitPair(
      context.locate,
      { category: 'memory', name: 'growth', label: 'the growth limit' },
      { category: 'memory', name: 'max', label: 'the memory maximum' },
    );
    context.report({
      messageId: 'aboveMax',
      data: { growth, max },
      span,
      help: 'growth is in pages of 64 KiB per memory.grow call; choose a value at most the memory maximum',
      related,
    });
  },
});
