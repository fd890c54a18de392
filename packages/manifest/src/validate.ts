// Validation of manifest JSON: first against the published JSON Schema (precompiled, each
// violation listed with its JSON pointer), then the rules the schema cannot express (a port
// range that starts after it ends, create without write, a seed without pseudo random, modes
// that contradict their lists, ...). A manifest that is valid but not in normalized form (for
// example hand-edited with unsorted lists) gets a warning, since its hash would not match the
// policy it came from.
//
// A broken generated manifest can hold millions of problems. Listing them all would take
// gigabytes and minutes and help nobody, so a document gets at most MAX_LISTED_PROBLEMS
// diagnostics and then one `manifest/too-many-problems` saying how many more there are, or only
// that there are more once the schema validator has stopped looking (its loops stop after
// `errorLimit` errors: scripts/generate-validator.mjs).
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Diagnostic, Result } from '@wsbc/diagnostics';
import { canonicalManifestJson, orderManifest } from './canonical.js';
import { INPUT_SHAPE } from './input-shape.js';
import { parseJsonSource, type JsonSource } from './json-source.js';
import { normalizeInto } from './normalize.js';
import { Problems, displayPath, pointerJoin } from './problems.js';
import { MANIFEST_VERSION, type Manifest } from './types.js';
import { loadCommonJsWithCodeCache } from './code-cache.js';

interface SchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

type SchemaValidator = ((value: unknown) => boolean) & { errors?: SchemaError[] | null; errorLimit: number };

/**
 * Most diagnostics listed for one manifest, as javac (-Xmaxerrs) and MSVC stop at 100 errors:
 * enough to show every kind of mistake in a document, few enough to read, cheap to locate.
 * INVARIANT: well below the validator's errorLimit (1000). Every error relevantErrors() drops as
 * restating another (a failed `if`, the null branch of a `oneOf`) comes with one it keeps, so a
 * validator that stopped looking has left far more than this many problems to list, and a
 * manifest with at most this many is always checked whole.
 */
const MAX_LISTED_PROBLEMS = 100;

let schemaValidator: SchemaValidator | undefined;

/**
 * The precompiled schema validator (generated/manifest-validator.cjs, ~110 KB of machine-written
 * code) is loaded on the first validation, not when the package is imported: compiling a policy
 * or checking a module against a `.wsp` policy never validates manifest JSON, and CLI start-up
 * is a benchmark target. It is CommonJS so that require() can load it synchronously and the
 * validation API stays synchronous; the path is the same from src/ and dist/.
 */
function loadSchemaValidator(): SchemaValidator {
  if (schemaValidator === undefined) {
    const require = createRequire(import.meta.url);
    // Through its V8 code cache when a bundle ships one beside it (code-cache.ts).
    const file = require.resolve('../generated/manifest-validator.cjs');
    schemaValidator = (loadCommonJsWithCodeCache(file)?.exports ?? require(file)) as SchemaValidator;
  }
  return schemaValidator;
}

/**
 * Validates a parsed manifest. `file` names where it came from (it is put in each diagnostic's
 * `data.file`); use loadManifest() for text, which also gives every diagnostic a line and column.
 */
export function validateManifest(value: unknown, file?: string): Result<Manifest> {
  return validateLocated(value, file, undefined);
}

/** Parses manifest JSON (a syntax error gets its line and column) and validates it. */
export function loadManifest(text: string, file: string): Result<Manifest> {
  const parsed = parseJsonSource(text, file);
  if (!parsed.ok) return { ok: false, diagnostics: parsed.diagnostics };
  return validateLocated(parsed.source.value, file, parsed.source);
}

function validateLocated(value: unknown, file: string | undefined, source: JsonSource | undefined): Result<Manifest> {
  const problems = new Problems(MAX_LISTED_PROBLEMS);
  const { manifest: result, everyProblemCounted } = check(value, problems);
  if (problems.unlisted > 0) problems.list.push(unlistedProblems(problems.unlisted, everyProblemCounted));
  if (source !== undefined && problems.list.length > 0) attachSpans(problems.list, source);
  if (file !== undefined) for (const d of problems.list) d.data = { ...d.data, file };
  return result === undefined || problems.hasErrors ? { ok: false, diagnostics: problems.list } : { ok: true, value: result, diagnostics: problems.list };
}

/**
 * Gives each diagnostic the span of its `data.path`, all in one scan of the text. A pointer to a
 * missing field has no span of its own: it gets the nearest enclosing value's.
 */
function attachSpans(diagnostics: Diagnostic[], source: JsonSource): void {
  const enclosing = (pointer: string): string[] => {
    const out = [pointer];
    for (let p = pointer; p !== ''; ) out.push((p = p.slice(0, p.lastIndexOf('/'))));
    return out;
  };
  const spans = source.locateAll(diagnostics.flatMap((d) => enclosing(String(d.data?.path ?? ''))));
  for (const d of diagnostics) {
    const span = enclosing(String(d.data?.path ?? ''))
      .map((p) => spans.get(p))
      .find((s) => s !== undefined);
    if (span) d.span = span;
  }
}

