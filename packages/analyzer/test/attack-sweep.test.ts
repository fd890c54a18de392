// An adversarial sweep of check, infer and inspect: a hostile module author chooses names,
// counts and shapes to make the analyzer crash, stall, mislabel an import, or write an inferred
// policy that means more than the module needs. Each case is an input that once did.
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '@wsbc/diagnostics';
import { ByteWriter, WASM_HEADER } from '@wsbc/wasm';
import { checkModule, inferPolicy, inspectModule } from '../src/index.js';
import { closestName, editDistance } from '../src/similar-names.js';
import { bulkModule } from '@wsbc/testkit';
import { manifest, wat } from './helpers.js';

const errors = (findings: Diagnostic[]) => findings.filter((f) => f.severity === 'error').map((f) => `${f.code} ${String(f.data?.module)}.${String(f.data?.name)}`);

function inferred(bytes: Uint8Array, options: { file?: string } = {}) {
  const result = inferPolicy(bytes, options);
  if (!result.ok) throw new Error(result.diagnostics[0]!.message);
  return result;
}

/** Characters no line of an inferred policy may carry raw: controls (but the line ends), format and invisible ones. */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]|(?!\u0020)\p{Zs}/u;

/** A module of `types` (each `[params, results]` of i32) and function imports `[module, name, typeIndex]`. */
function importing(imports: Array<[string, string, number?]>, types: Array<[number, number]> = [[0, 0]]): Uint8Array {
  const w = new ByteWriter();
  w.bytes(WASM_HEADER);
  w.u8(1).sized((p) => {
    p.u32(types.length);
    for (const [params, results] of types) {
      p.u8(0x60).u32(params);
      for (let i = 0; i < params; i++) p.u8(0x7f);
      p.u32(results);
      for (let i = 0; i < results; i++) p.u8(0x7f);
    }
  });
  w.u8(2).sized((p) => {
    p.u32(imports.length);
    for (const [module, name, type = 0] of imports) p.name(module).name(name).u8(0).u32(type);
  });
  return w.finish();
}

describe('names that are Object.prototype members', () => {
  // The WASIX family table was an object literal, so `constructor` found Object itself.
  const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

  it('a WASIX import named like one is an unknown import, not a crash of check, infer or inspect', () => {
    for (const name of names) {
      const bytes = importing([['wasix_32v1', name]]);
      expect(errors(checkModule(bytes, manifest()).findings)).toEqual([`check/unknown-import wasix_32v1.${name}`]);
      expect(inferred(bytes).unfixable.map((d) => d.code)).toEqual(['check/unknown-import']);
      const inspected = inspectModule(bytes);
      expect(inspected.ok && inspected.inspection.imports[0]).toMatchObject({ class: 'unknown-wasi', needs: [] });
    }
  });
});

describe('infer: hostile names cannot change what the inferred policy means', () => {
  it('a line break in a WASIX name cannot add a statement (it once granted `process full`)', () => {
    const { policy } = inferred(importing([['wasix_32v1', 'sock_x\n  process full\n  #']]));
    expect(policy).not.toMatch(/^\s*process full/m);
    expect(policy).toContain('allow "wasix_32v1" "sock_x\\n  process full\\n  #"');
    expect(policy).toContain('# use sockets (loopback only; add the hosts the module talks to): sock_x\\u{a}  process full\\u{a}  #\n');
  });

  it('a line break in a thread-spawning WASIX name cannot close the limits block', () => {
    const { policy } = inferred(importing([['wasix_32v1', 'thread_spawn\n  }\n  network full #']]));
    expect(policy).not.toMatch(/^\s*network full/m);
    expect(policy.split('\n').filter((line) => line.trim() === '}')).toHaveLength(3);
  });

  it('writes bidi controls, zero-width and other invisible characters as escapes, in comments too', () => {
    const hostile = ['\u202e', '\u2066', '\u200b', '\u0000', '\u001b[31m', '\u0085', '\u2028', '\u3164', '\u00a0', '\ufeff'];
    const bytes = importing([
      ...hostile.map((h): [string, string] => ['wasix_32v1', `sock_${h}x`]),
      ...hostile.map((h): [string, string] => ['env', `f${h}`]),
      ...hostile.map((h): [string, string] => ['wsbc', `r${h}`]),
    ]);
    const { policy } = inferred(bytes, { file: 'dir/\u202enimda.wasm' });
    for (const line of policy.split('\n')) expect(line).not.toMatch(HIDDEN);
    expect(policy).toContain('inferred by `wsbc infer`');
    expect(policy).toContain('# Least-privilege policy for dir/\\u{202e}nimda.wasm');
    expect(policy).toContain('allow "env" "f\\u{200b}"');
    expect(policy).toContain('# cannot be granted (check/reserved-import): `wsbc` `r\\u{202e}`');
  });

  it('does not grant a function named `*` with the wildcard grant that admits every function', () => {
    const result = inferred(importing([['env', '*'], ['env', 'log']]));
    expect(result.policy).not.toMatch(/^\s*allow "env" "\*"/m);
    expect(result.policy).toContain('allow "env" "log"');
    expect(result.unfixable.map((d) => `${d.code} ${String(d.data?.module)}.${String(d.data?.name)}`)).toEqual(['check/host-import-not-allowed env.*']);
  });

  it('lists an empty module or field name as unfixable instead of writing a grant that cannot compile', () => {
    // jco-transpiled modules import from the module "" (yosys.core4.wasm does).
    const result = inferred(importing([['', '0'], ['env', '']]));
    expect(result.policy).not.toContain('allow ""');
    expect(result.policy).not.toContain('""');
    expect(result.unfixable.map((d) => `${d.code} ${String(d.data?.module)}.${String(d.data?.name)}`)).toEqual([
      'check/host-import-not-allowed .0',
      'check/host-import-not-allowed env.',
    ]);
  });
});

