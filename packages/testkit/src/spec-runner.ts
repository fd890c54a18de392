/// <reference lib="dom" />
// A runner for the wasm spec test scripts, executed on V8 through the JS API.
//
// Input is wast2json output (the JSON command list plus the .wasm files it names). Every
// command is run and recorded as an outcome, so a caller can run the same script twice (say,
// original modules vs. instrumented ones, through the `transform` hook) and compare the two
// outcome lists command by command.
//
// Values cross the JS boundary through small adapter modules (built with the wabt npm package)
// that read arguments from and write results to a linear memory as raw bytes. That keeps exact
// bit patterns (NaN payloads, which a JS number would quiet) and makes v128 values usable at all:
// the JS API cannot pass v128 across the boundary. References (externref, funcref) are passed
// directly as adapter parameters and results.
import wabtInit from 'wabt';

/** One value in wast2json's notation. */
export interface SpecValue {
  type: string;
  /** Decimal bit pattern, `nan:canonical`, `nan:arithmetic`, `null`, a lane list for v128, or absent. */
  value?: string | string[];
  lane_type?: string;
}

export interface SpecAction {
  type: 'invoke' | 'get';
  module?: string;
  field: string;
  args?: SpecValue[];
}

export interface SpecCommand {
  type: string;
  line: number;
  filename?: string;
  name?: string;
  as?: string;
  action?: SpecAction;
  expected?: SpecValue[];
  text?: string;
  module_type?: 'binary' | 'text';
}

export interface SpecScript {
  source_filename?: string;
  commands: SpecCommand[];
}

/** What the transform hook returns: the bytes to instantiate (and extra imports they need), or a refusal. */
export type TransformResult =
  | { ok: true; bytes: Uint8Array; imports?: WebAssembly.Imports; onInstance?: (instance: WebAssembly.Instance) => void }
  | { ok: false; reason: string };

export interface SpecRunOptions {
  /** Applied to every module's bytes before compilation (including those expected to be invalid). */
  transform?: (bytes: Uint8Array, info: { filename: string; line: number; expect: string }) => TransformResult;
}

export type OutcomeStatus = 'pass' | 'fail' | 'skip';

export interface CommandOutcome {
  line: number;
  type: string;
  status: OutcomeStatus;
  /** Why it failed or was skipped; for traps the V8 message (so runs can be compared by trap class). */
  detail: string;
}

export interface SpecReport {
  outcomes: CommandOutcome[];
  /** Counts per command type and status, e.g. counts['assert_return'].pass. */
  counts: Record<string, Record<OutcomeStatus, number>>;
}

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabtPromise: Promise<Wabt> | undefined;
function loadWabt(): Promise<Wabt> {
  wabtPromise ??= wabtInit();
  return wabtPromise;
}

const NUMERIC_SIZE: Record<string, number> = { i32: 4, i64: 8, f32: 4, f64: 8, v128: 16 };
const isNumeric = (t: string): boolean => NUMERIC_SIZE[t] !== undefined;

/** Builds the spectest host module every spec script may import from. */
function spectestImports(): Record<string, WebAssembly.ImportValue> {
  const print = (): void => {};
  return {
    print,
    print_i32: print,
    print_i64: print,
    print_f32: print,
    print_f64: print,
    print_i32_f32: print,
    print_f64_f64: print,
    global_i32: new WebAssembly.Global({ value: 'i32', mutable: false }, 666),
    global_i64: new WebAssembly.Global({ value: 'i64', mutable: false }, 666n),
    global_f32: new WebAssembly.Global({ value: 'f32', mutable: false }, 666.6),
    global_f64: new WebAssembly.Global({ value: 'f64', mutable: false }, 666.6),
    table: new WebAssembly.Table({ element: 'anyfunc', initial: 10, maximum: 20 }),
    memory: new WebAssembly.Memory({ initial: 1, maximum: 2 }),
  };
}

/** Encodes a wast2json value into `bytes` at `offset` (little-endian raw bits). */
function writeValue(view: DataView, offset: number, v: SpecValue): void {
  if (v.type === 'v128') {
    const lanes = v.value as string[];
    const laneBytes = laneSize(v.lane_type ?? 'i32');
    lanes.forEach((lane, i) => writeBits(view, offset + i * laneBytes, laneBytes, BigInt(lane)));
    return;
  }
  writeBits(view, offset, NUMERIC_SIZE[v.type]!, BigInt(v.value as string));
}

function writeBits(view: DataView, offset: number, size: number, bits: bigint): void {
  if (size === 1) view.setUint8(offset, Number(bits & 0xffn));
  else if (size === 2) view.setUint16(offset, Number(bits & 0xffffn), true);
  else if (size === 4) view.setUint32(offset, Number(bits & 0xffffffffn), true);
  else view.setBigUint64(offset, BigInt.asUintN(64, bits), true);
}

