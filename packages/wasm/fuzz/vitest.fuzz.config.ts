// The large fuzz run, outside the test suite:
//   FUZZ_ITERATIONS=20000 FUZZ_SEED=1 npx vitest run --config packages/wasm/fuzz/vitest.fuzz.config.ts
import { defineConfig, mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../../vitest.shared.js';

export default mergeConfig(
  packageTestConfig(new URL('..', import.meta.url).pathname),
  defineConfig({ test: { include: ['fuzz/**/*.fuzz.ts'], testTimeout: 24 * 3600_000 } }),
);
