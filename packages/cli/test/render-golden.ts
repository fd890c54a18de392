// Golden files for renderer output: compared byte for byte; WSBC_BLESS=1 rewrites them after a
// reviewed change (review the diff of test/fixtures/render like code).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';

export function expectGolden(actual: string, name: string): void {
  const file = new URL(`./fixtures/render/${name}`, import.meta.url);
  if (process.env.WSBC_BLESS === '1' || !existsSync(file)) {
    if (process.env.CI === 'true' && !existsSync(file)) throw new Error(`golden file ${name} is missing`);
    writeFileSync(file, actual);
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}
