// run(): level 1 of the API. `await run("module.wasm", { policy: "policy.wsp" })` compiles the
// policy (the runtime package itself only takes manifests, since it must not depend on the policy
// compiler) and decides how the module may run:
//   - a vetted artifact runs after verification (seal, code hash, signatures with `trust`), under
//     its embedded manifest, or under `policy` if given, which must then equal the embedded one
//     except for where preopened directories live on this host (the operator's choice: an
//     artifact built in CI names the CI machine's directories);
//   - a plain module is refused, unless `instrument: true` (check-free, instrumented on the fly
//     under the policy: the runtime still enforces every capability per call) or
//     `allowUnvetted: true` (run as is, with a loud warning: no fuel or memory-growth guard).
// Refusals come back as a RunResult with the runtime's Refused status and diagnostics, through
// the runtime itself so the audit log and the one-line reason are the same as for any refusal.
import { resolve } from 'node:path';
import type { Diagnostic } from '@wsbc/diagnostics';
import { loadTrustedKey, verifyArtifact, vettedArtifactStep } from '@wsbc/artifact';
import { DEFAULT_MANIFEST, type Manifest } from '@wsbc/manifest';
import { hostFunctionsUrl, instrumentStep, run as runtimeRun, type PrepareStep, type RunOptions as RuntimeRunOptions, type RunResult } from '@wsbc/runtime';
import { asModuleBytes, badOption, readRegularFile, type ModuleBytes } from './inputs.js';
import { loadPolicySpec } from './policy.js';
import { WSBC_VERSION } from './version.js';

export interface RunOptions extends Omit<RuntimeRunOptions, 'policy' | 'prepare'> {
  /**
   * A `.wsp` policy or manifest `.json` path (relative to `cwd`), or a Manifest. Optional for a
   * vetted artifact (its embedded manifest is used); required otherwise.
   */
  policy?: string | Manifest;
  /** Ed25519 public keys (PEM text or bytes), one or a list: the artifact must carry a valid signature by one. */
  trust?: string | Uint8Array | Array<string | Uint8Array>;
  /** Run a module that is not vetted by instrumenting it on the fly under the policy. */
  instrument?: boolean;
  /** Run a module that is not vetted as it is. Loudly warned on stderr; for debugging only. */
  allowUnvetted?: boolean;
  /** Directory relative paths resolve against (default: process.cwd()). */
  cwd?: string;
}

export type { RunResult };

