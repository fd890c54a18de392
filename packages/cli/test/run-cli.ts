// Test helpers: run the CLI in process with captured streams (fast, for most tests), or spawn
// the built binary (for the few tests about the real process: exit codes, TTY, start-up).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { main } from '../src/cli.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(argv: string[], options: { cwd?: string; stdin?: string; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main({
    argv,
    cwd: options.cwd ?? process.cwd(),
    env: { NO_COLOR: '1', ...options.env },
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    stdout: { write: (chunk: string | Uint8Array) => (stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()) },
    stderr: { write: (chunk: string | Uint8Array) => (stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()) },
  });
  return { code, stdout, stderr };
}

/** What package.json's `bin` points at (the bundle), so the tests run exactly what users run. */
const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { bin: { wsbc: string } };
export const binPath = fileURLToPath(new URL(`../${packageJson.bin.wsbc}`, import.meta.url));

/** Spawns the built `wsbc` binary (the cli package's `test` task depends on its `build`). */
export function spawnCli(argv: string[], options: { cwd?: string; stdin?: string; env?: Record<string, string> } = {}): CliResult {
  const result = spawnSync(process.execPath, [binPath, ...argv], {
    cwd: options.cwd,
    input: options.stdin,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    encoding: 'utf8',
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
