// `wsbc instrument`: flags, outputs and exit codes.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleWat } from '@wsbc/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wsbc-cli-instrument-'));
  writeFileSync(
    join(dir, 'm.wasm'),
    assembleWat(`(module (memory (export "memory") 1)
    (func $r (export "r") (param i32) (result i32)
      (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
        (else (i32.add (i32.const 1) (call $r (i32.sub (local.get 0) (i32.const 1))))))))`),
  );
  writeFileSync(join(dir, 'big.wasm'), assembleWat('(module (memory 400))'));
  writeFileSync(join(dir, 'p.wsp'), 'policy "p" extends minimal {\n  limits {\n    memory max 100 pages\n  }\n}\n');
  writeFileSync(join(dir, 'costs.json'), JSON.stringify({ ops: { 'i32.add': 3 } }));
  writeFileSync(join(dir, 'bad-costs.json'), JSON.stringify({ ops: { 'i32.plus': 3 } }));
  writeFileSync(join(dir, 'not.wasm'), 'hello');
});

function exportsOf(file: string): string[] {
  return WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(file))).map((e) => e.name).sort();
}

describe('wsbc instrument', () => {
  it('writes an instrumented module and summarises it on stderr', async () => {
    const r = await runCli(['instrument', 'm.wasm', '-o', 'out.wasm'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^instrumented m\.wasm → out\.wasm: fuel; 1 function, 4 metered blocks/);
    expect(exportsOf(join(dir, 'out.wasm'))).toEqual(['__wsbc_fuel', '__wsbc_status', 'memory', 'r']);
  });

  it('adds the stack guard with --stack-depth and drops fuel with --no-fuel', async () => {
    const r = await runCli(['instrument', 'm.wasm', '-o', 'out2.wasm', '--no-fuel', '--stack-depth', '50'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('stack depth ≤ 50');
    expect(exportsOf(join(dir, 'out2.wasm'))).toEqual(['__wsbc_depth', '__wsbc_status', 'memory', 'r']);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(join(dir, 'out2.wasm'))), {});
    const rec = inst.exports.r as (n: number) => number;
    expect(rec(50)).toBe(50);
    expect(() => rec(51)).toThrow(WebAssembly.RuntimeError);
  });

  it('tests the counter at loop headers by default and at every block with --checks block', async () => {
    const record = (file: string) => {
      const [section] = WebAssembly.Module.customSections(new WebAssembly.Module(readFileSync(join(dir, file))), 'wsbc.instrumented');
      return JSON.parse(Buffer.from(section!).toString('utf8')) as { checks: string; maxOverrun: number };
    };
    expect((await runCli(['instrument', 'm.wasm', '-o', 'loop.wasm'], { cwd: dir })).code).toBe(0);
    expect(record('loop.wasm').checks).toBe('loop');
    expect((await runCli(['instrument', 'm.wasm', '-o', 'block.wasm', '--checks', 'block'], { cwd: dir })).code).toBe(0);
    expect(record('block.wasm')).toMatchObject({ checks: 'block', maxOverrun: 0 });
    const bad = await runCli(['instrument', 'm.wasm', '-o', 'x.wasm', '--checks', 'sometimes'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--checks');
  });

  it('marks the counter tests with a branch-hint section unless --no-branch-hints', async () => {
    const hints = (file: string) => WebAssembly.Module.customSections(new WebAssembly.Module(readFileSync(join(dir, file))), 'metadata.code.branch_hint');
    expect((await runCli(['instrument', 'm.wasm', '-o', 'hinted.wasm'], { cwd: dir })).code).toBe(0);
    expect(hints('hinted.wasm')).toHaveLength(1);
    expect((await runCli(['instrument', 'm.wasm', '-o', 'plain.wasm', '--no-branch-hints'], { cwd: dir })).code).toBe(0);
    expect(hints('plain.wasm')).toHaveLength(0);
  });

  it('takes memory limits from a policy and tightens the declared maximum', async () => {
    const r = await runCli(['instrument', 'm.wasm', '-o', 'out3.wasm', '--policy', 'p.wsp'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('memory ≤ 100 pages');
    const inst = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(join(dir, 'out3.wasm'))), { wsbc: { out_of_fuel: (c: bigint) => c + 1000n } });
    expect(() => (inst.exports.memory as WebAssembly.Memory).grow(100)).toThrow(RangeError);
  });

  it('refuses a module whose memory starts above the policy limit with exit 1', async () => {
    const r = await runCli(['instrument', 'big.wasm', '-o', 'x.wasm', '--policy', 'p.wsp'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('instrument/memory-exceeds-limit');
  });

  it('reports an invalid module, a bad cost table and bad flags with exit 2', async () => {
    const invalid = await runCli(['instrument', 'not.wasm', '-o', 'x.wasm'], { cwd: dir });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('instrument/invalid-module');
    const costs = await runCli(['instrument', 'm.wasm', '-o', 'x.wasm', '--cost-table', 'bad-costs.json'], { cwd: dir });
    expect(costs.code).toBe(2);
    expect(costs.stderr).toContain('unknown instruction "i32.plus"');
    expect((await runCli(['instrument', 'm.wasm'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['instrument', 'm.wasm', '-o', 'x.wasm', '--stack-depth', 'lots'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['instrument', 'm.wasm', '-o', 'x.wasm', '--fuel', '--no-fuel'], { cwd: dir })).code).toBe(2);
    for (const jobs of ['0', '-1', '1.5', 'many', '10000']) {
      const r = await runCli(['instrument', 'm.wasm', '-o', 'x.wasm', `--jobs=${jobs}`], { cwd: dir });
      expect(r.code, jobs).toBe(2);
      expect(r.stderr).toContain('--jobs must be a whole number from 1 to 9999');
    }
  });

  it('gives the same bytes for any --jobs', async () => {
    const one = await runCli(['instrument', 'm.wasm', '-o', 'j1.wasm', '--jobs', '1'], { cwd: dir });
    const three = await runCli(['instrument', 'm.wasm', '-o', 'j3.wasm', '-j', '3'], { cwd: dir });
    expect([one.code, three.code]).toEqual([0, 0]);
    expect(Buffer.compare(readFileSync(join(dir, 'j1.wasm')), readFileSync(join(dir, 'j3.wasm')))).toBe(0);
  });

  it('applies a cost table and reports diagnostics as JSON', async () => {
    const ok = await runCli(['instrument', 'm.wasm', '-o', 'out4.wasm', '--cost-table', 'costs.json'], { cwd: dir });
    expect(ok.code).toBe(0);
    const json = await runCli(['instrument', 'not.wasm', '-o', 'x.wasm', '--format', 'json'], { cwd: dir });
    expect(json.code).toBe(2);
    const report = JSON.parse(json.stdout) as { diagnostics: Array<{ code: string }> };
    expect(report.diagnostics[0]!.code).toBe('instrument/invalid-module');
  });

  it('instrument refuses -o pointing at its input, its policy or its cost table, and leaves them intact', async () => {
    const before = readFileSync(join(dir, 'm.wasm'));
    for (const [argv, input] of [
      [['m.wasm', '-o', 'm.wasm'], 'm.wasm'],
      [['m.wasm', '-p', 'p.wsp', '-o', 'p.wsp'], 'p.wsp'],
      [['m.wasm', '--cost-table', 'costs.json', '-o', './costs.json'], 'costs.json'],
    ] as const) {
      const r = await runCli(['instrument', ...argv], { cwd: dir });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toContain(`would overwrite the input ${input}`);
    }
    expect(readFileSync(join(dir, 'm.wasm'))).toEqual(before);
    expect(JSON.parse(readFileSync(join(dir, 'costs.json'), 'utf8'))).toEqual({ ops: { 'i32.add': 3 } });
  });

  it('instrument reports an -o it cannot write with exit 2, not as an internal error', async () => {
    mkdirSync(join(dir, 'a-dir'), { recursive: true });
    const r = await runCli(['instrument', 'm.wasm', '-o', 'a-dir'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('wsbc instrument: cannot write a-dir: is a directory\n');
  });
});
