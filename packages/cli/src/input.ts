// Reading the inputs commands share: files or `-` for stdin, and a policy given either as a
// `.wsp` source or an already-compiled manifest `.json`. Failures become diagnostics, never throws.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Diagnostic } from '@wsbc/diagnostics';
import { loadManifest, type Manifest } from '@wsbc/manifest';
import type { CommandContext } from './command.js';

export type ReadResult<T> = { ok: true; value: T } | { ok: false; diagnostic: Diagnostic };

export async function readStdin(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Reads a file (or stdin for `-`), turning I/O errors into an `input/unreadable` diagnostic. */
export async function readInput(path: string, ctx: CommandContext): Promise<ReadResult<Buffer>> {
  if (path === '-') return { ok: true, value: await readStdin(ctx.stdin) };
  try {
    return { ok: true, value: readFileSync(resolve(ctx.cwd, path)) };
  } catch (error) {
    const reason = ioErrorReason(error);
    return {
      ok: false,
      diagnostic: { code: 'input/unreadable', severity: 'error', message: `cannot read ${path}: ${reason}` },
    };
  }
}

/** Why a file could not be read or written, in words rather than an errno message. */
export function ioErrorReason(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Replaces each directory argument by the .wsp files below it, in a stable order, so that
 * `wsbc lint policies/` and `wsbc fmt --check policies/` take a whole tree. Other arguments
 * (files, `-`, missing paths, which are then reported as unreadable) pass through; a file named
 * twice, or by name and through a directory, is taken once. A directory
 * with no policy, or one that cannot be listed, is a problem, as in `wsbc check`: a CI gate on an
 * emptied or mistyped tree must not pass by checking nothing.
 */
export function expandPolicyDirectories(inputs: readonly string[], cwd: string): { inputs: string[]; problems: Diagnostic[] } {
  const out: string[] = [];
  const problems: Diagnostic[] = [];
  // A file named twice (or by a directory and by name) is taken once, as `wsbc check` does with
  // modules: its findings would otherwise be reported, and counted, twice.
  const seen = new Set<string>();
  const take = (input: string): void => {
    const key = input === '-' ? input : resolve(cwd, input);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(input);
  };
  for (const input of inputs) {
    const absolute = resolve(cwd, input);
    let isDirectory = false;
    try {
      isDirectory = input !== '-' && statSync(absolute).isDirectory();
    } catch {
      // Missing or unreadable: left to the reader, which reports it with its reason.
    }
    if (!isDirectory) {
      take(input);
      continue;
    }
    let found = 0;
    const unlistable = problems.length;
    const walk = (dir: string): void => {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      } catch (error) {
        problems.push({ code: 'input/unreadable', severity: 'error', message: `cannot read directory ${relative(cwd, dir) || dir}: ${ioErrorReason(error)}` });
        return;
      }
      for (const entry of entries) {
        if (entry.isDirectory()) {
          if (!entry.name.startsWith('.') && entry.name !== 'node_modules') walk(join(dir, entry.name));
        } else if (entry.isFile() && entry.name.endsWith('.wsp')) {
          // Counted as found even when already taken: the directory is not empty of policies.
          const file = relative(cwd, join(dir, entry.name)) || entry.name;
          found++;
          take(file);
        }
      }
    };
    walk(absolute);
    if (found === 0 && problems.length === unlistable) problems.push({ code: 'input/unreadable', severity: 'error', message: `no .wsp files in directory ${input}` });
  }
  return { inputs: out, problems };
}

/** The policy compiler is loaded only for `.wsp` policies: a compiled manifest does not need its modules (start-up time). */
function loadPolicyCompiler(): Promise<typeof import('@wsbc/policy-dsl')> {
  return import('@wsbc/policy-dsl');
}

export interface LoadedPolicy {
  manifest?: Manifest;
  diagnostics: Diagnostic[];
  /** Source texts by file name, for code frames. */
  sources: Map<string, string>;
}

/**
 * Loads the policy a command runs under: a `.json` file is a manifest (validated against the
 * schema), anything else is `.wsp` source compiled with the policy compiler; `-` reads `.wsp` from stdin.
 */
export async function loadPolicy(path: string, ctx: CommandContext): Promise<LoadedPolicy> {
  if (path === '-') {
    const text = (await readStdin(ctx.stdin)).toString('utf8');
    const { compilePolicySource } = await loadPolicyCompiler();
    const result = compilePolicySource(text, { file: '<stdin>', baseDir: ctx.cwd });
    return { manifest: result.ok ? result.manifest : undefined, diagnostics: result.diagnostics, sources: result.sources };
  }
  const absolute = resolve(ctx.cwd, path);
  if (path.endsWith('.json')) {
    const read = await readInput(path, ctx);
    if (!read.ok) return { diagnostics: [read.diagnostic], sources: new Map() };
    const text = read.value.toString('utf8');
    const result = loadManifest(text, path);
    return {
      manifest: result.ok ? result.value : undefined,
      diagnostics: result.diagnostics,
      sources: new Map([[path, text]]),
    };
  }
  // Read here rather than by compilePolicyFile, so a missing policy is reported as every other
  // unreadable input is: the path as given and the reason.
  const read = await readInput(path, ctx);
  if (!read.ok) return { diagnostics: [read.diagnostic], sources: new Map() };
  const { compilePolicySource } = await loadPolicyCompiler();
  const result = compilePolicySource(read.value.toString('utf8'), { file: path, baseDir: dirname(absolute) });
  return { manifest: result.ok ? result.manifest : undefined, diagnostics: result.diagnostics, sources: result.sources };
}
