// `wsbc types`: prints declarations, writes the .d.ts and its loader with -o, and reports a
// malformed module with exit 2.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const examples = join(import.meta.dirname, '../../../examples');

describe('wsbc types', () => {
  it('prints declarations for a module to stdout', async () => {
    const result = await runCli(['types', join(examples, 'plugin-host-function/plugin-host-function.wasm')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('export interface Exports');
    expect(result.stdout).toContain('_start(): void;');
    expect(result.stdout).toContain('emit_metric: (p0: number, p1: number, p2: bigint) => number;');
  });

  it('writes the .d.ts and the loader beside it, pointing at the module by relative path', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'wsbc-types-'));
    const result = await runCli(['types', join(examples, 'plugin-host-function/plugin-host-function.wasm'), '-o', 'plugin.d.ts'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('wrote plugin.d.ts and plugin.js');
    expect(readFileSync(join(cwd, 'plugin.d.ts'), 'utf8')).toContain('export declare function instantiate(imports: Imports');
    const loader = readFileSync(join(cwd, 'plugin.js'), 'utf8');
    expect(loader).toMatch(/new URL\("\.\/.*examples\/plugin-host-function\/plugin-host-function\.wasm"/);
    const noLoader = await runCli(['types', join(examples, 'plugin-host-function/plugin-host-function.wasm'), '-o', 'only.d.ts', '--no-loader'], { cwd });
    expect(noLoader.code).toBe(0);
    expect(existsSync(join(cwd, 'only.js'))).toBe(false);
  });

  it('exits 2 for a malformed module or a bad output name', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'wsbc-types-'));
    writeFileSync(join(cwd, 'bad.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 9]));
    const bad = await runCli(['types', 'bad.wasm'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('wasm/');
    expect((await runCli(['types', 'bad.wasm', '-o', 'x.ts'], { cwd })).code).toBe(2);
  });

  it('types reports an -o it cannot write with exit 2, and refuses a loader that would replace the module', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'wsbc-types-'));
    const module = join(examples, 'plugin-host-function/plugin-host-function.wasm');
    const missing = await runCli(['types', module, '-o', 'no-such-dir/m.d.ts'], { cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('wsbc types: cannot write no-such-dir/m.d.ts: no such directory\n');
    copyFileSync(module, join(cwd, 'm.js'));
    const clobber = await runCli(['types', 'm.js', '-o', 'm.d.ts'], { cwd });
    expect(clobber.code).toBe(2);
    expect(clobber.stderr).toContain('the output m.js would overwrite the input m.js');
    expect(existsSync(join(cwd, 'm.d.ts'))).toBe(false);
  });
});
