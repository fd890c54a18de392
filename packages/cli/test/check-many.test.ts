// `wsbc check` on many modules at once: glob and directory expansion, the worker pool (through the
// built binary and directly), deterministic output whatever the scheduling, the progress bar only on
// a terminal, the summary table, and a malformed module among good ones.
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { assembleWat } from '@wsbc/testkit';
import { DEFAULT_MANIFEST } from '@wsbc/manifest';
import { main } from '../src/cli.js';
import { checkModulesInPool } from '../src/check/pool.js';
import { createProgressBar } from '../src/check/progress.js';
import { formatBytes, formatMs, renderSummaryTable } from '../src/check/table.js';
import { expandGlob, expandModuleArguments, isGlobPattern, matchGlob } from '../src/module-args.js';
import { binPath, runCli, spawnCli } from './run-cli.js';

let dir: string;
/** The modules under dist/, in the order wsbc must report them (sorted by path). */
let expectedOrder: string[];

const templates = {
  hello: `(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32))) (memory 1))`,
  files: `(module (import "wasi_snapshot_preview1" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32))))`,
  env: `(module (import "wasi_snapshot_preview1" "environ_get" (func (param i32 i32) (result i32))))`,
  empty: `(module)`,
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wsbc-check-many-'));
  const bytes: Record<string, Uint8Array> = {};
  for (const [name, text] of Object.entries(templates)) bytes[name] = assembleWat(text, { file: `${name}.wat` });
  const kinds = ['hello', 'empty', 'env', 'hello', 'files'] as const;
  const folders = ['dist', 'dist/plugins', 'dist/plugins/deep/er', 'dist/Zeta'];
  for (const folder of [...folders, 'dist/.cache', 'other']) mkdirSync(join(dir, folder), { recursive: true });
  const written: string[] = [];
  for (let i = 0; i < 36; i++) {
    // Names chosen so that creation order, numeric order and sorted order all differ.
    const file = `${folders[i % folders.length]}/mod-${(i * 7) % 36}.wasm`;
    writeFileSync(join(dir, file), bytes[kinds[i % kinds.length]!]!);
    written.push(file);
  }
  writeFileSync(join(dir, 'dist/plugins/notes.txt'), 'not a module');
  writeFileSync(join(dir, 'dist/.cache/hidden.wasm'), bytes.hello!);
  writeFileSync(join(dir, 'other/hello.wasm'), bytes.hello!);
  writeFileSync(join(dir, 'other/files.wasm'), bytes.files!);
  // A link back up the tree: a walk that followed it would never end.
  symlinkSync(join(dir, 'dist'), join(dir, 'dist/plugins/loop'));
  writeFileSync(join(dir, 'policy.wsp'), 'policy "p" extends minimal {\n}\n');
  // A module directory of its own: two good modules around a malformed one (a truncated import section).
  mkdirSync(join(dir, 'mixed'), { recursive: true });
  writeFileSync(join(dir, 'mixed/a-good.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  writeFileSync(join(dir, 'mixed/b-bad.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 2, 10, 1]));
  writeFileSync(join(dir, 'mixed/c-good.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  expectedOrder = written.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
});

