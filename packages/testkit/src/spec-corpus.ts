// The wasm spec test corpus (../shared/corpora/spec-testsuite/*.wast), converted with wabt's
// `wast2json` into JSON command lists plus the .wasm files they name. Conversion runs once per
// .wast content: results are cached under os.tmpdir() in a directory keyed by the hash of the file
// and of the wast2json version, written to a temporary directory first and renamed into place so
// concurrent test workers never see half a conversion. When the corpus or wast2json is missing,
// `specCorpusStatus()` says so in one line and callers skip.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SpecCommand, SpecScript } from './spec-runner.js';

/** Repository root (this file is packages/testkit/src/spec-corpus.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const SPEC_CORPUS_DIR = resolve(REPO_ROOT, '../shared/corpora/spec-testsuite');

export type CorpusStatus = { ok: true; dir: string; wast2json: string } | { ok: false; reason: string };

let wabtVersion: string | null | undefined;

function wast2jsonVersion(): string | null {
  if (wabtVersion !== undefined) return wabtVersion;
  const r = spawnSync('wast2json', ['--version'], { encoding: 'utf8' });
  wabtVersion = r.status === 0 ? r.stdout.trim() : null;
  return wabtVersion;
}

/** Whether the corpus and wast2json are both available; the reason is a one-line skip message. */
export function specCorpusStatus(dir = SPEC_CORPUS_DIR): CorpusStatus {
  if (!existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith('.wast'))) {
    return { ok: false, reason: `spec corpus not found at ${dir}: skipping` };
  }
  const v = wast2jsonVersion();
  if (v === null) return { ok: false, reason: 'wast2json (Debian package wabt) not installed: skipping spec corpus tests' };
  return { ok: true, dir, wast2json: v };
}

/** One module file named by a command of a converted script. */
export interface CorpusModule {
  /** The .wast file it came from (base name) and the command's line there. */
  wast: string;
  line: number;
  /** `module`, `assert_invalid`, `assert_malformed`, `assert_unlinkable`, `assert_uninstantiable`. */
  command: string;
  moduleType: 'binary' | 'text';
  /** Absolute path of the .wasm (or .wat for text assert_malformed) file. */
  path: string;
  /** Expected error text of assert_* commands. */
  text?: string;
}

export interface ConvertedScript {
  wast: string;
  /** Directory holding the JSON and the module files. */
  dir: string;
  script: SpecScript;
}

export interface ConvertedCorpus {
  wastFiles: number;
  scripts: ConvertedScript[];
  /** .wast files wast2json could not convert, with its message. */
  failed: Array<{ wast: string; message: string }>;
  modules: CorpusModule[];
}

function cacheRoot(): string {
  return join(tmpdir(), 'wsbc-spec-corpus-cache');
}

function convertOne(wastPath: string, version: string): { dir: string; script: SpecScript } | { error: string } {
  const content = readFileSync(wastPath);
  const key = createHash('sha256').update(version).update('\0').update(content).digest('hex').slice(0, 20);
  const name = basename(wastPath, '.wast');
  const dir = join(cacheRoot(), `${name}-${key}`);
  const json = join(dir, `${name}.json`);
  if (!existsSync(json)) {
    const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    mkdirSync(tmp, { recursive: true });
    try {
      execFileSync('wast2json', [wastPath, '-o', join(tmp, `${name}.json`)], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      const stderr = (e as { stderr?: Buffer }).stderr?.toString().split('\n')[0] ?? String(e);
      return { error: stderr };
    }
    try {
      renameSync(tmp, dir);
    } catch {
      // Another worker renamed its conversion first; theirs is identical.
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return { dir, script: JSON.parse(readFileSync(json, 'utf8')) as SpecScript };
}

/** Converts (or loads from cache) every .wast of the corpus. Call only when specCorpusStatus() is ok. */
export function convertSpecCorpus(dir = SPEC_CORPUS_DIR): ConvertedCorpus {
  const status = specCorpusStatus(dir);
  if (!status.ok) throw new Error(status.reason);
  const wasts = readdirSync(dir).filter((f) => f.endsWith('.wast')).sort();
  const out: ConvertedCorpus = { wastFiles: wasts.length, scripts: [], failed: [], modules: [] };
  for (const w of wasts) {
    const r = convertOne(join(dir, w), status.wast2json);
    if ('error' in r) {
      out.failed.push({ wast: w, message: r.error });
      continue;
    }
    out.scripts.push({ wast: w, dir: r.dir, script: r.script });
    for (const cmd of r.script.commands as Array<SpecCommand & { filename?: string }>) {
      if (!cmd.filename) continue;
      out.modules.push({
        wast: w,
        line: cmd.line,
        command: cmd.type,
        moduleType: cmd.module_type ?? 'binary',
        path: join(r.dir, cmd.filename),
        ...(cmd.text === undefined ? {} : { text: cmd.text }),
      });
    }
  }
  return out;
}
