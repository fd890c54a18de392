// Loading the policy a build or run is under, from any of the forms the API accepts: a path to a
// `.wsp` policy (compiled), a path to a manifest `.json` (validated), `.wsp` source text, or an
// already-normalized Manifest object (validated, so a hand-built object cannot smuggle in values
// the schema forbids). Failures are diagnostics, with source texts for code frames.
import { resolve } from 'node:path';
import type { Diagnostic } from '@wsbc/diagnostics';
import { canonicalManifestJson, loadManifest, type Manifest } from '@wsbc/manifest';
import { compilePolicyFile, compilePolicySource, type CompileResult } from '@wsbc/policy-dsl';
import { badOption, readRegularFile, unreadableFile } from './inputs.js';

export type PolicySpec =
  | { policy: string; manifest?: never; policySource?: never }
  | { manifest: Manifest; policy?: never; policySource?: never }
  | { policySource: string; policy?: never; manifest?: never };

export interface LoadedPolicy {
  manifest?: Manifest;
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
}

export interface PolicyLocation {
  /** Directory relative policy paths (and a policy source's relative host paths) resolve against. */
  cwd?: string;
}

export function loadPolicySpec(spec: Partial<{ policy: string; manifest: Manifest; policySource: string }>, where: PolicyLocation = {}): LoadedPolicy {
  // Callers in JavaScript may pass anything; a wrong type is a diagnostic naming the option.
  spec ??= {};
  const refuse = (diagnostic: Diagnostic): LoadedPolicy => ({ diagnostics: [diagnostic], sources: new Map() });
  const cwd = where?.cwd ?? process.cwd();
  if (typeof cwd !== 'string') return refuse(badOption('input/unreadable', 'cwd', 'a directory path (a string)', cwd));
  const given = [spec.policy, spec.manifest, spec.policySource].filter((x) => x !== undefined).length;
  if (given !== 1) {
    return {
      diagnostics: [{ code: 'input/unreadable', severity: 'error', message: 'give exactly one of `policy` (a .wsp or manifest .json path), `policySource` or `manifest`' }],
      sources: new Map(),
    };
  }
  if (spec.manifest !== undefined) {
    // Round-trip through the schema validator: the object may come from anywhere.
    const text = canonicalManifestJsonSafe(spec.manifest);
    if (text === undefined) {
      return { diagnostics: [{ code: 'input/unreadable', severity: 'error', message: 'the manifest object is not a manifest (it cannot be serialized)' }], sources: new Map() };
    }
    const loaded = loadManifest(text, '<manifest>');
    return { manifest: loaded.ok ? loaded.value : undefined, diagnostics: loaded.diagnostics, sources: new Map([['<manifest>', text]]) };
  }
  if (spec.policySource !== undefined) {
    if (typeof spec.policySource !== 'string') return refuse(badOption('input/unreadable', 'policySource', '.wsp source text (a string)', spec.policySource));
    const result = compilePolicySource(spec.policySource, { file: '<policy>', baseDir: cwd });
    return { manifest: result.ok ? result.manifest : undefined, diagnostics: result.diagnostics, sources: result.sources };
  }
  if (typeof spec.policy !== 'string') return refuse(badOption('input/unreadable', 'policy', 'the path of a .wsp policy or a manifest .json (a string)', spec.policy));
  const path = resolve(cwd, spec.policy);
  if (path.endsWith('.json')) {
    const file = readRegularFile(path);
    if (!file.ok) return refuse({ code: 'input/unreadable', severity: 'error', message: `cannot read ${spec.policy} (${file.reason})` });
    const text = file.bytes.toString('utf8');
    const loaded = loadManifest(text, spec.policy);
    return { manifest: loaded.ok ? loaded.value : undefined, diagnostics: loaded.diagnostics, sources: new Map([[spec.policy, text]]) };
  }
  const unreadable = unreadableFile(path);
  if (unreadable !== undefined) return refuse({ code: 'input/unreadable', severity: 'error', message: `cannot read ${spec.policy} (${unreadable})` });
  const result = compilePolicyFile(path);
  return { manifest: result.ok ? result.manifest : undefined, diagnostics: result.diagnostics, sources: result.sources };
}

function canonicalManifestJsonSafe(manifest: Manifest): string | undefined {
  try {
    return canonicalManifestJson(manifest);
  } catch {
    return undefined;
  }
}

/**
 * Compiles a policy given as a `.wsp` file path (relative to `cwd`) or as `{ source, file? }`
 * text: the one entry point for both forms of compilePolicyFile / compilePolicySource.
 */
export function compilePolicy(policy: string | { source: string; file?: string }, where: PolicyLocation = {}): CompileResult {
  const refuse = (diagnostic: Diagnostic): CompileResult => ({ ok: false, diagnostics: [diagnostic], sources: new Map() });
  const cwd = where?.cwd ?? process.cwd();
  if (typeof cwd !== 'string') return refuse(badOption('input/unreadable', 'cwd', 'a directory path (a string)', cwd));
  if (typeof policy === 'string') {
    const path = resolve(cwd, policy);
    const unreadable = unreadableFile(path);
    if (unreadable !== undefined) return refuse({ code: 'input/unreadable', severity: 'error', message: `cannot read ${policy} (${unreadable})` });
    return compilePolicyFile(path);
  }
  if (typeof policy !== 'object' || policy === null) return refuse(badOption('input/unreadable', 'policy', 'a .wsp path or { source } (a string or an object)', policy));
  if (typeof policy.source !== 'string') return refuse(badOption('input/unreadable', 'source', '.wsp source text (a string)', policy.source));
  const file = policy.file ?? '<policy>';
  if (typeof file !== 'string') return refuse(badOption('input/unreadable', 'file', 'a file name (a string)', file));
  return compilePolicySource(policy.source, { file, baseDir: cwd });
}
