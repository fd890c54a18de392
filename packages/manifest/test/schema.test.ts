import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject } from 'ajv';
import { describe, expect, test } from 'vitest';
import { DEFAULT_MANIFEST, canonicalManifestJson, normalize, validateManifest, type Manifest } from '@wsbc/manifest';
import { generateValidatorSource, schemaPath, validatorPath } from '../scripts/generate-validator.mjs';
import { maximalInput } from './fixtures/maximal-input.js';

const schemaText = readFileSync(schemaPath, 'utf8');
const schema = JSON.parse(schemaText) as Record<string, unknown>;

/** The default manifest as plain JSON, with one edit. */
function edited(edit: (m: Record<string, any>) => void): Record<string, any> {
  const m = JSON.parse(canonicalManifestJson(DEFAULT_MANIFEST));
  edit(m);
  return m;
}

function maximal(): Manifest {
  const result = normalize(maximalInput, { baseDir: '/' });
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.value;
}

describe('the precompiled validator', () => {
  test('is regenerated from the current schema (run `pnpm --filter @wsbc/manifest generate` when this fails)', () => {
    expect(readFileSync(validatorPath, 'utf8')).toBe(generateValidatorSource(schemaText));
  });

  test('imports nothing at run time', () => {
    const source = readFileSync(validatorPath, 'utf8');
    expect(source).not.toMatch(/\brequire\(|^import /m);
  });

  test('stops at its error limit only by leaving errors out: what it reports, ajv reports too, in the same order', () => {
    const require = createRequire(import.meta.url);
    const precompiled = require(validatorPath) as ((value: unknown) => boolean) & { errors: ErrorObject[]; errorLimit: number };
    const full = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
    const key = (e: ErrorObject) => `${e.instancePath} ${e.schemaPath} ${JSON.stringify(e.params)}`;
    const many = <T>(count: number, item: (i: number) => T): T[] => Array.from({ length: count }, (_, i) => item(i));
    const documents = [
      // One host grant with thousands of bad ports: the limit stops a loop inside a `$ref`.
      edited((m) => { m.network.hosts = [{ host: '', ports: many(3000, () => ({ from: -1 })), secure: 1 }]; }),
      edited((m) => { m.network.hosts = many(2000, () => ({ host: '', ports: [{ from: -1, to: 1 }], secure: 1 })); m.audit.extra = 1; }),
      // Unknown keys everywhere, a clock (checked by `oneOf`) with thousands of them, custom values checked by `if`.
      edited((m) => {
        for (let i = 0; i < 600; i++) m[`x${i}`] = i;
        m.time.deterministic = Object.fromEntries(many(2000, (i) => [`k${i}`, i] as const));
        m.custom = many(800, (i) => ({ name: `c${i}`, type: 'number', value: 'x', min: null }));
      }),
    ];
    for (const document of documents) {
      expect(precompiled(document)).toBe(false);
      expect(full(document)).toBe(false);
      const capped = precompiled.errors.map(key);
      expect(capped.length).toBeGreaterThanOrEqual(precompiled.errorLimit);
      expect(capped.length).toBeLessThan(full.errors!.length);
      let next = 0;
      for (const error of full.errors!.map(key)) if (error === capped[next]) next++;
      expect(next, 'every capped error, in order, among all the errors').toBe(capped.length);
    }
  });

  test.each([
    ['a `not`', (s: any) => (s.properties.name.not = { const: 'x' })],
    ['an `if` condition that loops', (s: any) => (s.definitions.customCapability.allOf[0].if.properties.value = { items: { type: 'string' } })],
    ['a `oneOf` of two branches of one type', (s: any) => (s.properties.time.properties.deterministic.oneOf[0] = { type: 'object' })],
  ])('refuses to generate a validator for a schema with %s, where stopping early could report a problem that is not there', (_, edit) => {
    const changed = JSON.parse(schemaText);
    edit(changed);
    expect(() => generateValidatorSource(JSON.stringify(changed))).toThrow(/error limit/);
  });
});

describe('schema and types agree', () => {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  const compiled = ajv.compile(schema);

  test('DEFAULT_MANIFEST and a maximal manifest validate, with no diagnostics at all', () => {
    for (const m of [DEFAULT_MANIFEST, maximal()]) {
      expect(compiled(JSON.parse(canonicalManifestJson(m))), JSON.stringify(compiled.errors)).toBe(true);
      const result = validateManifest(JSON.parse(canonicalManifestJson(m)));
      expect(result.diagnostics).toEqual([]);
      expect(result.ok).toBe(true);
    }
  });

  test('every object in a maximal manifest has exactly the keys the schema lists, all required', () => {
    const definitions = schema.definitions as Record<string, Record<string, unknown>>;
    const resolve = (s: Record<string, unknown>): Record<string, unknown> =>
      typeof s.$ref === 'string' ? resolve(definitions[s.$ref.replace('#/definitions/', '')]!) : s;
    const visit = (value: unknown, s: Record<string, unknown>, at: string): void => {
      s = resolve(s);
      // A custom capability's value is typed by the conditionals on its `type`, not here.
      if (at.endsWith('.value')) return;
      if (Array.isArray(value)) {
        for (const item of value) visit(item, s.items as Record<string, unknown>, `${at}[]`);
        return;
      }
      if (value === null || typeof value !== 'object') return;
      if (s.oneOf) s = (s.oneOf as Array<Record<string, unknown>>).find((b) => b.type === 'object')!;
      const properties = s.properties as Record<string, Record<string, unknown>>;
      const keys = Object.keys(properties).filter((k) => k !== '$schema');
      const present = Object.keys(value);
      if (at.startsWith('custom')) {
        // custom capabilities share one object schema; min/max exist only on numbers.
        expect(keys, at).toEqual(expect.arrayContaining(present));
      } else {
        expect(present.sort(), at).toEqual([...keys].sort());
        expect([...(s.required as string[])].sort(), at).toEqual([...keys].sort());
      }
      expect(s.additionalProperties, at).toBe(false);
      for (const key of present) visit((value as Record<string, unknown>)[key], properties[key]!, at ? `${at}.${key}` : key);
    };
    visit(JSON.parse(canonicalManifestJson(maximal())), schema, '');
  });

  test('has a version constant, an $id and a description on every property', () => {
    expect((schema.properties as Record<string, { const?: number }>).version!.const).toBe(1);
    expect(schema.$id).toMatch(/^https:\/\//);
    const walk = (s: unknown, at: string): void => {
      if (s === null || typeof s !== 'object') return;
      const node = s as Record<string, unknown>;
      if (node.properties) {
        for (const [key, inner] of Object.entries(node.properties as Record<string, Record<string, unknown>>)) {
          expect(typeof inner.description, `${at}.${key}`).toBe('string');
          walk(inner, `${at}.${key}`);
        }
      }
      for (const key of ['items', 'definitions', 'oneOf', 'allOf']) if (node[key]) walk(node[key], `${at}.${key}`);
      if (Array.isArray(s)) s.forEach((inner, i) => walk(inner, `${at}[${i}]`));
      else if (at.endsWith('definitions')) for (const [k, inner] of Object.entries(node)) walk(inner, `${at}.${k}`);
    };
    walk(schema, '');
  });

  test('the package exports the schema file for editors and other tools', () => {
    const require = createRequire(import.meta.url);
    const resolved = require.resolve('@wsbc/manifest/schema.json');
    expect(JSON.parse(readFileSync(resolved, 'utf8')).$id).toBe(schema.$id);
  });
});
