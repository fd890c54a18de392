import { describe, expect, it } from 'vitest';
import { findLintConfig, parseLintConfig, parseRuleFlag, resolveRuleSettings } from './config.js';
import { allRules } from './registry.js';

const FILE = '/repo/.wsbc-lint.json';

describe('parseLintConfig', () => {
  it('reads levels given as strings and as objects with options', () => {
    const text = JSON.stringify({
      $schema: 'https://example.invalid/lint.schema.json',
      rules: { 'no-full-network': 'error', 'large-fuel-budget': { level: 'warning', options: { max: 1000 } }, 'unused-suppression': 'off' },
    });
    const { config, diagnostics } = parseLintConfig(text, FILE, allRules);
    expect(diagnostics).toEqual([]);
    expect(config?.rules).toEqual({
      'no-full-network': { level: 'error' },
      'large-fuel-budget': { level: 'warning', options: { max: 1000 } },
      'unused-suppression': { level: 'off' },
    });
  });

  it('takes rule ids as finding codes print them (lint/<id>) too', () => {
    const { config, diagnostics } = parseLintConfig(JSON.stringify({ rules: { 'lint/no-full-network': 'off' } }), FILE, allRules);
    expect(diagnostics).toEqual([]);
    expect(config?.rules).toEqual({ 'no-full-network': { level: 'off' } });
  });

  it('reports an unknown rule at its entry, with a suggestion', () => {
    const text = '{\n  "rules": {\n    "no-full-netwrk": "error"\n  }\n}\n';
    const { config, diagnostics } = parseLintConfig(text, FILE, allRules);
    expect(config).toBeUndefined();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      code: 'lint/invalid-config',
      severity: 'error',
      message: 'unknown rule "no-full-netwrk"',
      help: 'did you mean "no-full-network"?',
      span: { file: FILE, line: 3, column: 5, endLine: 3, endColumn: 30 },
    });
  });

  it('reports a bad level at its entry', () => {
    const text = '{ "rules": { "env-full": "warn" } }';
    const { diagnostics } = parseLintConfig(text, FILE, allRules);
    expect(diagnostics.map((d) => [d.message, d.span])).toEqual([
      ['level must be one of error, warning, info, off (got "warn")', expect.objectContaining({ line: 1, column: 14, endColumn: 32 })],
    ]);
  });

  it('reports malformed JSON at the offending character', () => {
    const text = '{\n  "rules": { "env-full": "error", }\n}';
    const { config, diagnostics } = parseLintConfig(text, FILE, allRules);
    expect(config).toBeUndefined();
    expect(diagnostics[0]?.message).toBe('.wsbc-lint.json is not valid JSON: trailing comma before "}"');
    expect(diagnostics[0]?.code).toBe('lint/invalid-config');
    expect(diagnostics[0]?.span).toMatchObject({ line: 2, column: 33 });
  });

  it('rejects duplicate keys, which JSON.parse would silently collapse', () => {
    const { diagnostics } = parseLintConfig('{"rules":{"env-full":"off","env-full":"error"}}', FILE, allRules);
    expect(diagnostics[0]?.message).toContain('key "env-full" appears twice');
  });

  it('checks options against the rule: unknown names, types and minimums', () => {
    const text = JSON.stringify({
      rules: {
        'large-fuel-budget': { options: { maxx: 1, max: -5 } },
        'write-without-create': { options: { names: ['out', 3] } },
        'no-full-network': { options: { x: true } },
        'env-full': { level: 'error', extra: 1 },
      },
    });
    const { diagnostics } = parseLintConfig(text, FILE, allRules);
    expect(diagnostics.map((d) => [d.message, d.help])).toEqual([
      ['"large-fuel-budget" has no option "maxx"', 'did you mean "max"?'],
      ['option "max" of "large-fuel-budget" must be at least 0', undefined],
      ['option "names" of "write-without-create" must be an array of strings', undefined],
      ['"no-full-network" has no option "x"', '"no-full-network" takes no options'],
      ['unknown property "extra" in the setting of "env-full"', 'a rule setting has only "level" and "options"'],
    ]);
  });

  it('does not let a configuration silence invalid-config', () => {
    const { diagnostics } = parseLintConfig('{"rules":{"invalid-config":"off"}}', FILE, allRules);
    expect(diagnostics[0]?.message).toBe('the level of "invalid-config" cannot be changed');
  });

  it('rejects unknown top-level properties and non-object roots', () => {
    expect(parseLintConfig('{"rule":{}}', FILE, allRules).diagnostics[0]).toMatchObject({ message: 'unknown top-level property "rule"', help: 'did you mean "rules"?' });
    expect(parseLintConfig('[]', FILE, allRules).diagnostics[0]?.message).toContain('must be a JSON object');
    expect(parseLintConfig('{"rules":[]}', FILE, allRules).diagnostics[0]?.message).toContain('"rules" must be an object');
  });

  it('accepts an empty object and a byte order mark', () => {
    expect(parseLintConfig('\ufeff{}', FILE, allRules)).toEqual({ config: { file: FILE, rules: {} }, diagnostics: [] });
  });
});

describe('findLintConfig', () => {
  it('takes the nearest file upward and stops at the root', () => {
    const present = new Set(['/repo/.wsbc-lint.json', '/repo/policies/team/.wsbc-lint.json']);
    const exists = (p: string): boolean => present.has(p);
    expect(findLintConfig('/repo/policies/team', exists)).toBe('/repo/policies/team/.wsbc-lint.json');
    expect(findLintConfig('/repo/policies', exists)).toBe('/repo/.wsbc-lint.json');
    expect(findLintConfig('/elsewhere/deep/dir', exists)).toBeUndefined();
  });
});

describe('parseRuleFlag', () => {
  it('reads id=level', () => {
    expect(parseRuleFlag('no-full-network=off', allRules)).toEqual({ ok: true, id: 'no-full-network', level: 'off' });
    // As the finding's code prints it, which suppression comments accept too.
    expect(parseRuleFlag('lint/no-full-network=off', allRules)).toEqual({ ok: true, id: 'no-full-network', level: 'off' });
    expect(parseRuleFlag('unused-suppression=error', allRules)).toEqual({ ok: true, id: 'unused-suppression', level: 'error' });
  });

  it('rejects malformed flags, unknown rules and levels', () => {
    expect(parseRuleFlag('no-full-network', allRules)).toEqual({ ok: false, message: '--rule expects id=level (got "no-full-network")' });
    expect(parseRuleFlag('no-ful-network=error', allRules)).toEqual({ ok: false, message: '--rule names an unknown rule "no-ful-network" (did you mean "no-full-network"?)' });
    expect(parseRuleFlag('env-full=fatal', allRules)).toMatchObject({ ok: false, message: expect.stringContaining('level must be one of') });
    expect(parseRuleFlag('invalid-config=off', allRules)).toMatchObject({ ok: false });
  });
});

describe('resolveRuleSettings', () => {
  it('layers defaults, configuration and per-run overrides, later winning', () => {
    const settings = resolveRuleSettings(
      allRules,
      { rules: { 'no-full-network': { level: 'error' }, 'large-fuel-budget': { options: { max: 5 } }, 'env-full': { level: 'off' } } },
      { 'no-full-network': 'info', 'invalid-config': 'off' },
    );
    expect(settings.get('no-full-network')?.level).toBe('info');
    expect(settings.get('env-full')?.level).toBe('off');
    expect(settings.get('large-fuel-budget')).toEqual({ level: 'info', options: { max: 5 } });
    expect(settings.get('write-without-create')?.options.names).toContain('out');
    expect(settings.get('invalid-config')?.level).toBe('error');
  });
});
