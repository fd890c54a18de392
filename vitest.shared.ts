// Shared vitest settings: tests import sibling packages through their `exports`
// using the `@wsbc/source` condition, so no package needs building before its tests run.
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const conditions = ['@wsbc/source', 'import', 'module', 'node', 'default'];

export function packageTestConfig(root: string) {
  return defineConfig({
    root,
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@wsbc/source'] } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 300_000,
      hookTimeout: 120_000,
      pool: 'forks',
      // Besides the console report, each package leaves a JSON result (a turbo output, so a
      // cached run restores it) that scripts/test-summary.mjs adds up into one closing line.
      reporters: ['default', ['json', { outputFile: join(root, '.cache', 'test-results.json') }]],
    },
  });
}
