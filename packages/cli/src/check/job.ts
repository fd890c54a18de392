// Checking one module: the unit of work of `wsbc check`, run on the main thread or in a worker of
// the pool (pool.ts). It reads the file itself, so the main thread never holds more than the
// modules being checked right now, and returns only small, structured-clonable data.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { checkModule, type CheckResult } from '@wsbc/analyzer/check';
import type { Diagnostic } from '@wsbc/diagnostics';
import type { Manifest } from '@wsbc/manifest';

export interface CheckJob {
  /** Name shown in findings and output. */
  file: string;
  /** Absolute path to read. */
  path: string;
}

export interface ModuleOutcome {
  file: string;
  /** Undefined when the file could not be read. */
  result: CheckResult | undefined;
  /** The findings, or the read failure. */
  problems: Diagnostic[];
  /** Size of the module in bytes (0 when unreadable). */
  bytes: number;
  /** Wall time to read and check the module, in milliseconds. */
  ms: number;
}

export interface CheckJobOptions {
  walkCode: boolean;
}

/** Checks bytes already in memory (stdin). */
export function checkBytes(file: string, bytes: Uint8Array, manifest: Manifest, options: CheckJobOptions, startedAt = performance.now()): ModuleOutcome {
  const result = checkModule(bytes, manifest, { file, walkCode: options.walkCode });
  return { file, result, problems: result.findings, bytes: bytes.byteLength, ms: performance.now() - startedAt };
}

export function runCheckJob(job: CheckJob, manifest: Manifest, options: CheckJobOptions): ModuleOutcome {
  const startedAt = performance.now();
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(job.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    const diagnostic: Diagnostic = { code: 'input/unreadable', severity: 'error', message: `cannot read ${job.file}: ${reason}` };
    return { file: job.file, result: undefined, problems: [diagnostic], bytes: 0, ms: performance.now() - startedAt };
  }
  return checkBytes(job.file, bytes, manifest, options, startedAt);
}
