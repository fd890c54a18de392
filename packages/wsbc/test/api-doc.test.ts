// Executes every ```js example of docs/api.md, from the repository root, against this package's
// source (the `wsbc` import is pointed at src/index.ts). An example fails the test when it
// throws, and the examples assert what they claim with node:assert.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');
const doc = readFileSync(join(root, 'docs/api.md'), 'utf8');
const examples = [...doc.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
const scratch = join(import.meta.dirname, '../.cache/api-doc');
const source = pathToFileURL(join(import.meta.dirname, '../src/index.ts')).href;

describe('docs/api.md examples', () => {
  const previous = process.cwd();
  beforeAll(() => {
    mkdirSync(scratch, { recursive: true });
    process.chdir(root);
  });
  afterAll(() => process.chdir(previous));

  it('has examples for every level of the API', () => {
    expect(examples.length).toBeGreaterThanOrEqual(7);
    for (const name of ['run(', 'build(', 'sandbox()', 'hostFunctions', 'verifyArtifact(', 'generateTypes(']) {
      expect(examples.some((e) => e.includes(name)), name).toBe(true);
    }
  });

  examples.forEach((code, index) => {
    const title = code.split('\n').find((l) => l.includes("from 'wsbc'")) ?? `example ${index + 1}`;
    it(`runs example ${index + 1}: ${title.trim()}`, async () => {
      expect(code).toMatch(/assert/);
      const file = join(scratch, `example-${index + 1}.mjs`);
      writeFileSync(file, code.replace(/from 'wsbc'/g, `from '${source}'`));
      await import(`${pathToFileURL(file).href}?t=${Date.now()}`);
    });
  });
});
