// Evidence on the wasm spec test corpus (converted with wast2json, cached): every module file
// decodes, re-encodes byte-identically through the writer and through the re-encoder, lists the
// same imports and exports as V8, and the structural walk agrees with V8's WebAssembly.validate on
// which files are well-formed. Disagreements are counted by category and printed; the categories
// that must be empty are asserted.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { convertSpecCorpus, specCorpusStatus, type CorpusModule } from '@wsbc/testkit';
import { ModuleReader, catchWasmError, rebuildModule, reencode, walkModule, type ExternalKind } from '../src/index.js';

const status = specCorpusStatus();
if (!status.ok) console.log(status.reason);

const JS_KIND: Record<ExternalKind, string> = { func: 'function', table: 'table', memory: 'memory', global: 'global', tag: 'tag' };

describe.skipIf(!status.ok)('spec corpus', () => {
  const corpus = status.ok ? convertSpecCorpus() : { wastFiles: 0, scripts: [], failed: [], modules: [] as CorpusModule[] };
  const binaries = corpus.modules.filter((m) => m.moduleType === 'binary');

  test('converts every .wast file with wast2json', () => {
    console.log(`spec corpus: ${corpus.wastFiles} .wast files, ${corpus.scripts.length} converted, ${corpus.failed.length} failed${corpus.failed.map((f) => `\n  ${f.wast}: ${f.message}`).join('')}`);
    expect(corpus.scripts.length + corpus.failed.length).toBe(corpus.wastFiles);
    expect(corpus.modules.filter((m) => m.command === 'module').length).toBeGreaterThan(1500);
  });

  test('every valid module re-encodes byte-identically, and lists the imports and exports V8 lists', () => {
    let modules = 0;
    let identical = 0;
    let reencoded = 0;
    let agreeing = 0;
    let canonicalized = 0;
    const problems: string[] = [];
    for (const m of binaries) {
      const bytes = new Uint8Array(readFileSync(m.path));
      if (!WebAssembly.validate(bytes)) continue;
      modules++;
      const where = `${m.wast}:${m.line}`;
      const rebuilt = catchWasmError(() => rebuildModule(bytes));
      if (!rebuilt.ok) {
        problems.push(`${where}: rebuild failed: ${rebuilt.error.message} @${rebuilt.error.offset}`);
        continue;
      }
      const { stats } = rebuilt.value;
      if (stats.mismatches.length > 0) problems.push(`${where}: ${JSON.stringify(stats.mismatches.slice(0, 2))}`);
      if (Buffer.compare(rebuilt.value.bytes, bytes) === 0 && stats.mismatches.length === 0) identical++;
      if (stats.sectionsCanonicalized + stats.instructionsCanonicalized + stats.headersCanonicalized + stats.localsCanonicalized > 0) canonicalized++;
      const through = reencode(bytes, { instruction: () => false, locals: (ctx) => ctx.locals });
      if (Buffer.compare(through, bytes) === 0) reencoded++;
      else problems.push(`${where}: reencode with pass-through hooks changed the bytes`);

      const reader = new ModuleReader(bytes);
      const v8 = new WebAssembly.Module(bytes);
      const ours = {
        imports: reader.imports().map((i) => ({ module: i.module, name: i.name, kind: JS_KIND[i.desc.kind] })),
        exports: reader.exports().map((e) => ({ name: e.name, kind: JS_KIND[e.kind] })),
      };
      const theirs = { imports: WebAssembly.Module.imports(v8), exports: WebAssembly.Module.exports(v8) };
      if (JSON.stringify(ours) === JSON.stringify(theirs)) agreeing++;
      else problems.push(`${where}: imports/exports differ from V8`);
    }
    console.log(
      `spec corpus: ${modules} V8-valid module files, ${identical} round-trip identical through the writer ` +
        `(${canonicalized} of them use non-minimal encodings the writer verified and kept), ${reencoded} identical through reencode(), ` +
        `${agreeing} agree with V8 on imports/exports`,
    );
    expect(problems).toEqual([]);
    expect(modules).toBeGreaterThan(1500);
  });

  test('the structural walk agrees with WebAssembly.validate; disagreements are categorised', () => {
    const categories = new Map<string, string[]>();
    const add = (cat: string, what: string): void => {
      const list = categories.get(cat) ?? [];
      list.push(what);
      categories.set(cat, list);
    };
    let agree = 0;
    for (const m of binaries) {
      const bytes = new Uint8Array(readFileSync(m.path));
      const v8 = WebAssembly.validate(bytes);
      const walk = walkModule(bytes);
      const where = `${m.wast}:${m.line} ${m.command}${m.text ? ` "${m.text}"` : ''}`;
      if (!walk.ok) {
        expect(walk.error.offset, where).toBeGreaterThanOrEqual(0);
        expect(walk.error.offset, where).toBeLessThanOrEqual(bytes.length);
      }
      if (v8 === walk.ok) {
        agree++;
        continue;
      }
      if (v8) add('V8 accepts, walk rejects (false rejection)', `${where}: ${!walk.ok ? `${walk.error.code} ${walk.error.message}` : ''}`);
      else if (m.command === 'assert_malformed') add('malformed binary the walk accepts', where);
      else if (m.command === 'assert_invalid') add(`invalid, needs type checking (out of scope): ${m.text}`, where);
      else add(`V8 rejects (${m.command}), walk accepts`, where);
    }
    const lines = [...categories.entries()].sort((a, b) => b[1].length - a[1].length).map(([c, l]) => `  ${l.length} ${c} (e.g. ${l[0]})`);
    console.log(`spec corpus walk vs WebAssembly.validate: ${binaries.length} binary module files, ${agree} agree, ${binaries.length - agree} disagree\n${lines.join('\n')}`);
    expect(categories.get('V8 accepts, walk rejects (false rejection)') ?? []).toEqual([]);
    // Modules only a type checker rejects are still well-formed binaries: they must round-trip too.
    let typeInvalid = 0;
    for (const m of binaries) {
      const bytes = new Uint8Array(readFileSync(m.path));
      if (WebAssembly.validate(bytes) || !walkModule(bytes).ok) continue;
      typeInvalid++;
      const { bytes: rebuilt, stats } = rebuildModule(bytes);
      expect(stats.mismatches, `${m.wast}:${m.line}`).toEqual([]);
      expect(Buffer.compare(rebuilt, bytes), `${m.wast}:${m.line}`).toBe(0);
    }
    console.log(`spec corpus: ${typeInvalid} well-formed but type-invalid module files also round-trip identically`);
    expect(categories.get('malformed binary the walk accepts') ?? []).toEqual([]);
    for (const c of categories.keys()) expect(c.startsWith('invalid, needs type checking') || c.startsWith('V8 rejects'), c).toBe(true);
  });
});