describe('glob matching', () => {
  const table: Array<[pattern: string, path: string, matches: boolean]> = [
    ['*.wasm', 'a.wasm', true],
    ['*.wasm', 'dir/a.wasm', false],
    ['*.wasm', '.hidden.wasm', false],
    ['.*.wasm', '.hidden.wasm', true],
    ['*', 'a', true],
    ['a?c.wasm', 'abc.wasm', true],
    ['a?c.wasm', 'ac.wasm', false],
    ['a?c.wasm', 'a/c.wasm', false],
    ['[ab].wasm', 'b.wasm', true],
    ['[ab].wasm', 'c.wasm', false],
    ['[a-c]x', 'bx', true],
    ['[a-c]x', 'dx', false],
    ['[!a-c]x', 'dx', true],
    ['[^a-c]x', 'ax', false],
    ['[]]x', ']x', true],
    ['[!]]x', ']x', false],
    ['[a-]x', '-x', true],
    ['[z-a]x', 'mx', false],
    ['[abc', '[abc', true],
    ['a[/]b', 'a/b', false],
    ['\\*.wasm', '*.wasm', true],
    ['\\*.wasm', 'a.wasm', false],
    ['a.b', 'axb', false],
    ['(x)+.wasm', '(x)+.wasm', true],
    ['**/*.wasm', 'a.wasm', true],
    ['**/*.wasm', 'a/b/c/d.wasm', true],
    ['**/*.wasm', 'a/.git/d.wasm', false],
    ['dist/**/*.wasm', 'dist/x.wasm', true],
    ['dist/**/*.wasm', 'dist/a/b/x.wasm', true],
    ['dist/**/*.wasm', 'src/a/x.wasm', false],
    ['dist/**', 'dist/a/b', true],
    ['dist/**/b/*.wasm', 'dist/b/x.wasm', true],
    ['dist/**/b/*.wasm', 'dist/a/b/c/x.wasm', false],
    ['a**b', 'axxb', true],
    ['a**b', 'ax/xb', false],
    ['dist//*.wasm', 'dist/x.wasm', true],
    ['*/*', 'a/b', true],
    ['*/*', 'a', false],
    ['*.{a,b}', 'x.a', false],
    ['*.{a,b}', 'x.{a,b}', true],
  ];
  it.each(table)('%s against %s is %s', (pattern, path, matches) => {
    expect(matchGlob(pattern, path)).toBe(matches);
  });

  it('tells patterns from plain names, honouring escapes', () => {
    expect(isGlobPattern('dist/*.wasm')).toBe(true);
    expect(isGlobPattern('a[0].wasm')).toBe(true);
    expect(isGlobPattern('what?.wasm')).toBe(true);
    expect(isGlobPattern('plain/name.wasm')).toBe(false);
    expect(isGlobPattern('a\\*b.wasm')).toBe(false);
  });
});

describe('expanding module arguments', () => {
  it('expands ** to every depth, sorted, skipping hidden directories, other files and link cycles', () => {
    expect(expandGlob('dist/**/*.wasm', dir)).toEqual(expectedOrder);
  });

  it('expands a directory to the .wasm files below it, and absolute patterns to absolute paths', () => {
    expect(expandModuleArguments(['dist'], dir).targets.map((t) => t.file)).toEqual(expectedOrder);
    expect(expandModuleArguments(['dist/'], dir).targets.map((t) => t.file)).toEqual(expectedOrder);
    const absolute = expandGlob(`${dir}/other/*.wasm`, '/');
    expect(absolute).toEqual([`${dir}/other/files.wasm`, `${dir}/other/hello.wasm`]);
  });

  it('keeps argument order, checks a module named twice once, and passes plain files through', () => {
    const { targets, problems } = expandModuleArguments(['other/hello.wasm', 'other/*.wasm', './other/files.wasm', 'missing.wasm'], dir);
    expect(targets.map((t) => t.file)).toEqual(['other/hello.wasm', 'other/files.wasm', 'missing.wasm']);
    expect(targets[0]!.path).toBe(join(dir, 'other/hello.wasm'));
    expect(problems).toEqual([]);
  });

  it('reports a pattern or directory that names no module', () => {
    const { targets, problems } = expandModuleArguments(['nothing/**/*.wasm', 'dist/.cache/*.txt', 'dist/Zeta/[!m]*'], dir);
    expect(targets).toEqual([]);
    expect(problems.map((p) => [p.code, p.message])).toEqual([
      ['input/unreadable', 'no files match nothing/**/*.wasm'],
      ['input/unreadable', 'no files match dist/.cache/*.txt'],
      ['input/unreadable', 'no files match dist/Zeta/[!m]*'],
    ]);
    mkdirSync(join(dir, 'empty-dir'), { recursive: true });
    expect(expandModuleArguments(['empty-dir'], dir).problems[0]!.message).toBe('no .wasm files in directory empty-dir');
  });

  it('an explicit dot in the pattern reaches hidden entries', () => {
    expect(expandGlob('dist/.cache/*.wasm', dir)).toEqual(['dist/.cache/hidden.wasm']);
    expect(expandGlob('dist/.*/*.wasm', dir)).toEqual(['dist/.cache/hidden.wasm']);
  });
});

function ttyStream(isTTY: boolean) {
  const stream = { text: '', isTTY, write: (chunk: string | Uint8Array) => (stream.text += String(chunk)) };
  return stream;
}

