// Writing what commands produce: reports to a stream (stdout, stderr), a chunk at a time, and
// files (`-o`, `fmt --write`).
//
// A report can be longer than the longest string V8 can make (a million findings), so renderers
// give it in chunks and writeChunks() writes them in batches, waiting whenever the stream's
// buffer is full: at most one batch is held in memory beyond what the stream itself holds. Errors
// of the stream are left to its owner (bin.ts turns a closed stdout into the exit status); once
// the stream is destroyed, the rest of the report is not even made.
//
// A command's output must never cost the user a file: an output that names one of the command's
// inputs would replace what was just read (the original module, the policy), and a write that
// fails half-way would leave a truncated file where a good one was. Failures are values, never
// throws, so they exit 2 and not 3.
import { chmodSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { OutputStream } from './command.js';
import { ExitCode } from './exit-codes.js';
import { ioErrorReason } from './input.js';

/**
 * Chunks are joined into writes of about this many characters: a write per finding costs a
 * system call each (process.stdout writes files, pipes and terminals synchronously on Linux).
 */
const BATCH_LENGTH = 64 * 1024;

/** Writes `chunks` to `stream` in order, in batches, as fast as the stream takes them. */
export async function writeChunks(stream: OutputStream, chunks: Iterable<string>): Promise<void> {
  let batch = '';
  for (const chunk of chunks) {
    batch += chunk;
    if (batch.length < BATCH_LENGTH) continue;
    if (!(await writeBatch(stream, batch))) return;
    batch = '';
  }
  if (batch !== '') await writeBatch(stream, batch);
}

/** Writes one batch and waits until the stream can take more; false when it never will. */
async function writeBatch(stream: OutputStream, batch: string): Promise<boolean> {
  if (isDestroyed(stream)) return false;
  stream.write(batch);
  if (isDestroyed(stream)) return false;
  const { once, off } = stream;
  if (stream.writableNeedDrain !== true || once === undefined || off === undefined) return true;
  // 'close' too: a stream that fails (EPIPE) is destroyed and never drains. Its 'error' is left to
  // its owner, as for any other write.
  await new Promise<void>((resolve) => {
    const done = () => {
      off.call(stream, 'drain', done);
      off.call(stream, 'close', done);
      resolve();
    };
    once.call(stream, 'drain', done);
    once.call(stream, 'close', done);
  });
  return !isDestroyed(stream);
}

/** A function, not an inline test: a write or a wait can destroy the stream, which TypeScript's narrowing cannot know. */
function isDestroyed(stream: OutputStream): boolean {
  return stream.destroyed === true;
}

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