export async function run(module: string | ModuleBytes, options: RunOptions = {}): Promise<RunResult> {
  options ??= {};
  const { policy, trust, instrument, allowUnvetted, cwd: _cwd, ...runtimeOptions } = options;
  const cwdOption = options.cwd ?? process.cwd();
  const cwd = typeof cwdOption === 'string' ? cwdOption : process.cwd();
  const label = options.label ?? (typeof module === 'string' ? module : 'module');
  const base: RuntimeRunOptions = { ...runtimeOptions, label, policy: DEFAULT_MANIFEST };
  // Paths the runtime opens itself are relative to `cwd` here, as every other path of this API.
  // Host functions are imported by URL: the runtime's one rule turns a cwd-relative path into one.
  if (typeof base.hostFunctions === 'string') base.hostFunctions = hostFunctionsUrl(base.hostFunctions, cwd);
  if (base.audit && typeof base.audit === 'object' && 'file' in base.audit && typeof base.audit.file === 'string') base.audit = { file: resolve(cwd, base.audit.file) };
  if (typeof module === 'string' && base.argv0 === undefined) base.argv0 = module.split(/[\\/]/).pop() ?? module;

  // Refusals go through the runtime with a step that refuses, so they are audited and reported
  // exactly like the runtime's own refusals. The placeholder manifest is never enforced.
  const refuse = (diagnostics: Diagnostic[]) =>
    runtimeRun(new Uint8Array(), { ...base, prepare: [{ name: 'refuse', apply: () => ({ ok: false, diagnostics }) }] });

  if (typeof cwdOption !== 'string') return refuse([badOption('run/module-unreadable', 'cwd', 'a directory path (a string)', cwdOption)]);
  // A number would reach the file system as a descriptor: the log would go to whatever it is.
  if (base.audit && typeof base.audit === 'object' && 'file' in base.audit && typeof base.audit.file !== 'string') {
    const problem = badOption('run/audit-open-failed', 'audit.file', 'a path (a string)', base.audit.file);
    delete base.audit;
    return refuse([problem]);
  }
  let bytes: Uint8Array;
  if (typeof module === 'string') {
    const file = readRegularFile(resolve(cwd, module));
    if (!file.ok) return refuse([{ code: 'run/module-unreadable', severity: 'error', message: `cannot read ${module}: ${file.reason}` }]);
    bytes = file.bytes;
  } else {
    const given = asModuleBytes(module);
    if (given === undefined) return refuse([badOption('run/module-unreadable', 'module', 'a path or the bytes of a module (a Uint8Array or an ArrayBuffer)', module)]);
    bytes = given;
  }

  let manifest: Manifest | undefined;
  if (policy !== undefined) {
    const loaded = typeof policy === 'string' ? loadPolicySpec({ policy }, { cwd }) : loadPolicySpec({ manifest: policy });
    if (!loaded.manifest || loaded.diagnostics.some((d) => d.severity === 'error')) return refuse(loaded.diagnostics);
    manifest = loaded.manifest;
  }
  const trustedKeys: Uint8Array[] = [];
  // One key or a list, as build's `sign` takes them: iterating a single PEM string would try
  // each of its characters as a key.
  const trustList = trust === undefined ? [] : Array.isArray(trust) ? trust : [trust];
  for (const key of trustList) {
    const loaded = loadTrustedKey(key);
    if (!loaded.ok) return refuse([{ code: 'artifact/bad-key', severity: 'error', message: `trusted key: ${loaded.message}` }]);
    trustedKeys.push(loaded.key);
  }

  const probe = verifyArtifact(bytes, { file: label, trustedKeys, toolVersion: WSBC_VERSION });
  // Not even a well-framed module: say so, rather than that it is not vetted.
  const malformed = probe.diagnostics.filter((d) => d.code === 'artifact/malformed-module');
  if (malformed.length > 0) return refuse(malformed);
  if (probe.vetted) {
    const enforced = manifest ?? probe.artifact?.manifest;
    if (!enforced) return refuse(probe.diagnostics);
    const verify = vettedArtifactStep({ trustedKeys, toolVersion: WSBC_VERSION, file: label, hostPathsMayDiffer: true });
    // Enforcing the embedded manifest, the run needs no second verification of the bytes the
    // probe just verified with the same keys and version (it would hash the module again: tens of
    // milliseconds for a large one). A policy of the caller's must still be compared with the
    // embedded manifest, and any other bytes are verified in full.
    const step: PrepareStep =
      manifest === undefined && probe.ok
        ? { name: verify.name, apply: (b, m) => (b === bytes ? { ok: true, bytes: b, diagnostics: probe.diagnostics } : verify.apply(b, m)) }
        : verify;
    return runtimeRun(bytes, { ...base, policy: enforced, prepare: [step] });
  }
  if (trustedKeys.length > 0) {
    return refuse([{ code: 'artifact/unsigned', severity: 'error', message: `${label} is not a vetted artifact, so it carries no signature by a trusted key` }]);
  }
  if (!instrument && !allowUnvetted) {
    return refuse([
      {
        code: 'artifact/not-vetted',
        severity: 'error',
        message: `${label} is not a vetted artifact`,
        help: 'vet it with `wsbc build module.wasm --policy policy.wsp`, or run it with `--instrument` to instrument it on the fly',
      },
    ]);
  }
  if (!manifest) {
    return refuse([{ code: 'artifact/policy-required', severity: 'error', message: `${label} is not a vetted artifact, so a policy is required to run it` }]);
  }
  if (instrument) return runtimeRun(bytes, { ...base, policy: manifest, prepare: [instrumentStep(label)] });
  const stderr = options.stderr ?? process.stderr;
  stderr.write(
    Buffer.from(
      `wsbc: WARNING: running ${label} UNVETTED: no static check and no fuel, memory-growth or stack guards. ` +
        'Only the per-call WASI policy is enforced. Do not do this with untrusted code.\n',
    ),
  );
  return runtimeRun(bytes, { ...base, policy: manifest });
}
