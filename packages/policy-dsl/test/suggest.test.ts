// "Did you mean": edit distance with transpositions, a length-relative cut-off, case-insensitive
// matches, and abbreviations or spelled-out forms.
import { closestMatch, didYouMean, editDistance } from '@wsbc/policy-dsl';
import { describe, expect, it } from 'vitest';

describe('suggestions', () => {
  it('counts an adjacent transposition as one edit', () => {
    expect(editDistance('psuedo', 'pseudo')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it.each([
    ['filesytem', ['network', 'filesystem'], 'filesystem'],
    ['Mib', ['MiB', 'KiB'], 'MiB'],
    ['MIB', ['MiB', 'MB'], 'MiB'],
    ['maximum', ['max', 'reserved'], 'max'],
    ['netwrok', ['network', 'env'], 'network'],
    ['quantum', ['none', 'pseudo', 'secure'], undefined],
    ['x', ['env'], undefined],
  ])('%s -> %s', (word, candidates, expected) => {
    expect(closestMatch(word, candidates)).toBe(expected);
  });

  it('lists the valid words when nothing is close', () => {
    expect(didYouMean('zzz', ['a', 'b'])).toBe('expected one of: `a`, `b`');
    expect(didYouMean('ab', ['a', 'b'])).toBe('did you mean `a`?');
  });
});