/** The diagnostic after the listed ones, about the problems found but not listed. */
function unlistedProblems(unlisted: number, counted: boolean): Diagnostic {
  const more = counted ? `${unlisted} more ${unlisted === 1 ? 'problem' : 'problems'}` : 'more problems';
  return {
    code: 'manifest/too-many-problems',
    severity: 'error',
    message: counted
      ? `${more} not reported: only the first ${MAX_LISTED_PROBLEMS} problems of a manifest are listed`
      : `${more} not reported: only the first ${MAX_LISTED_PROBLEMS} problems of a manifest are listed, and the schema check stopped before counting them all`,
    help: 'fix the problems listed and check again; this many usually share one cause, such as the program that wrote the manifest',
    data: counted ? { path: '', listed: MAX_LISTED_PROBLEMS, unlisted } : { path: '', listed: MAX_LISTED_PROBLEMS },
  };
}

interface Checked {
  manifest: Manifest | undefined;
  /** False when the schema validator stopped looking: `problems.unlisted` is then a lower bound. */
  everyProblemCounted: boolean;
}

function check(value: unknown, problems: Problems): Checked {
  // A future format gets one clear message rather than a schema violation per changed field.
  const version = isObject(value) ? value.version : undefined;
  if (typeof version === 'number' && version !== MANIFEST_VERSION) {
    problems.error(
      'manifest/unsupported-version',
      '/version',
      `manifest format version ${version} is not supported (this wsbc reads version ${MANIFEST_VERSION})`,
      version > MANIFEST_VERSION ? 'upgrade wsbc, or compile the policy with this version' : undefined,
    );
    return { manifest: undefined, everyProblemCounted: true };
  }

  const validator = loadSchemaValidator();
  if (!validator(value)) {
    const errors = validator.errors ?? [];
    for (const error of relevantErrors(errors)) reportSchemaError(error, problems);
    return { manifest: undefined, everyProblemCounted: errors.length < validator.errorLimit };
  }
  const manifest = value as Manifest;
  checkPaths(manifest, problems);
  checkModes(manifest, problems);

  // The remaining rules (ranges between fields, create without write, hosts, custom values,
  // import requirements, ...) are the ones normalize() enforces: run it and keep its findings.
  // Its ignored-grant warnings are left out: checkModes() reported them as inconsistent-mode.
  const { $schema: _ignored, ...withoutSchema } = manifest as Manifest & { $schema?: string };
  const found = new Problems(MAX_LISTED_PROBLEMS, ['manifest/ignored-grant']);
  const normalized = normalizeInto(found, withoutSchema, { baseDir: '/' });
  for (const d of found.list) {
    const pointer = String(d.data?.path ?? '');
    if (d.severity === 'error') problems.error(d.code, pointer, d.message, d.help);
    else problems.warning(d.code, pointer, d.message, d.help);
  }
  problems.unlisted += found.unlisted;
  if (problems.hasErrors || !normalized.ok) return { manifest: undefined, everyProblemCounted: true };

  const ordered = orderManifest(manifest);
  const difference = firstDifference(ordered, normalized.value, '');
  if (difference !== undefined) {
    problems.warning(
      'manifest/not-normalized',
      difference,
      `the manifest is valid but not normalized: ${displayPath(difference)} differs from its normal form`,
      'regenerate it with `wsbc compile`; its hash will not match the policy it came from',
      { normalized: canonicalManifestJson(normalized.value) === canonicalManifestJson(ordered) },
    );
  }
  return { manifest: ordered, everyProblemCounted: true };
}

function checkPaths(m: Manifest, problems: Problems): void {
  m.filesystem.preopens.forEach((preopen, index) => {
    const at = pointerJoin('/filesystem/preopens', index);
    if (!path.isAbsolute(preopen.hostPath) || path.resolve(preopen.hostPath) !== preopen.hostPath) {
      problems.error(
        'manifest/unclean-path',
        `${at}/hostPath`,
        `host path ${JSON.stringify(preopen.hostPath)} is not absolute and cleaned`,
        path.isAbsolute(preopen.hostPath) ? `write ${JSON.stringify(path.resolve(preopen.hostPath))}` : 'manifests hold absolute paths; relative ones belong in policies',
      );
    }
    if (path.posix.resolve('/', preopen.guestPath) !== preopen.guestPath) {
      problems.error(
        'manifest/unclean-path',
        `${at}/guestPath`,
        `guest path ${JSON.stringify(preopen.guestPath)} is not cleaned`,
        `write ${JSON.stringify(path.posix.resolve('/', preopen.guestPath))}`,
      );
    }
  });
}

