// Lint configuration: which level each rule reports at and its options. Three layers, later
// wins: the rules' default levels (data in each rule file), a `.wsbc-lint.json` file (found next
// to the policy or in a parent directory, or named with --config), and per-run `--rule id=level`
// flags. The first config file found upward wins; files are not merged, so what applies to a
// policy is always one file you can open.
//
// File format (RFC 8259 JSON):
//   { "rules": { "no-full-network": "error",
//                "large-fuel-budget": { "level": "warning", "options": { "max": 1000000000 } } } }
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Diagnostic, TextSpan } from '@wsbc/diagnostics';
import { BUILTIN_CHECKS, bareRuleId, isBuiltinCheckId } from './builtin-checks.js';
import { parseJsonSource } from '@wsbc/manifest';
import { closestMatch } from '../suggest.js';
import { LineIndex } from './text-span.js';
import { LINT_LEVELS, type LintLevel, type LintRule, type RuleOptionValue } from './types.js';

export const LINT_CONFIG_FILE = '.wsbc-lint.json';

export interface RuleConfigEntry {
  level?: LintLevel;
  options?: Record<string, RuleOptionValue>;
}

export interface LintConfig {
  /** Where the configuration came from, for messages; absent for configurations built in code. */
  file?: string;
  rules: Record<string, RuleConfigEntry>;
}

/** The effective setting of one rule or built-in check for a run. */
export interface RuleSetting {
  level: LintLevel;
  options: Record<string, RuleOptionValue>;
}

export interface ParsedLintConfig {
  /** Absent when the file has errors: linting with a half-read configuration would mislead. */
  config?: LintConfig;
  diagnostics: Diagnostic[];
}

