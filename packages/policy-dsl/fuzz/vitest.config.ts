// The long fuzz run, kept out of the test suite: `npx vitest run --config fuzz/vitest.config.ts`
// from packages/policy-dsl. FUZZ_RUNS sets the number of inputs (default 200000), FUZZ_SEED the seed.
import { defineConfig, mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../../vitest.shared.js';

export default mergeConfig(
  packageTestConfig(new URL('..', import.meta.url).pathname),
  defineConfig({ test: { include: ['fuzz/**/*.fuzz.ts'], testTimeout: 3_600_000 } }),
);
