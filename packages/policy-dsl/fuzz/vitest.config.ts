// The long fuzz run, kept out of the test suite: `npx vitest run --config fuzz/vitest.config.ts`
// from packages/policy-dsl. FUZZ_RUNS sets the number of inputs (default 200000), FUZZ_SEED the seed.
import { packageTestConfig } from '../../../vitest.shared.js';

const config = packageTestConfig(new URL('..', import.meta.url).pathname);
// Replace (not extend) the test suite's include list: only the fuzz file runs.
config.test = { ...config.test, include: ['fuzz/**/*.fuzz.ts'], testTimeout: 3_600_000 };

export default config;
