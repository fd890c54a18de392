// Executes every ```js example of docs/runtime.md from the repository root, with the package
// imports pointed at the sources. Examples assert what they claim with node:assert, so an
// example that stops being true fails here. Also checks docs/audit-log.md's schema block is
// the schema the code exports.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_RECORD_SCHEMA } from '@wsbc/runtime';

const root = path.join(import.meta.dirname, '../../..');
const doc = fs.readFileSync(path.join(root, 'docs/runtime.md'), 'utf8');
const examples = [...doc.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
const scratch = path.join(import.meta.dirname, '../.cache/runtime-doc');
const sources: Record<string, string> = {
  '@wsbc/runtime': pathToFileURL(path.join(root, 'packages/runtime/src/index.ts')).href,
  '@wsbc/manifest': pathToFileURL(path.join(root, 'packages/manifest/src/index.ts')).href,
  '@wsbc/instrumenter': pathToFileURL(path.join(root, 'packages/instrumenter/src/index.ts')).href,
};

describe('docs/runtime.md examples', () => {
  const previous = process.cwd();
  beforeAll(() => {
    fs.mkdirSync(scratch, { recursive: true });
    process.chdir(root);
  });
  afterAll(() => process.chdir(previous));

  it('has a runnable example for each API level', () => {
    expect(examples).toHaveLength(3);
    expect(examples[0]).toMatch(/await run\(/);
    expect(examples[1]).toMatch(/sandbox\(\)/);
    expect(examples[2]).toMatch(/hostFunctions/);
  });

  examples.forEach((code, index) => {
    it(`runs level ${index + 1}`, async () => {
      expect(code).toMatch(/assert/);
      let text = code;
      for (const [name, url] of Object.entries(sources)) text = text.replaceAll(`from '${name}'`, `from '${url}'`);
      const file = path.join(scratch, `level-${index + 1}.mjs`);
      fs.writeFileSync(file, text);
      await import(`${pathToFileURL(file).href}?t=${Date.now()}`);
    });
  });
});

describe('docs/audit-log.md', () => {
  it('shows the JSON Schema the runtime exports', () => {
    const text = fs.readFileSync(path.join(root, 'docs/audit-log.md'), 'utf8');
    const block = text.match(/```json schema\n([\s\S]*?)```/);
    expect(block, 'a ```json schema block').not.toBeNull();
    expect(JSON.parse(block![1]!)).toEqual(JSON.parse(JSON.stringify(AUDIT_RECORD_SCHEMA)));
  });
});
