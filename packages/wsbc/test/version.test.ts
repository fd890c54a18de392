import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { WSBC_VERSION } from '../src/index.js';

it('records the version package.json declares', () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../package.json'), 'utf8')) as { version: string };
  expect(WSBC_VERSION).toBe(pkg.version);
});
