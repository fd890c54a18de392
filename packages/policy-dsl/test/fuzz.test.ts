// A sample of the fuzz run (the long run is fuzz/policy.fuzz.ts): random and mutated policies
// never make any entry point throw, and produce only well-formed diagnostics.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { arbFuzzText, fuzzOne } from './fuzz-core.js';

describe('fuzz sample', () => {
  it('random and mutated policy text yields diagnostics, never exceptions', () => {
    fc.assert(fc.property(arbFuzzText, (text) => fuzzOne(text)), { numRuns: 1000 });
  });
});
