// Importing the type generator must not load the TypeScript compiler (~9 MB of JavaScript):
// the `wsbc` package re-exports it beside build() and run(), whose start-up would pay for it.
import { createRequire } from 'node:module';
import { expect, it } from 'vitest';
import { generateTypes } from '../src/index.js';

const require = createRequire(import.meta.url);
const typescriptLoaded = () => Object.keys(require.cache).some((path) => /[\\/]typescript[\\/]lib[\\/]typescript\.js$/.test(path));

it('loads the TypeScript compiler only when declarations are printed', () => {
  expect(typescriptLoaded()).toBe(false);
  const module = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  expect(generateTypes(module, { wasmFileName: 'empty.wasm' }).ok).toBe(true);
  expect(typescriptLoaded()).toBe(true);
});