function readBits(view: DataView, offset: number, size: number): bigint {
  if (size === 1) return BigInt(view.getUint8(offset));
  if (size === 2) return BigInt(view.getUint16(offset, true));
  if (size === 4) return BigInt(view.getUint32(offset, true));
  return view.getBigUint64(offset, true);
}

function laneSize(laneType: string): number {
  return { i8: 1, i16: 2, i32: 4, f32: 4, i64: 8, f64: 8 }[laneType] ?? 4;
}

/** Does a raw bit pattern match an expected scalar (bits, or a NaN class) of a float/int type? */
function matchesScalar(bits: bigint, type: string, expected: string): boolean {
  if (expected.startsWith('nan:')) {
    const [expBits, fracBits] = type === 'f32' ? [8n, 23n] : [11n, 52n];
    const expMask = ((1n << expBits) - 1n) << fracBits;
    const frac = bits & ((1n << fracBits) - 1n);
    const quiet = 1n << (fracBits - 1n);
    if ((bits & expMask) !== expMask || frac === 0n) return false;
    return expected === 'nan:canonical' ? frac === quiet : (frac & quiet) !== 0n;
  }
  const size = type === 'i32' || type === 'f32' ? 32 : type === 'i8' ? 8 : type === 'i16' ? 16 : 64;
  return BigInt.asUintN(size, bits) === BigInt.asUintN(size, BigInt(expected));
}

/** Runs wast2json scripts; one runner per script keeps adapters and the extern-ref table. */
export class SpecRunner {
  private readonly instances = new Map<string, WebAssembly.Instance>();
  private readonly registered: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  private current: WebAssembly.Instance | undefined;
  private readonly externs = new Map<string, object>();
  private readonly adapters = new Map<string, WebAssembly.Module>();

  constructor(
    private readonly readModule: (filename: string) => Uint8Array,
    private readonly options: SpecRunOptions = {},
  ) {
    this.registered['spectest'] = spectestImports();
  }

  async run(script: SpecScript): Promise<SpecReport> {
    const outcomes: CommandOutcome[] = [];
    for (const cmd of script.commands) outcomes.push(await this.runCommand(cmd));
    const counts: SpecReport['counts'] = {};
    for (const o of outcomes) {
      const c = (counts[o.type] ??= { pass: 0, fail: 0, skip: 0 });
      c[o.status]++;
    }
    return { outcomes, counts };
  }

  private outcome(cmd: SpecCommand, status: OutcomeStatus, detail = ''): CommandOutcome {
    return { line: cmd.line, type: cmd.type, status, detail };
  }

