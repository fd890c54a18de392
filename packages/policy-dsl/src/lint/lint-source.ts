// Lints policy text: compiles it (with its `extends` chain) and runs the rules on the result.
// A policy that does not compile is not linted: its compiler diagnostics are returned instead
// and `ok` is false, because rules judging a half-understood policy would mislead.
import path from 'node:path';
import type { Diagnostic, TextSpan } from '@wsbc/diagnostics';
import { compilePolicySource } from '../compile.js';
import { parsePolicy } from '../parse.js';
import { lintParsedPolicy, type LintResult, type LintSettings } from './linter.js';

export interface LintSourceOptions extends LintSettings {
  /** The name used in spans; relative `extends` and host paths are resolved against its directory. */
  file: string;
  /** Directory relative paths are resolved against; defaults to the file's directory. */
  baseDir?: string;
  /** Host directory that `$TMPDIR` names; os.tmpdir() when absent. */
  tmpDir?: string;
  /** Reads an extended file (absolute path); undefined when unreadable. Defaults to the file system. */
  readFile?: (path: string) => string | undefined;
}

export interface LintSourceResult extends LintResult {
  /** False when the policy does not compile: `diagnostics` then holds the compiler's and no rule ran. */
  ok: boolean;
  /** Every file text read (the policy and the files it extends), for code frames. */
  sources: Map<string, string>;
}

export function lintPolicySource(text: string, options: LintSourceOptions): LintSourceResult {
  const baseDir = options.baseDir ?? path.dirname(path.resolve(options.file));
  const compiled = compilePolicySource(text, {
    file: options.file,
    baseDir,
    ...(options.tmpDir !== undefined ? { tmpDir: options.tmpDir } : {}),
    ...(options.readFile ? { readFile: options.readFile } : {}),
  });
  if (!compiled.ok || !compiled.manifest || !compiled.ast) {
    return { ok: false, diagnostics: compiled.diagnostics, suppressed: [], sources: compiled.sources };
  }
  // Source names of extended files are relative to the linted file's name; make them absolute.
  const displayDir = path.dirname(options.file);
  const absolute = (name: string): string => path.resolve(baseDir, path.relative(displayDir, name));
  const policyFiles = [...compiled.sources.keys()].map(absolute);
  // The sources are in chain order: the linted file, then each extended file (nearest first).
  // They compiled, so parsing them again only serves to locate settings for messages.
  const bases = [...compiled.sources.entries()]
    .filter(([name]) => name !== options.file)
    .map(([name, source]) => ({ ast: parsePolicy(source, name).ast, baseDir: path.dirname(absolute(name)) }));
  const linted = lintParsedPolicy(
    { file: options.file, source: text, ast: compiled.ast, manifest: compiled.manifest, baseDir, policyFiles, bases, ...(options.tmpDir !== undefined ? { tmpDir: options.tmpDir } : {}) },
    options,
  );
  // Compiler warnings (deprecated forms, no-op settings) belong in the same report.
  const diagnostics = [...compiled.diagnostics, ...linted.diagnostics].sort(byPosition);
  return { ok: true, diagnostics, suppressed: linted.suppressed, sources: compiled.sources };
}

function byPosition(a: Diagnostic, b: Diagnostic): number {
  const oa = (a.span as TextSpan | undefined)?.startOffset ?? -1;
  const ob = (b.span as TextSpan | undefined)?.startOffset ?? -1;
  return oa - ob || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}
