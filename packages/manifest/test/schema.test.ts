import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import { describe, expect, test } from 'vitest';
import { DEFAULT_MANIFEST, canonicalManifestJson, normalize, validateManifest, type Manifest } from '@wsbc/manifest';
import { generateValidatorSource, schemaPath, validatorPath } from '../scripts/generate-validator.mjs';
import { maximalInput } from './fixtures/maximal-input.js';

const schemaText = readFileSync(schemaPath, 'utf8');
const schema = JSON.parse(schemaText) as Record<string, unknown>;

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
