// Writing the files commands produce (`-o`, `fmt --write`). A command's output must never cost
// the user a file: an output that names one of the command's inputs would replace what was just
// read (the original module, the policy), and a write that fails half-way would leave a truncated
// file where a good one was. Failures are values, never throws, so they exit 2 and not 3.
import { chmodSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ExitCode } from './exit-codes.js';
import { ioErrorReason } from './input.js';

export type WriteResult = { ok: true } | { ok: false; message: string };

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The input that `output` would overwrite, if any. Compares files, not spellings: `./m.wasm`,
 * a symbolic link to it and a hard link all name the module.
 */
export function clobberedInput(output: string, inputs: ReadonlyArray<string | undefined>, cwd: string): string | undefined {
  const target = resolve(cwd, output);
  const targetStat = statOrUndefined(target);
  for (const input of inputs) {
    if (input === undefined || input === '-') continue;
    const path = resolve(cwd, input);
    if (path === target) return input;
    const inputStat = targetStat && statOrUndefined(path);
    if (inputStat && targetStat.isFile() && inputStat.dev === targetStat.dev && inputStat.ino === targetStat.ino) return input;
  }
  return undefined;
}

/** The usage message for an output that names an input. */
export function clobberMessage(output: string, input: string): string {
  return `the output ${output} would overwrite the input ${input}; choose another -o`;
}

/** Why a write failed: a missing directory on the way is named as such, the rest as for reads. */
function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' ? 'no such directory' : ioErrorReason(error);
}

/**
 * Writes `data` to `path` (relative to `cwd`) all or nothing: into a temporary file beside it,
 * then renamed over it, so a failure leaves any existing file as it was. A symbolic link is
 * written through (the link stays a link) and an existing file keeps its permissions.
 */
export function writeOutput(path: string, data: string | Uint8Array, cwd: string): WriteResult {
  const absolute = resolve(cwd, path);
  let target = absolute;
  try {
    target = realpathSync(absolute);
  } catch {
    // Not there yet (or a dangling link): written as named, and a missing directory is reported below.
  }
  const existing = statOrUndefined(target);
  if (existing?.isDirectory()) return { ok: false, message: `cannot write ${path}: is a directory` };
  if (existing && !existing.isFile()) {
    // `-o /dev/stdout`, a FIFO, a terminal: written into as they are. Renaming a temporary file
    // over one would replace the device node itself (and fail outside a writable directory).
    try {
      writeFileSync(target, data);
      return { ok: true };
    } catch (error) {
      return { ok: false, message: `cannot write ${path}: ${reason(error)}` };
    }
  }
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.wsbc-tmp`);
  try {
    writeFileSync(temporary, data);
    if (existing) chmodSync(temporary, existing.mode & 0o7777);
    renameSync(temporary, target);
    return { ok: true };
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // Never created, or already renamed: nothing to clean up.
    }
    return { ok: false, message: `cannot write ${path}: ${reason(error)}` };
  }
}

/** Reports a failed write for `wsbc <command>` and returns ExitCode.BadInput (2), like a usage error. */
export function writeError(ctx: { stderr: { write(s: string): unknown } }, command: string, message: string): number {
  ctx.stderr.write(`wsbc ${command}: ${message}\n`);
  return ExitCode.BadInput;
}
