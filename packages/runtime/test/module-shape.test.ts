// tightenMemoryMaxima: a defined memory's maximum is lowered to the limit (added when absent);
// a module whose memories are all within it already (an instrumented artifact) is returned as
// it is, without a copy.
import { assembleWat } from '@wsbc/testkit';
import { describe, expect, it } from 'vitest';
import { readModuleShape, tightenMemoryMaxima } from '../src/module-shape.js';

const withMemory = (limits: string) => assembleWat(`(module (memory (export "memory") ${limits}) (func (export "_start")))`);

describe('tightenMemoryMaxima', () => {
  it('adds or lowers the maximum of a defined memory', () => {
    expect(readModuleShape(tightenMemoryMaxima(withMemory('1'), 10)).memories).toMatchObject([{ min: 1, max: 10 }]);
    expect(readModuleShape(tightenMemoryMaxima(withMemory('1 50'), 10)).memories).toMatchObject([{ min: 1, max: 10 }]);
  });

  it('returns a module already within the limit, or without memory, as the same bytes', () => {
    const within = withMemory('1 5');
    expect(tightenMemoryMaxima(within, 10)).toBe(within);
    const atLimit = withMemory('2 10');
    expect(tightenMemoryMaxima(atLimit, 10)).toBe(atLimit);
    const none = assembleWat('(module (func (export "_start")))');
    expect(tightenMemoryMaxima(none, 10)).toBe(none);
  });
});