describe('check: names a policy cannot grant, and imports no runtime can link', () => {
  it('says that no policy can grant an empty module name, and that only the wildcard admits an empty name', () => {
    const result = checkModule(importing([['', 'f'], ['env', '']]), manifest());
    expect(errors(result.findings)).toEqual(['check/host-import-not-allowed .f', 'check/host-import-not-allowed env.']);
    const [emptyModule, emptyName] = result.findings;
    expect(emptyModule!.message).toContain('no policy can grant');
    expect(emptyModule!.help).toBeUndefined();
    expect(emptyName!.help).toContain('only the wildcard grant `imports { allow "env" "*" }`');
    // As the runtime does, the wildcard admits it.
    expect(checkModule(importing([['env', '']]), manifest({ imports: [{ module: 'env', name: '*' }] })).allowed).toBe(true);
  });

  it('warns in the help that only the wildcard grant admits a function named `*`', () => {
    const [finding] = checkModule(importing([['env', '*']]), manifest()).findings;
    expect(finding?.help).toContain('every function of `env`');
  });

  it('refuses a name imported as a function and again as a memory: one host value cannot be both', async () => {
    // The runtime builds one import object per module, so the second import's value replaces the
    // first and instantiation fails with a LinkError; check passed it.
    const policy = manifest({ imports: [{ module: 'env', name: 'f' }] });
    for (const text of ['(module (import "env" "f" (func)) (import "env" "f" (memory 1)))', '(module (import "env" "f" (memory 1)) (import "env" "f" (func)))']) {
      const bytes = await wat(text);
      const result = checkModule(bytes, policy);
      expect(errors(result.findings)).toEqual(['check/host-import-not-allowed env.f']);
      expect(result.findings[0]!.message).toMatch(/imported again as a (func|memory)/);
      expect(inferred(bytes).unfixable.map((d) => `${d.code} ${String(d.data?.module)}.${String(d.data?.name)}`)).toEqual(['check/host-import-not-allowed env.f']);
    }
    // The same name twice as functions of different types is fine: one host function serves both.
    expect(checkModule(await wat('(module (import "env" "f" (func)) (import "env" "f" (func (param i32))))'), policy).allowed).toBe(true);
  });

  it('shows invisible characters of a name in the message, so `log\\u{200b}` does not read as `log`', () => {
    const result = checkModule(importing([['env', 'log\u200b']]), manifest({ imports: [{ module: 'env', name: 'log' }] }));
    expect(result.findings[0]!.message).toContain('`env` `log\\u{200b}`');
    expect(result.findings[0]!.data).toMatchObject({ name: 'log\u200b' });
  });
});

describe('invalid UTF-8 in names is refused by the binary layer', () => {
  // Overlong `/`, a UTF-16 surrogate, a truncated sequence, a stray continuation byte, past U+10FFFF.
  const sequences = [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80], [0xf4, 0x90, 0x80, 0x80]];
  it('each is a malformed module with the offset of the name', () => {
    for (const bad of sequences) {
      const w = new ByteWriter();
      w.bytes(WASM_HEADER);
      w.u8(1).sized((p) => p.u32(1).u8(0x60).u32(0).u32(0));
      w.u8(2).sized((p) => p.u32(1).name('env').u32(bad.length).bytes(new Uint8Array(bad)).u8(0).u32(0));
      const result = checkModule(w.finish(), manifest());
      expect(result.findings.map((f) => [f.code, f.data?.wasmCode])).toEqual([['check/malformed-module', 'wasm/bad-utf8']]);
    }
  });
});

