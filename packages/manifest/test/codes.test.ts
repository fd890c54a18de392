// Every `manifest/` code in the registry is produced and checked (with its JSON path) by some
// test in this folder, and every code this package's sources emit is registered.
import { readFileSync, readdirSync } from 'node:fs';
import { allCodes, describeCode } from '@wsbc/diagnostics';
import { expect, test } from 'vitest';

const here = new URL('./', import.meta.url);
const tests = readdirSync(here)
  .filter((f) => f.endsWith('.test.ts') && f !== 'codes.test.ts')
  .map((f) => readFileSync(new URL(f, here), 'utf8'))
  .join('\n');
const sourceDir = new URL('../src/', import.meta.url);
const sources = readdirSync(sourceDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => readFileSync(new URL(f, sourceDir), 'utf8'))
  .join('\n');

test('every registered manifest/ code has a test', () => {
  const codes = allCodes().filter((c) => c.code.startsWith('manifest/')).map((c) => c.code);
  expect(codes.length).toBeGreaterThan(20);
  expect(codes.filter((code) => !tests.includes(`'${code}'`))).toEqual([]);
});

test('every code the sources emit is registered', () => {
  const emitted = [...new Set(sources.match(/'manifest\/[a-z-]+'/g) ?? [])].map((s) => s.slice(1, -1));
  expect(emitted.length).toBeGreaterThan(20);
  expect(emitted.filter((code) => describeCode(code) === undefined)).toEqual([]);
});