function checkModes(m: Manifest, problems: Problems): void {
  const inconsistent = (pointer: string, message: string, help: string) => problems.error('manifest/inconsistent-mode', pointer, message, help);
  const { network, environment, process } = m;
  const lists = network.hosts.length > 0 || network.ports.length > 0;
  if (network.mode === 'none' && (network.loopback || lists)) {
    inconsistent('/network/mode', 'network mode is "none" but loopback, hosts or ports are granted', 'use mode "restricted" to grant them, or remove them');
  } else if (network.mode === 'full' && lists) {
    inconsistent('/network/mode', 'network mode is "full" but hosts or ports are listed', 'remove the lists: full allows every host and port');
  } else if (network.mode === 'restricted' && !network.loopback && !lists) {
    inconsistent('/network/mode', 'network mode is "restricted" but nothing is granted', 'use mode "none"');
  }
  if ((environment.mode === 'none' || environment.mode === 'full') && environment.names.length > 0) {
    inconsistent('/environment/names', `environment mode is "${environment.mode}" but names are listed`, 'use mode "allow" or "deny", or remove the names');
  } else if ((environment.mode === 'allow' || environment.mode === 'deny') && environment.names.length === 0) {
    inconsistent('/environment/names', `environment mode is "${environment.mode}" but no names are listed`, environment.mode === 'allow' ? 'use mode "none"' : 'use mode "full"');
  }
  if ((process.mode === 'none' || process.mode === 'full') && process.commands.length > 0) {
    inconsistent('/process/commands', `process mode is "${process.mode}" but commands are listed`, 'use mode "allow", or remove the commands');
  } else if (process.mode === 'allow' && process.commands.length === 0) {
    inconsistent('/process/commands', 'process mode is "allow" but no commands are listed', 'use mode "none"');
  }
}

/** Drops errors that only restate another: the failed `if` of a conditional, the null branch of `oneOf`. */
function relevantErrors(errors: SchemaError[]): SchemaError[] {
  const kept = errors.filter((e) => e.keyword !== 'if' && !/\/oneOf\/0\//.test(e.schemaPath));
  return kept.filter(
    (e) => e.keyword !== 'oneOf' || !kept.some((other) => other !== e && other.instancePath.startsWith(e.instancePath) && /\/oneOf\/1\//.test(other.schemaPath)),
  );
}

function reportSchemaError(error: SchemaError, problems: Problems): void {
  const at = error.instancePath;
  const where = displayPath(at);
  const data = { keyword: error.keyword, schemaPath: error.schemaPath };
  const p = error.params;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const suggestion = problems.suggest(key, fieldsAt(at));
      problems.error('manifest/schema-violation', pointerJoin(at, key), `unknown field "${key}" in ${where}`, suggestion ? `did you mean "${suggestion}"?` : undefined, data);
      return;
    }
    case 'required':
      problems.error('manifest/schema-violation', pointerJoin(at, String(p.missingProperty)), `${where} is missing the field "${String(p.missingProperty)}"`, undefined, data);
      return;
    case 'type':
      problems.error('manifest/schema-violation', at, `${where} must be ${article(String(p.type).replace(',', ' or '))}`, undefined, data);
      return;
    case 'enum':
      problems.error('manifest/schema-violation', at, `${where} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`, undefined, data);
      return;
    case 'const':
      problems.error('manifest/schema-violation', at, `${where} must be ${JSON.stringify(p.allowedValue)}`, undefined, data);
      return;
    case 'minimum':
    case 'maximum':
      problems.error('manifest/schema-violation', at, `${where} must be ${error.keyword === 'minimum' ? 'at least' : 'at most'} ${String(p.limit)}`, undefined, data);
      return;
    case 'minLength':
      problems.error('manifest/schema-violation', at, `${where} must not be empty`, undefined, data);
      return;
    case 'pattern':
      problems.error('manifest/schema-violation', at, `${where} must be an absolute path (start with "/")`, undefined, data);
      return;
    case 'uniqueItems':
      problems.error('manifest/schema-violation', at, `${where} lists the same value twice (items ${String(p.j)} and ${String(p.i)})`, undefined, data);
      return;
    case 'false schema':
      problems.error('manifest/schema-violation', at, `${where} is not allowed here`, undefined, data);
      return;
    case 'oneOf':
      problems.error('manifest/schema-violation', at, `${where} must be null or an object of the documented shape`, undefined, data);
      return;
    default:
      problems.error('manifest/schema-violation', at, `${where} ${error.message ?? 'does not match the schema'}`, undefined, data);
  }
}

/** Field names the schema allows at an object pointer (the manifest has the input's shape plus `version`). */
function fieldsAt(pointer: string): string[] {
  let shape = INPUT_SHAPE;
  for (const token of pointer.split('/').slice(1)) {
    if (typeof shape === 'string') return [];
    if ('items' in shape) {
      shape = shape.items;
      continue;
    }
    const next = shape.fields[token];
    if (next === undefined) return [];
    shape = next;
  }
  if (typeof shape === 'string' || 'items' in shape) return [];
  return Object.keys(shape.fields).filter((f) => f !== 'preset');
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The JSON pointer of the first place two JSON values differ, or undefined when equal. */
function firstDifference(a: unknown, b: unknown, pointer: string): string | undefined {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= a.length || i >= b.length) return pointer;
      const inner = firstDifference(a[i], b[i], pointerJoin(pointer, i));
      if (inner !== undefined) return inner;
    }
    return undefined;
  }
  if (isObject(a) && isObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const inner = firstDifference(a[key], b[key], pointerJoin(pointer, key));
      if (inner !== undefined) return inner;
    }
    return undefined;
  }
  return Object.is(a, b) ? undefined : pointer;
}