/** Finds the configuration that applies to files in `dir`: the nearest `.wsbc-lint.json` upward. */
export function findLintConfig(dir: string, exists: (path: string) => boolean = existsSync): string | undefined {
  let current = resolve(dir);
  for (;;) {
    const candidate = join(current, LINT_CONFIG_FILE);
    if (exists(candidate)) return candidate;
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/** Reads a configuration file's text; every problem is a `lint/invalid-config` diagnostic with its span. */
export function parseLintConfig(text: string, file: string, rules: readonly LintRule[]): ParsedLintConfig {
  const diagnostics: Diagnostic[] = [];
  const problem = (message: string, span: TextSpan, help?: string): void => {
    diagnostics.push({ code: 'lint/invalid-config', severity: 'error', message, span, ...(help ? { help } : {}) });
  };

  // The manifest's strict JSON reader: positions for every value, duplicate keys refused.
  const parsed = parseJsonSource(text, file);
  if (!parsed.ok) {
    for (const d of parsed.diagnostics) problem(`${LINT_CONFIG_FILE} is not valid JSON: ${d.message}`, d.span as TextSpan, d.help);
    return { diagnostics };
  }
  const fileStart = new LineIndex(file, text).span(0, 0);
  const where = (path: Array<string | number>): TextSpan => parsed.source.locate(jsonPointer(path)) ?? fileStart;

  const root = parsed.source.value as JsonValue;
  if (!isObject(root)) {
    problem('the lint configuration must be a JSON object with a "rules" member', where([]));
    return { diagnostics };
  }
  for (const key of Object.keys(root)) {
    if (key !== 'rules' && key !== '$schema') {
      const hint = closestMatch(key, ['rules', '$schema']);
      problem(`unknown top-level property "${key}"`, where([key]), hint ? `did you mean "${hint}"?` : 'the only properties are "rules" and "$schema"');
    }
  }
  const config: LintConfig = { file, rules: {} };
  const rulesValue = root.rules;
  if (rulesValue !== undefined && !isObject(rulesValue)) {
    problem('"rules" must be an object mapping rule ids to levels', where(['rules']));
  } else if (rulesValue !== undefined) {
    const byId = new Map(rules.map((r) => [r.id, r]));
    const knownIds = [...byId.keys(), ...Object.keys(BUILTIN_CHECKS)];
    for (const [written, entry] of Object.entries(rulesValue)) {
      const id = bareRuleId(written);
      const rule = byId.get(id);
      if (!rule && !isBuiltinCheckId(id)) {
        const hint = closestMatch(id, knownIds);
        problem(`unknown rule "${id}"`, where(['rules', written]), hint ? `did you mean "${hint}"?` : 'run `wsbc lint --list-rules` to see every rule');
        continue;
      }
      if (isBuiltinCheckId(id) && !BUILTIN_CHECKS[id].configurable) {
        problem(`the level of "${id}" cannot be changed`, where(['rules', written]));
        continue;
      }
      if (typeof entry === 'string') {
        if (isLevel(entry)) config.rules[id] = { level: entry };
        else problem(levelMessage(entry), where(['rules', written]));
        continue;
      }
      if (!isObject(entry)) {
        problem(`the setting of "${id}" must be a level (${LINT_LEVELS.join(', ')}) or an object { "level", "options" }`, where(['rules', written]));
        continue;
      }
      const setting: RuleConfigEntry = {};
      for (const [key, value] of Object.entries(entry)) {
        if (key === 'level') {
          if (typeof value === 'string' && isLevel(value)) setting.level = value;
          else problem(levelMessage(value), where(['rules', written, 'level']));
        } else if (key === 'options') {
          const options = readOptions(rule, id, value, ['rules', id, 'options'], where, problem);
          if (options) setting.options = options;
        } else {
          problem(`unknown property "${key}" in the setting of "${id}"`, where(['rules', written, key]), 'a rule setting has only "level" and "options"');
        }
      }
      config.rules[id] = setting;
    }
  }
  return diagnostics.length > 0 ? { diagnostics } : { config, diagnostics };
}

function readOptions(
  rule: LintRule | undefined,
  id: string,
  value: JsonValue,
  path: Array<string | number>,
  where: (path: Array<string | number>) => TextSpan,
  problem: (message: string, span: TextSpan, help?: string) => void,
): Record<string, RuleOptionValue> | undefined {
  const specs = rule?.options ?? {};
  if (!isObject(value)) {
    problem(`"options" of "${id}" must be an object`, where(path));
    return undefined;
  }
  const out: Record<string, RuleOptionValue> = {};
  for (const [name, optionValue] of Object.entries(value)) {
    const spec = specs[name];
    if (!spec) {
      const names = Object.keys(specs);
      const hint = closestMatch(name, names);
      problem(
        `"${id}" has no option "${name}"`,
        where([...path, name]),
        hint ? `did you mean "${hint}"?` : names.length ? `its options are ${names.map((n) => `"${n}"`).join(', ')}` : `"${id}" takes no options`,
      );
      continue;
    }
    const span = where([...path, name]);
    if (spec.type === 'number') {
      if (typeof optionValue !== 'number') problem(`option "${name}" of "${id}" must be a number`, span);
      else if (spec.min !== undefined && optionValue < spec.min) problem(`option "${name}" of "${id}" must be at least ${spec.min}`, span);
      else out[name] = optionValue;
    } else if (spec.type === 'boolean') {
      if (typeof optionValue !== 'boolean') problem(`option "${name}" of "${id}" must be true or false`, span);
      else out[name] = optionValue;
    } else if (!Array.isArray(optionValue) || !optionValue.every((v): v is string => typeof v === 'string')) {
      problem(`option "${name}" of "${id}" must be an array of strings`, span);
    } else {
      out[name] = optionValue;
    }
  }
  return out;
}

export type RuleFlagResult = { ok: true; id: string; level: LintLevel } | { ok: false; message: string };

/** Parses one `--rule id=level` flag. */
export function parseRuleFlag(flag: string, rules: readonly LintRule[]): RuleFlagResult {
  const eq = flag.lastIndexOf('=');
  if (eq <= 0) return { ok: false, message: `--rule expects id=level (got "${flag}")` };
  const id = bareRuleId(flag.slice(0, eq).trim());
  const level = flag.slice(eq + 1).trim();
  const known = rules.some((r) => r.id === id) || (isBuiltinCheckId(id) && BUILTIN_CHECKS[id].configurable);
  if (!known) {
    const hint = closestMatch(id, [...rules.map((r) => r.id), ...Object.keys(BUILTIN_CHECKS)]);
    return { ok: false, message: `--rule names an unknown rule "${id}"${hint ? ` (did you mean "${hint}"?)` : ''}` };
  }
  if (!isLevel(level)) return { ok: false, message: `--rule ${id}: ${levelMessage(level)}` };
  return { ok: true, id, level };
}

/**
 * The effective level and options of every rule and configurable built-in check: defaults, then
 * the configuration, then the per-run overrides.
 */
export function resolveRuleSettings(
  rules: readonly LintRule[],
  config?: LintConfig,
  overrides: Readonly<Record<string, LintLevel>> = {},
): Map<string, RuleSetting> {
  const settings = new Map<string, RuleSetting>();
  for (const rule of rules) {
    const options: Record<string, RuleOptionValue> = {};
    for (const [name, spec] of Object.entries(rule.options ?? {})) options[name] = spec.default;
    settings.set(rule.id, { level: rule.defaultLevel, options });
  }
  for (const check of Object.values(BUILTIN_CHECKS)) settings.set(check.id, { level: check.defaultLevel, options: {} });
  for (const [id, entry] of Object.entries(config?.rules ?? {})) {
    const current = settings.get(id);
    if (!current) continue;
    settings.set(id, { level: entry.level ?? current.level, options: { ...current.options, ...entry.options } });
  }
  for (const [id, level] of Object.entries(overrides)) {
    const current = settings.get(id);
    if (current && (!isBuiltinCheckId(id) || BUILTIN_CHECKS[id].configurable)) settings.set(id, { ...current, level });
  }
  return settings;
}

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** RFC 6901 pointer of a path, as JsonSource.locate expects. */
function jsonPointer(path: ReadonlyArray<string | number>): string {
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLevel(value: string): value is LintLevel {
  return (LINT_LEVELS as readonly string[]).includes(value);
}

function levelMessage(value: JsonValue): string {
  return `level must be one of ${LINT_LEVELS.join(', ')} (got ${JSON.stringify(value)})`;
}
