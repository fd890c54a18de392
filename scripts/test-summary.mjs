#!/usr/bin/env node
// Prints one closing line for the whole workspace's test run ("N passed, N failed, N skipped"),
// adding up the JSON results every vitest run leaves in <package>/.cache/test-results.json
// (and the workspace-level tests' in ./.cache/test-results.json).
// Exits 1 if any result records a failure, or if there are no results at all (a run that
// executed no test must not look green).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const candidates = [
  join(root, '.cache', 'test-results.json'),
  ...readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name, '.cache', 'test-results.json')),
];
const files = candidates.filter((file) => existsSync(file));
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of files) {
  const result = JSON.parse(readFileSync(file, 'utf8'));
  passed += result.numPassedTests ?? 0;
  failed += result.numFailedTests ?? 0;
  skipped += (result.numPendingTests ?? 0) + (result.numTodoTests ?? 0);
}
console.log(`${files.length} test suites:`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