  private prepare(cmd: SpecCommand): { ok: true; module: WebAssembly.Module; imports?: WebAssembly.Imports; onInstance?: (i: WebAssembly.Instance) => void } | { ok: false; refusal: string; compileError: boolean } {
    let bytes = this.readModule(cmd.filename!);
    let extra: WebAssembly.Imports | undefined;
    let onInstance: ((i: WebAssembly.Instance) => void) | undefined;
    if (this.options.transform) {
      const t = this.options.transform(bytes, { filename: cmd.filename!, line: cmd.line, expect: cmd.type });
      if (!t.ok) return { ok: false, refusal: `transform refused: ${t.reason}`, compileError: false };
      bytes = t.bytes;
      extra = t.imports;
      onInstance = t.onInstance;
    }
    try {
      return { ok: true, module: new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), imports: extra, onInstance };
    } catch (e) {
      return { ok: false, refusal: errorText(e), compileError: true };
    }
  }

  private instantiate(module: WebAssembly.Module, extra: WebAssembly.Imports | undefined): WebAssembly.Instance {
    const imports: WebAssembly.Imports = { ...this.registered, ...(extra ?? {}) };
    return new WebAssembly.Instance(module, imports);
  }

  private async runCommand(cmd: SpecCommand): Promise<CommandOutcome> {
    switch (cmd.type) {
      case 'module': {
        const p = this.prepare(cmd);
        if (!p.ok) return this.outcome(cmd, 'fail', p.refusal);
        try {
          const inst = this.instantiate(p.module, p.imports);
          p.onInstance?.(inst);
          this.current = inst;
          if (cmd.name) this.instances.set(cmd.name, inst);
          return this.outcome(cmd, 'pass');
        } catch (e) {
          this.current = undefined;
          return this.outcome(cmd, 'fail', errorText(e));
        }
      }
      case 'register': {
        const inst = cmd.name ? this.instances.get(cmd.name) : this.current;
        if (!inst) return this.outcome(cmd, 'fail', 'no module to register');
        this.registered[cmd.as!] = inst.exports as Record<string, WebAssembly.ImportValue>;
        return this.outcome(cmd, 'pass');
      }
      case 'action': {
        const r = await this.perform(cmd);
        return r.kind === 'values' ? this.outcome(cmd, 'pass') : this.outcome(cmd, 'fail', r.message);
      }
      case 'assert_return': {
        const r = await this.perform(cmd);
        if (r.kind !== 'values') return this.outcome(cmd, 'fail', r.message);
        const mismatch = this.compare(r.view, r.refs, cmd.expected ?? []);
        return mismatch ? this.outcome(cmd, 'fail', mismatch) : this.outcome(cmd, 'pass');
      }
      case 'assert_trap':
      case 'assert_exhaustion': {
        const r = await this.perform(cmd);
        if (r.kind === 'values') return this.outcome(cmd, 'fail', 'returned normally');
        const wanted = cmd.type === 'assert_trap' ? 'trap' : 'exhaustion';
        return r.kind === wanted ? this.outcome(cmd, 'pass', r.message) : this.outcome(cmd, 'fail', r.message);
      }
      case 'assert_invalid':
      case 'assert_malformed': {
        if (cmd.module_type === 'text') return this.outcome(cmd, 'skip', 'text-format module');
        const p = this.prepare(cmd);
        return p.ok ? this.outcome(cmd, 'fail', 'module was accepted') : this.outcome(cmd, 'pass', p.refusal);
      }
      case 'assert_unlinkable':
      case 'assert_uninstantiable': {
        const p = this.prepare(cmd);
        if (!p.ok) return this.outcome(cmd, 'fail', p.refusal);
        try {
          this.instantiate(p.module, p.imports);
          return this.outcome(cmd, 'fail', 'instantiated');
        } catch (e) {
          const ok = cmd.type === 'assert_unlinkable' ? e instanceof WebAssembly.LinkError : e instanceof WebAssembly.RuntimeError;
          return this.outcome(cmd, ok ? 'pass' : 'fail', errorText(e));
        }
      }
      default:
        return this.outcome(cmd, 'skip', `unsupported command ${cmd.type}`);
    }
  }

  private async adapterFor(kind: 'invoke' | 'get' | 'get-mut', params: string[], results: string[]): Promise<WebAssembly.Module> {
    const key = `${kind}:${params.join(',')}:${results.join(',')}`;
    const cached = this.adapters.get(key);
    if (cached) return cached;
    const refParams = params.map((t, i) => ({ t, i })).filter((p) => !isNumeric(p.t));
    const refResults = results.filter((t) => !isNumeric(t));
    const lines: string[] = ['(module'];
    if (kind === 'invoke') {
      lines.push(`(import "t" "f" (func $f (param ${params.join(' ')}) (result ${results.join(' ')})))`);
    } else {
      // The JS API does not reveal a global's mutability, so the caller tries both forms.
      const type = kind === 'get-mut' ? `(mut ${results[0]})` : results[0];
      lines.push(`(import "t" "g" (global $g ${type}))`);
    }
    lines.push('(memory (export "mem") 1)');
    lines.push(`(func (export "run") (param ${refParams.map((p) => p.t).join(' ')}) (result ${refResults.join(' ')})`);
    lines.push(`(local ${results.join(' ')})`);
    const firstResultLocal = refParams.length;
    if (kind === 'invoke') {
      let offset = 0;
      let refIndex = 0;
      for (const t of params) {
        if (isNumeric(t)) {
          lines.push(`(${t}.load (i32.const ${offset}))`);
          offset += 16;
        } else {
          lines.push(`(local.get ${refIndex++})`);
        }
      }
      lines.push('(call $f)');
    } else {
      lines.push('(global.get $g)');
    }
    for (let i = results.length - 1; i >= 0; i--) lines.push(`(local.set ${firstResultLocal + i})`);
    let outOffset = 0;
    for (let i = 0; i < results.length; i++) {
      const t = results[i]!;
      if (isNumeric(t)) {
        lines.push(`(${t}.store (i32.const ${4096 + outOffset}) (local.get ${firstResultLocal + i}))`);
        outOffset += 16;
      }
    }
    for (let i = 0; i < results.length; i++) if (!isNumeric(results[i]!)) lines.push(`(local.get ${firstResultLocal + i})`);
    lines.push('))');
    const wabt = await loadWabt();
    const parsed = wabt.parseWat('adapter.wat', lines.join('\n'), { simd: true, reference_types: true, multi_value: true });
    const { buffer } = parsed.toBinary({});
    parsed.destroy();
    const module = new WebAssembly.Module(buffer as Uint8Array<ArrayBuffer>);
    this.adapters.set(key, module);
    return module;
  }

  private externFor(value: string): object {
    let ref = this.externs.get(value);
    if (!ref) {
      ref = { externref: value };
      this.externs.set(value, ref);
    }
    return ref;
  }

  private jsRef(v: SpecValue): unknown {
    if (v.value === 'null' || v.value === undefined) return null;
    return v.type === 'externref' ? this.externFor(v.value as string) : null;
  }

  private async perform(cmd: SpecCommand): Promise<
    | { kind: 'values'; view: DataView; refs: unknown[] }
    | { kind: 'trap' | 'exhaustion' | 'error'; message: string }
  > {
    const action = cmd.action!;
    const inst = action.module ? this.instances.get(action.module) : this.current;
    if (!inst) return { kind: 'error', message: 'no current module' };
    const target = (inst.exports as Record<string, unknown>)[action.field];
    if (target === undefined) return { kind: 'error', message: `no export ${action.field}` };
    const params = (action.args ?? []).map((a) => a.type);
    const results = (cmd.expected ?? []).map((e) => e.type);
    let run: ((...args: unknown[]) => unknown) | undefined;
    let mem: WebAssembly.Memory | undefined;
    let linkError = '';
    const kinds = action.type === 'invoke' ? (['invoke'] as const) : (['get', 'get-mut'] as const);
    for (const kind of kinds) {
      try {
        const adapter = await this.adapterFor(kind, params, results);
        const a = new WebAssembly.Instance(adapter, { t: kind === 'invoke' ? { f: target as WebAssembly.ImportValue } : { g: target as WebAssembly.ImportValue } });
        run = a.exports['run'] as (...args: unknown[]) => unknown;
        mem = a.exports['mem'] as WebAssembly.Memory;
        break;
      } catch (e) {
        linkError = errorText(e);
      }
    }
    if (!run || !mem) return { kind: 'error', message: `signature: ${linkError}` };
    const view = new DataView(mem.buffer);
    let offset = 0;
    const refArgs: unknown[] = [];
    for (const arg of action.args ?? []) {
      if (isNumeric(arg.type)) {
        writeValue(view, offset, arg);
        offset += 16;
      } else refArgs.push(this.jsRef(arg));
    }
    try {
      const out = run(...refArgs);
      const refCount = results.filter((t) => !isNumeric(t)).length;
      const refs = refCount === 0 ? [] : refCount === 1 ? [out] : (out as unknown[]);
      return { kind: 'values', view: new DataView(mem.buffer), refs };
    } catch (e) {
      if (e instanceof RangeError && /call stack/i.test(e.message)) return { kind: 'exhaustion', message: e.message };
      if (e instanceof WebAssembly.RuntimeError) return { kind: 'trap', message: e.message };
      return { kind: 'error', message: errorText(e) };
    }
  }

  /** Returns a description of the first mismatch, or undefined when every result matches. */
  private compare(view: DataView, refs: unknown[], expected: SpecValue[]): string | undefined {
    let offset = 4096;
    let refIndex = 0;
    for (const [i, e] of expected.entries()) {
      if (e.type === 'v128') {
        const size = laneSize(e.lane_type ?? 'i32');
        const lanes = e.value as string[];
        for (let l = 0; l < lanes.length; l++) {
          const bits = readBits(view, offset + l * size, size);
          if (!matchesScalar(bits, e.lane_type ?? 'i32', lanes[l]!)) return `result ${i} lane ${l}: got ${bits}, expected ${lanes[l]}`;
        }
        offset += 16;
      } else if (isNumeric(e.type)) {
        const bits = readBits(view, offset, NUMERIC_SIZE[e.type]!);
        if (!matchesScalar(bits, e.type, e.value as string)) return `result ${i}: got ${bits}, expected ${String(e.value)}`;
        offset += 16;
      } else {
        const got = refs[refIndex++];
        if (e.value === 'null') {
          if (got !== null) return `result ${i}: expected null reference`;
        } else if (e.value === undefined) {
          if (got === null) return `result ${i}: expected a non-null reference`;
        } else if (e.type === 'externref' && got !== this.externFor(e.value as string)) {
          return `result ${i}: expected externref ${String(e.value)}`;
        }
      }
    }
    return undefined;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
}

/** Convenience: runs one script with a fresh runner. */
export async function runSpecScript(script: SpecScript, readModule: (filename: string) => Uint8Array, options: SpecRunOptions = {}): Promise<SpecReport> {
  return new SpecRunner(readModule, options).run(script);
}
