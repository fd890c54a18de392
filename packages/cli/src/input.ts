// Reading the inputs commands share: files or `-` for stdin, and a policy given either as a
// `.wsp` source or an already-compiled manifest `.json`. Failures become diagnostics, never throws.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
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
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    return {
      ok: false,
      diagnostic: { code: 'input/unreadable', severity: 'error', message: `cannot read ${path}: ${reason}` },
    };
  }
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
  const { compilePolicyFile } = await loadPolicyCompiler();
  const result = compilePolicyFile(absolute);
  return { manifest: result.ok ? result.manifest : undefined, diagnostics: result.diagnostics, sources: result.sources };
}
