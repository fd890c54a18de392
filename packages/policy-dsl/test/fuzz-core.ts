// The fuzz property shared by the sampled test and the long run under fuzz/: random and mutated
// policy text goes through every entry point; nothing may throw, every diagnostic must be a
// registered code with a span inside the text, and text the formatter accepts must format
// idempotently without changing what it compiles to.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describeCode, type Diagnostic, type TextSpan } from '@wsbc/diagnostics';
import { compilePolicySource, formatPolicy, parsePolicy } from '@wsbc/policy-dsl';
import { arbPolicy } from './generate.js';

const examplesDir = path.resolve(import.meta.dirname, '../../../examples');
export const seeds: string[] = readdirSync(examplesDir)
  .filter((f) => f.endsWith('.wsp'))
  .map((f) => readFileSync(path.join(examplesDir, f), 'utf8'));

const alphabet = ['{', '}', '[', ']', '"', ',', '=', '..', '#', '\n', ' ', '\\', '-', '0', '9', '.', '%', '/', 'a', 'Z', 'é', '\u0000', '\r', 'MiB', 'pages', 'allow', 'network', 'limits'];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 4 }).map((a) => a.join('')) }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap-lines' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(text: string, m: Mutation): string {
  const at = text.length === 0 ? 0 : m.at % (text.length + 1);
  switch (m.kind) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.len);
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'truncate':
      return text.slice(0, at);
    case 'duplicate-line':
    case 'swap-lines': {
      const lines = text.split('\n');
      const i = m.at % lines.length;
      if (m.kind === 'duplicate-line') lines.splice(i, 0, lines[i]!);
      else {
        const j = m.with % lines.length;
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      }
      return lines.join('\n');
    }
  }
}

/** Policy-shaped text: a seed or a generated policy with mutations, or plain random text. */
export const arbFuzzText: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(fc.oneof(fc.constantFrom(...seeds), arbPolicy), fc.array(mutation, { minLength: 1, maxLength: 6 })).map(([t, ms]) => ms.reduce(mutate, t)) },
  { weight: 4, arbitrary: fc.array(fc.constantFrom(...alphabet), { maxLength: 200 }).map((a) => a.join('')) },
  { weight: 4, arbitrary: fc.string({ maxLength: 300, unit: 'binary' }) },
  // Floods: one token repeated thousands of times (deep nesting, error storms, huge lists).
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('policy {\n', 'policy { env allow ', ''), fc.constantFrom(...alphabet, '"A", ', '1..2, ', 'network none\n'), fc.integer({ min: 1000, max: 10_000 }))
      .map(([head, t, n]) => head + t.repeat(n)),
  },
);

function checkDiagnostics(diagnostics: Diagnostic[], texts: Map<string, string>): void {
  for (const d of diagnostics) {
    if (!describeCode(d.code)) throw new Error(`unregistered code ${d.code}`);
    if (!d.span) continue;
    const s = d.span as TextSpan;
    const text = texts.get(s.file);
    if (text === undefined) throw new Error(`span in unknown file ${s.file}`);
    if (!(s.startOffset >= 0 && s.startOffset <= s.endOffset && s.endOffset <= text.length)) throw new Error(`span out of bounds: ${JSON.stringify(s)}`);
    if (!(s.line >= 1 && s.column >= 1 && (s.endLine > s.line || (s.endLine === s.line && s.endColumn >= s.column)))) throw new Error(`bad span ${JSON.stringify(s)}`);
  }
}

/** Throws (failing the property) when any entry point misbehaves on `text`. */
export function fuzzOne(text: string): void {
  const files = new Map([['/f/p.wsp', text], ['/f/base.wsp', text]]);
  const parsed = parsePolicy(text, '/f/p.wsp');
  checkDiagnostics(parsed.diagnostics, files);
  // The text is also its own base file, so extends chains (and cycles) get fuzzed too.
  const compiled = compilePolicySource(text, { file: '/f/p.wsp', tmpDir: '/tmp/fuzz', readFile: (p) => files.get(p) });
  checkDiagnostics(compiled.diagnostics, compiled.sources);
  if (compiled.ok !== (compiled.manifest !== undefined)) throw new Error('ok and manifest disagree');
  const formatted = formatPolicy(text, '/f/p.wsp');
  if (!formatted.ok) return;
  const again = formatPolicy(formatted.value, '/f/p.wsp');
  if (!again.ok || again.value !== formatted.value) throw new Error(`format is not idempotent:\n${formatted.value}\n---\n${again.ok ? again.value : 'refused'}`);
  const recompiled = compilePolicySource(formatted.value, { file: '/f/p.wsp', tmpDir: '/tmp/fuzz', readFile: (p) => (p === '/f/base.wsp' ? formatted.value : undefined) });
  const before = compilePolicySource(text, { file: '/f/p.wsp', tmpDir: '/tmp/fuzz', readFile: (p) => (p === '/f/base.wsp' ? text : undefined) });
  if (JSON.stringify(recompiled.manifest) !== JSON.stringify(before.manifest)) throw new Error('formatting changed the compiled manifest');
  const codes = (r: { diagnostics: Diagnostic[] }) => r.diagnostics.map((d) => d.code).join(',');
  if (codes(recompiled) !== codes(before)) throw new Error(`formatting changed the diagnostics: ${codes(before)} -> ${codes(recompiled)}`);
}