async function runWithStreams(argv: string[], stdoutTTY: boolean, stderrTTY: boolean) {
  const stdout = ttyStream(stdoutTTY);
  const stderr = ttyStream(stderrTTY);
  const code = await main({ argv, cwd: dir, env: { NO_COLOR: '1' }, stdin: Readable.from([]), stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('wsbc check with many modules (in process)', () => {
  it('checks 36 modules from a glob, in path order, with a summary table', async () => {
    const r = await runCli(['check', 'dist/**/*.wasm', '--policy', 'policy.wsp'], { cwd: dir });
    expect(r.code).toBe(1);
    const verdictLines = r.stdout.split('\n').filter((l) => /^(allowed|refused|malformed|unreadable) /.test(l));
    expect(verdictLines.map((l) => l.split(' ')[1])).toEqual(expectedOrder);
    const table = r.stdout.slice(r.stdout.indexOf('\nmodule '));
    expect(table).toMatch(/^\nmodule +verdict +errors +warnings +size +time\n/);
    const rows = table.split('\n').filter((l) => l.startsWith('dist/'));
    expect(rows.map((l) => l.split(/ +/)[0])).toEqual(expectedOrder);
    // Every fifth module opens files, which the policy does not grant.
    const refused = rows.filter((l) => l.split(/ +/)[1] === 'refused').length;
    expect(refused).toBe(7);
    expect(r.stdout).toContain(`36 modules: 29 allowed, 7 refused (`);
    expect(r.stdout).toMatch(/dist\/Zeta\/mod-\d+\.wasm +allowed +0 +0 +\d+ B +[\d.]+ ms/);
  });

  it('reports a malformed module among good ones and still checks the others (exit 2)', async () => {
    const r = await runCli(['check', 'mixed', '--policy', 'policy.wsp'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('check/malformed-module');
    expect(r.stdout).toMatch(/allowed mixed\/a-good\.wasm[\s\S]*malformed mixed\/b-bad\.wasm[\s\S]*allowed mixed\/c-good\.wasm/);
    expect(r.stdout).toMatch(/mixed\/b-bad\.wasm +malformed +1 +0 +11 B/);
    expect(r.stdout).toContain('3 modules: 2 allowed, 1 malformed');
    const json = JSON.parse((await runCli(['check', 'mixed', '--policy', 'policy.wsp', '--format', 'json'], { cwd: dir })).stdout);
    expect(json.check.modules.map((m: { verdict: string }) => m.verdict)).toEqual(['allowed', 'malformed', 'allowed']);
  });

  it('exits 2 when a pattern matches nothing, naming it, and still checks the rest', async () => {
    const r = await runCli(['check', 'nowhere/*.wasm', 'other/hello.wasm', '--policy', 'policy.wsp'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('no files match nowhere/*.wasm');
    expect(r.stdout).toContain('allowed other/hello.wasm');
    const sarif = JSON.parse((await runCli(['check', 'nowhere/*.wasm', '--policy', 'policy.wsp', '--format', 'sarif'], { cwd: dir })).stdout);
    expect(sarif.runs[0].results[0].message.text).toContain('no files match nowhere/*.wasm');
  });

  it('JSON and SARIF cover every module', async () => {
    const json = JSON.parse((await runCli(['check', 'dist', '--policy', 'policy.wsp', '--format', 'json'], { cwd: dir })).stdout);
    expect(json.check.modules.map((m: { file: string }) => m.file)).toEqual(expectedOrder);
    expect(json.check.modules.every((m: { bytes: number }) => m.bytes > 0)).toBe(true);
    const sarif = JSON.parse((await runCli(['check', 'dist', '--policy', 'policy.wsp', '--format', 'sarif'], { cwd: dir })).stdout);
    const refusedFiles = expectedOrder.filter((_, i) => json.check.modules[i].verdict === 'refused');
    const located = sarif.runs[0].results.map((x: { locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }) => x.locations[0]!.physicalLocation.artifactLocation.uri);
    for (const file of refusedFiles) expect(located).toContain(file);
  });

  it('rejects a bad --jobs value', async () => {
    for (const jobs of ['0', '-1', 'many', '1.5']) {
      const r = await runCli(['check', 'dist', '--policy', 'policy.wsp', '--jobs', jobs], { cwd: dir });
      expect([jobs, r.code]).toEqual([jobs, 2]);
    }
  });
});

describe('progress bar', () => {
  it('is drawn on stderr only when stderr is a terminal, and erased before results', async () => {
    const onTTY = await runWithStreams(['check', 'dist', '--policy', 'policy.wsp'], true, true);
    expect(onTTY.stderr).toMatch(/\r\u001b\[K\[#*-*\] \d+\/36 /);
    expect(onTTY.stderr.endsWith('\r\u001b[K')).toBe(true);
    expect(onTTY.stdout).not.toContain('\r');

    const piped = await runWithStreams(['check', 'dist', '--policy', 'policy.wsp'], false, false);
    expect(piped.stderr).toBe('');
    expect(piped.stdout.replace(/ *[\d.]+ (ms|s)\b/g, ' T')).toBe(onTTY.stdout.replace(/ *[\d.]+ (ms|s)\b/g, ' T'));

    const quiet = await runWithStreams(['check', 'dist', '--policy', 'policy.wsp', '--no-progress'], true, true);
    expect(quiet.stderr).toBe('');
  });

  it('never mixes into JSON or SARIF on stdout', async () => {
    for (const format of ['json', 'sarif']) {
      const r = await runWithStreams(['check', 'dist', '--policy', 'policy.wsp', '--format', format], true, true);
      expect(r.stdout).not.toContain('\r');
      expect(() => JSON.parse(r.stdout)).not.toThrow();
      expect(r.stderr.endsWith('\r\u001b[K')).toBe(true);
    }
  });

  it('is not drawn on a dumb terminal', async () => {
    const stdout = ttyStream(true);
    const stderr = ttyStream(true);
    await main({ argv: ['check', 'dist', '--policy', 'policy.wsp'], cwd: dir, env: { NO_COLOR: '1', TERM: 'dumb' }, stdin: Readable.from([]), stdout, stderr });
    expect(stderr.text).toBe('');
  });

  it('is not drawn for a single module', async () => {
    const r = await runWithStreams(['check', 'other/hello.wasm', '--policy', 'policy.wsp'], true, true);
    expect(r.stderr).toBe('');
  });

  it('throttles redraws but always draws the last state, and fits the terminal width', () => {
    const stream = ttyStream(true);
    let t = 0;
    const bar = createProgressBar(stream, { total: 4, columns: 40, now: () => t });
    bar.tick('a.wasm');
    t = 10;
    bar.tick('b.wasm');
    t = 20;
    bar.tick('c.wasm');
    t = 25;
    bar.tick(`${'very-long-directory-name/'.repeat(4)}d.wasm`);
    const frames = stream.text.split('\r\u001b[K').filter(Boolean);
    expect(frames.length).toBe(2);
    expect(frames[0]).toContain('1/4 a.wasm');
    expect(frames[1]).toMatch(/^\[#+\] 4\/4 \.\.\..*d\.wasm$/);
    expect(frames.every((f) => f.length <= 40)).toBe(true);
    bar.clear();
    expect(stream.text.endsWith('\r\u001b[K')).toBe(true);
    const piped = ttyStream(false);
    createProgressBar(piped, { total: 2 }).tick('a');
    expect(piped.text).toBe('');
  });
});

describe('file names from the file system', () => {
  it('cannot write escape sequences to the terminal through the bar, verdicts or table', async () => {
    mkdirSync(join(dir, 'hostile'), { recursive: true });
    const empty = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    writeFileSync(join(dir, 'hostile', 'clear\u001b[2J\u001b]0;pwned\u0007.wasm'), empty);
    writeFileSync(join(dir, 'hostile', 'cr\rfake-allowed.wasm'), empty);
    writeFileSync(join(dir, 'hostile', 'plain.wasm'), empty);
    const r = await runWithStreams(['check', 'hostile/*.wasm', '--policy', 'policy.wsp'], true, true);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(r.stdout).toContain('allowed hostile/clear?[2J?]0;pwned?.wasm');
    expect(r.stdout).toContain('allowed hostile/cr?fake-allowed.wasm');
    // The bar's own control sequences are the only ones on stderr.
    expect(r.stderr.replaceAll('\r\u001b[K', '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});

describe('summary table', () => {
  it('formats sizes and times the way people read them', () => {
    expect([formatBytes(0), formatBytes(1023), formatBytes(1024), formatBytes(13_978_850), formatBytes(3 * 1024 ** 3)]).toEqual(['0 B', '1023 B', '1.0 KiB', '13.3 MiB', '3.0 GiB']);
    expect([formatMs(0.04), formatMs(9.96), formatMs(12.4), formatMs(12_500)]).toEqual(['0.0 ms', '10.0 ms', '12 ms', '12.5 s']);
  });

  it('aligns columns and counts verdicts', () => {
    const outcome = (file: string, severities: Array<'error' | 'warning'>, bytes: number) => ({
      file,
      result: undefined,
      problems: severities.map((severity) => ({ code: 'x/y', severity, message: '' })),
      bytes,
      ms: 1.25,
    });
    const text = renderSummaryTable(
      [
        { outcome: outcome('a.wasm', [], 10), verdict: 'allowed' },
        { outcome: outcome('long/name.wasm', ['error', 'error', 'warning'], 2048), verdict: 'refused' },
      ],
      { color: false, wallMs: 3 },
    );
    expect(text).toBe(
      [
        '',
        'module          verdict  errors  warnings     size    time',
        '--------------  -------  ------  --------  -------  ------',
        'a.wasm          allowed       0         0     10 B  1.3 ms',
        'long/name.wasm  refused       2         1  2.0 KiB  1.3 ms',
        '',
        '2 modules: 1 allowed, 1 refused (3.0 ms)',
        '',
      ].join('\n'),
    );
  });
});

// The pool proper runs the compiled worker (dist/), which the cli package's test task builds first.
// Its imports must resolve to compiled packages too, not to the `@wsbc/source` condition this test
// process runs under, hence no inherited Node options.
const workerUrl = new URL('../dist/check/worker.js', import.meta.url);
const execArgv: string[] = [];

describe('worker pool', () => {
  it('gives the same outcomes, in job order, with 1, 2 and 4 threads', async () => {
    expect(existsSync(workerUrl), 'build the cli package first (pnpm turbo run build --filter @wsbc/cli)').toBe(true);
    const jobs = expectedOrder.map((file) => ({ file, path: join(dir, file) }));
    jobs.push({ file: 'gone.wasm', path: join(dir, 'gone.wasm') });
    const strip = (outcomes: Awaited<ReturnType<typeof checkModulesInPool>>) => outcomes.map(({ ms: _ms, ...rest }) => rest);
    const sequential = await checkModulesInPool(jobs, DEFAULT_MANIFEST, { walkCode: true, threads: 1, workerUrl, execArgv });
    const completion: number[] = [];
    const parallel = await checkModulesInPool(jobs, DEFAULT_MANIFEST, { walkCode: true, threads: 4, workerUrl, execArgv, startWorkersAfterMs: 0, onOutcome: (i) => completion.push(i) });
    const two = await checkModulesInPool(jobs, DEFAULT_MANIFEST, { walkCode: true, threads: 2, workerUrl, execArgv, startWorkersAfterMs: 0 });
    expect(strip(parallel)).toEqual(strip(sequential));
    expect(strip(two)).toEqual(strip(sequential));
    expect(completion.slice().sort((a, b) => a - b)).toEqual(jobs.map((_, i) => i));
    expect(sequential.at(-1)!.problems[0]!.message).toBe('cannot read gone.wasm: no such file');
  });

  it('hands jobs to workers and files their outcomes under the right index', async () => {
    // A stand-in worker that answers at once, so the main thread (busy walking a large module)
    // cannot take every job itself.
    const echoWorker = join(dir, 'echo-worker.mjs');
    writeFileSync(
      echoWorker,
      'import { parentPort } from "node:worker_threads";\nparentPort.on("message", ({ id, job }) => parentPort.postMessage({ id, outcome: { file: `worker:${job.file}`, result: undefined, problems: [], bytes: 0, ms: 0 } }));\n',
    );
    const esbuild = new URL('../../../node_modules/esbuild-wasm/esbuild.wasm', import.meta.url).pathname;
    const jobs = Array.from({ length: 6 }, (_, i) => ({ file: `esbuild-${i}.wasm`, path: esbuild }));
    const outcomes = await checkModulesInPool(jobs, DEFAULT_MANIFEST, { walkCode: true, threads: 2, startWorkersAfterMs: 0, workerUrl: new URL(`file://${echoWorker}`) });
    expect(outcomes.map((o) => o.file.replace('worker:', ''))).toEqual(jobs.map((j) => j.file));
    expect(outcomes[0]!.file).toBe('esbuild-0.wasm');
    expect(outcomes.filter((o) => o.file.startsWith('worker:')).length).toBeGreaterThan(0);
  });

  it('checks a batch of small modules on the main thread alone by default', async () => {
    const neverStarts = new URL(`file://${join(dir, 'no-such-worker.mjs')}`);
    const jobs = expectedOrder.map((file) => ({ file, path: join(dir, file) }));
    const outcomes = await checkModulesInPool(jobs, DEFAULT_MANIFEST, { walkCode: false, threads: 4, workerUrl: neverStarts });
    expect(outcomes.map((o) => o.file)).toEqual(expectedOrder);
  });

  it('reports a worker that fails as an error, not a hang', async () => {
    const brokenWorker = join(dir, 'broken-worker.mjs');
    writeFileSync(brokenWorker, 'import { parentPort } from "node:worker_threads";\nparentPort.on("message", () => { throw new Error("boom"); });\n');
    const esbuild = new URL('../../../node_modules/esbuild-wasm/esbuild.wasm', import.meta.url).pathname;
    const jobs = Array.from({ length: 6 }, (_, i) => ({ file: `esbuild-${i}.wasm`, path: esbuild }));
    await expect(checkModulesInPool(jobs, DEFAULT_MANIFEST, { walkCode: true, threads: 3, startWorkersAfterMs: 0, workerUrl: new URL(`file://${brokenWorker}`) })).rejects.toThrow(/check worker failed: boom/);
  });
});

describe('wsbc check with many modules (built binary, worker threads)', () => {
  it('prints the same report on every run and with any number of threads', () => {
    expect(existsSync(binPath), 'build the cli package first').toBe(true);
    const runs = [spawnCli(['check', 'dist/**/*.wasm', '--policy', 'policy.wsp', '--format', 'json', '--jobs', '1'], { cwd: dir })];
    for (let i = 0; i < 3; i++) runs.push(spawnCli(['check', 'dist/**/*.wasm', '--policy', 'policy.wsp', '--format', 'json', '--jobs', '4'], { cwd: dir }));
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(runs[0]!.stdout);
    }
    expect(JSON.parse(runs[0]!.stdout).check.modules.map((m: { file: string }) => m.file)).toEqual(expectedOrder);
    const sarif = [1, 2].map(() => spawnCli(['check', 'dist', '--policy', 'policy.wsp', '--format', 'sarif', '--jobs', '3'], { cwd: dir }).stdout);
    expect(sarif[1]).toBe(sarif[0]);
    const pretty = [1, 2].map(() => spawnCli(['check', 'dist', '--policy', 'policy.wsp'], { cwd: dir }).stdout.replace(/ *[\d.]+ (ms|s)\b/g, ' T'));
    expect(pretty[1]).toBe(pretty[0]);
    expect(pretty[0]).toContain('36 modules: 29 allowed, 7 refused');
  });

  it('exits 2 for a malformed module among good ones checked by workers', () => {
    const r = spawnCli(['check', 'mixed', 'dist', '--policy', 'policy.wsp', '--jobs', '3'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('39 modules: 31 allowed, 7 refused, 1 malformed');
  });
});

describe('scale', () => {
  // `wsbc check dir` over 130,000 modules ended in "internal error: Maximum call stack size
  // exceeded": the table's column widths spread every row into Math.max.
  it('prints the summary table of 150,000 modules', () => {
    const rows = Array.from({ length: 150_000 }, (_, i) => ({
      outcome: { file: `dist/m${i}.wasm`, result: undefined, problems: [], bytes: 60, ms: 0.1 },
      verdict: 'allowed' as const,
    }));
    const lines = renderSummaryTable(rows, { color: false, wallMs: 1000 }).split('\n');
    expect(lines[1]).toBe('module             verdict  errors  warnings  size    time');
    expect(lines.at(-2)).toBe('150000 modules: 150000 allowed (1000 ms)');
  });
});
