// Test harness: text → binary through @wsbc/testkit's assembleWat, binary → text through the wabt
// npm package, and instantiation of instrumented modules with a host that hands out fuel in
// slices and records what it did.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleWat } from '@wsbc/testkit';
import wabtInit from 'wabt';
import { FUEL_EXPORT, HOOK_MODULE, OUT_OF_FUEL_HOOK, STATUS_EXPORT } from '../src/abi.js';
import { instrument, type InstrumentOptions } from '../src/instrument.js';

let wabt: Awaited<ReturnType<typeof wabtInit>> | undefined;

export async function wat(text: string): Promise<Uint8Array<ArrayBuffer>> {
  return assembleWat(text, { names: true });
}

export async function watToText(bytes: Uint8Array): Promise<string> {
  wabt ??= await wabtInit();
  const features = { simd: true, reference_types: true, bulk_memory: true, multi_value: true, tail_call: true, exceptions: true, memory64: true, multi_memory: true };
  const m = wabt.readWasm(bytes, { readDebugNames: true, ...features });
  m.generateNames();
  m.applyNames();
  const text = m.toText({ foldExprs: false, inlineExport: false });
  m.destroy();
  return text;
}

export function mustInstrument(bytes: Uint8Array, options: InstrumentOptions = {}): Uint8Array<ArrayBuffer> {
  const r = instrument(bytes, options);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.code}: ${d.message}`).join('\n'));
  return r.value.bytes;
}

/** A host that gives `budget` fuel in total, `slice` at a time (all at once by default). */
export class FuelHost {
  refills = 0;
  granted = 0n;
  instance!: WebAssembly.Instance;

  constructor(
    readonly budget: bigint,
    readonly slice: bigint = budget,
  ) {}

  get fuelGlobal(): WebAssembly.Global {
    return this.instance.exports[FUEL_EXPORT] as WebAssembly.Global;
  }

  get status(): number {
    return (this.instance.exports[STATUS_EXPORT] as WebAssembly.Global).value as number;
  }

  /** Fuel consumed so far: everything granted minus what is left in the counter. */
  get used(): bigint {
    return this.granted - (this.fuelGlobal.value as bigint);
  }

  imports(): WebAssembly.Imports {
    return {
      [HOOK_MODULE]: {
        [OUT_OF_FUEL_HOOK]: (counter: bigint): bigint => {
          this.refills++;
          const deficit = -counter;
          const left = this.budget - this.granted;
          // Refill only when what is left covers the deficit; otherwise return the counter still
          // negative, and the module traps with STATUS_FUEL_EXHAUSTED.
          if (left < deficit) return counter;
          const grant = left < this.slice ? left : this.slice > deficit ? this.slice : deficit;
          this.granted += grant;
          return counter + grant;
        },
      },
    };
  }

  instantiate(bytes: Uint8Array<ArrayBuffer>, extra: WebAssembly.Imports = {}): WebAssembly.Instance {
    const module = new WebAssembly.Module(bytes);
    this.instance = new WebAssembly.Instance(module, { ...extra, ...this.imports() });
    return this.instance;
  }
}

/**
 * Validates with Debian wabt's wasm-validate, all features on (for proposals Node 20's V8 keeps
 * behind flags or lacks, such as multi-memory).
 */
export function wabtValidates(bytes: Uint8Array): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'wsbc-validate-'));
  const file = join(dir, 'm.wasm');
  writeFileSync(file, bytes);
  try {
    execFileSync('wasm-validate', ['--enable-all', file], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Text to binary with Debian wabt's wat2wasm, all features on. */
export function watAll(text: string): Uint8Array<ArrayBuffer> {
  const dir = mkdtempSync(join(tmpdir(), 'wsbc-wat-'));
  writeFileSync(join(dir, 'm.wat'), text);
  execFileSync('wat2wasm', ['--enable-all', join(dir, 'm.wat'), '-o', join(dir, 'm.wasm')], { stdio: 'pipe' });
  return readFileSync(join(dir, 'm.wasm'));
}

/**
 * Runs `script` in a child Node with extra V8 flags (e.g. --experimental-wasm-memory64). The script
 * sees `bytes` (the module) and must print one JSON line, which is returned parsed.
 */
export function runFlagged(bytes: Uint8Array, flags: string[], script: string): unknown {
  const dir = mkdtempSync(join(tmpdir(), 'wsbc-flagged-'));
  const file = join(dir, 'm.wasm');
  writeFileSync(file, bytes);
  const prelude = `const bytes = require('node:fs').readFileSync(${JSON.stringify(file)});`;
  const out = execFileSync(process.execPath, [...flags, '-e', `${prelude}\n${script}`], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

/** Binary to text with Debian wabt's wasm2wat, all features on. */
export function wasm2watAll(bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'wsbc-wasm2wat-'));
  writeFileSync(join(dir, 'm.wasm'), bytes);
  return execFileSync('wasm2wat', ['--enable-all', join(dir, 'm.wasm')], { encoding: 'utf8' });
}
