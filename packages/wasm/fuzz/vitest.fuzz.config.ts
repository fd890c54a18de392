// The large fuzz run, outside the test suite:
//   FUZZ_ITERATIONS=20000 FUZZ_SEED=1 npx vitest run --config packages/wasm/fuzz/vitest.fuzz.config.ts
import { packageTestConfig } from '../../../vitest.shared.js';

const base = packageTestConfig(new URL('..', import.meta.url).pathname);

// Replace (not merge) the include list, so only the fuzz run executes.
export default { ...base, test: { ...base.test, include: ['fuzz/**/*.fuzz.ts'], testTimeout: 24 * 3600_000 } };