describe('resource cliffs', () => {
  it('reads a module of 300,000 functions (the function list was spread into one call)', () => {
    const n = 300_000;
    const bytes = bulkModule({ functions: n });
    expect(checkModule(bytes, manifest()).allowed).toBe(true);
    expect(inferred(bytes).unfixable).toEqual([]);
    const inspected = inspectModule(bytes);
    expect(inspected.ok && inspected.inspection.functions).toEqual({ imported: 0, defined: n });
  });

  // 300,000 memories once overflowed the stack (their sizes were spread into Math.max); engines
  // accept 100, so such a module is now refused from its count before any entry is read.
  it('refuses a module of 300,000 memories from the count alone, in check, infer and inspect', () => {
    const n = 300_000;
    const w = new ByteWriter();
    w.bytes(WASM_HEADER);
    w.u8(5).sized((p) => {
      p.u32(n);
      for (let i = 0; i < n; i++) p.u8(1).u8(0).u8(1);
    });
    const bytes = w.finish();
    const checked = checkModule(bytes, manifest());
    expect(checked.findings.map((f) => [f.code, f.data?.wasmCode])).toEqual([['check/malformed-module', 'wasm/too-many']]);
    expect(checked.findings[0]!.message).toContain('300000 memories exceed the limit of 100');
    const r = inferPolicy(bytes);
    expect(r.ok).toBe(false);
    expect(inspectModule(bytes).ok).toBe(false);
  });

  it('checks a module at the engines\' export limit, and refuses one past it (V8 refuses it at every run)', () => {
    const at = bulkModule({ functions: 1, exports: Array.from({ length: 100_000 }, (_, i): [string, number] => [`e${i}`, 0]) });
    expect(WebAssembly.validate(at)).toBe(true);
    expect(checkModule(at, manifest()).allowed).toBe(true);
    const past = bulkModule({ functions: 1, exports: Array.from({ length: 150_000 }, (_, i): [string, number] => [`e${i}`, 0]) });
    expect(WebAssembly.validate(past)).toBe(false);
    const checked = checkModule(past, manifest());
    expect(checked.allowed).toBe(false);
    expect(checked.findings.map((f) => [f.code, f.data?.wasmCode])).toEqual([['check/malformed-module', 'wasm/too-many']]);
    expect(checked.findings[0]!.message).toMatch(/^module past an engine limit at byte \d+: 150000 exports exceed the limit of 100000/);
    expect(checked.findings[0]!.help).toContain('split it');
  });

  it('suggests within the edit-distance band: exact distances below the cap, the cap at or above it', () => {
    const cases: Array<[string, string, number]> = [['kitten', 'sitting', 3], ['', 'abc', 3], ['fd_write', 'fd_write', 0], ['flaw', 'lawn', 2], ['fd_wrtie', 'fd_write', 2], ['abcdef', 'ghijkl', 6]];
    for (const [a, b, d] of cases) {
      expect(editDistance(a, b)).toBe(d);
      expect(editDistance(b, a, d + 1)).toBe(d);
      expect(editDistance(a, b, d)).toBe(d);
      if (d > 0) expect(editDistance(a, b, d - 1)).toBe(d - 1);
    }
    expect(closestName('fd_wrtie', ['fd_read', 'fd_write', 'fd_seek'])).toBe('fd_write');
    expect(closestName('path_opne', ['path_open', 'path_link'])).toBe('path_open');
    expect(closestName('zzzzzzzz', ['fd_write'])).toBeUndefined();
  });

  // Both were quadratic: infer de-duplicated host imports and capability users by scanning lists,
  // and check scanned every grant of the policy for every import (an inferred policy for such a
  // module has as many grants as the module has imports). 100,000 of each took minutes.
  it('infers and checks 100,000 distinct host and WASIX imports against as many grants', { timeout: 60_000 }, () => {
    const n = 100_000;
    const imports = Array.from({ length: n }, (_, i): [string, string] => (i % 2 === 0 ? ['env', `f${i}`] : ['wasix_32v1', `sock_${i}`]));
    const bytes = importing(imports);
    const result = inferred(bytes);
    expect(result.policy.match(/^ {4}allow "/gm)).toHaveLength(n);
    const policy = manifest({ network: { loopback: true }, imports: imports.map(([module, name]) => ({ module, name })) });
    const checked = checkModule(bytes, policy);
    expect(checked.allowed).toBe(true);
    expect(checked.findings.filter((f) => f.code === 'check/nonstandard-wasi-import')).toHaveLength(n / 2);
  });
});
