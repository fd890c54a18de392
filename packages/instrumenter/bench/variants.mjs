// The instrument() option sets the benchmarks compare, by name (workloads.mjs, ab.mjs).
export const VARIANTS = {
  instrumented: {},
  'no-branch-hints': { branchHints: false },
  'global-counter': { counter: 'global' },
  'block-checks': { checks: 'block' },
  'block-checks-no-hints': { checks: 'block', branchHints: false },
  'instrumented+stack': { stackDepth: 50_000 },
};
