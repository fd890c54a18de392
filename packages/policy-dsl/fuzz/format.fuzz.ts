// Long fuzz run of the formatter on valid policies with layout edits the generator does not make:
// comments at line ends, on their own lines and inside lists, lists broken after `[` or `,`, lines
// joined (one-line blocks), tabs and stray carriage returns, a BOM, no final newline, and custom
// strings with escapes. Text the formatter accepts must format idempotently and keep its manifest,
// its compiler diagnostics, its comments and its lint results (suppressions included). Run only
// this file with `npx vitest run --config fuzz/vitest.config.ts fuzz/format.fuzz.ts`; FUZZ_RUNS
// (default 5000) and FUZZ_SEED as for the compiler's run.
import fc from 'fast-check';
import { compilePolicySource, formatPolicy, parseCst } from '@wsbc/policy-dsl';
import { lintPolicySource } from '@wsbc/policy-dsl/lint';
import { it } from 'vitest';
import { arbPolicy, quote } from '../test/generate.js';

const edit = fc.oneof(
  fc.record({ k: fc.constant('eolComment' as const), at: fc.nat(), text: fc.constantFrom('# c', '#', '# wsbc-lint-disable-line no-full-network: r', '#}', '# "x"', '#\t t ') }),
  fc.record({ k: fc.constant('ownComment' as const), at: fc.nat(), text: fc.constantFrom('# own', '', '   # indented', '\t# tab', '# wsbc-lint-disable-next-line env-full, no-full-network: r') }),
  fc.record({ k: fc.constant('join' as const), at: fc.nat() }),
  fc.record({ k: fc.constant('breakList' as const), at: fc.nat(), comment: fc.boolean() }),
  fc.record({ k: fc.constant('custom' as const), at: fc.nat(), v: fc.constantFrom('"\\u{1F600}\\t\\"é\\\\"', '"\\u{202E}"', '"a\\nb"', '["x", "\\u{0}"]', '-0.5 in -1..1', '1_000 in 0..1_000', 'true', '"' + 'x'.repeat(120) + '"') }),
  fc.record({ k: fc.constant('space' as const), at: fc.nat(), s: fc.constantFrom('\t', '  ', ' \t', '\r') }),
);
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function apply(text: string, e: Edit): string {
  const lines = text.split('\n');
  const i = e.at % lines.length;
  switch (e.k) {
    case 'eolComment':
      lines[i] = `${lines[i]!.replace(/\r$/, '')} ${e.text}`;
      return lines.join('\n');
    case 'ownComment':
      lines.splice(i, 0, e.text);
      return lines.join('\n');
    case 'join':
      if (i + 1 < lines.length) lines.splice(i, 2, `${lines[i]!.replace(/\r$/, '')} ${lines[i + 1]!.trim()}`);
      return lines.join('\n');
    case 'breakList': {
      const positions = [...text.matchAll(/[[,]/g)].map((m) => m.index!);
      if (positions.length === 0) return text;
      const p = positions[e.at % positions.length]! + 1;
      return `${text.slice(0, p)}${e.comment ? ' # in list' : ''}\n${text.slice(p)}`;
    }
    case 'custom': {
      const idx = lines.findIndex((l) => /^\s*policy\b.*\{\s*(#.*)?$/.test(l));
      if (idx < 0) return text;
      lines.splice(idx + 1, 0, `custom ${quote(`k${e.at % 97}`)} = ${e.v}`);
      return lines.join('\n');
    }
    case 'space': {
      const positions = [...text.matchAll(/ /g)].map((m) => m.index!);
      if (positions.length === 0) return text;
      const p = positions[e.at % positions.length]!;
      return `${text.slice(0, p)}${e.s}${text.slice(p + 1)}`;
    }
  }
}

const arb = fc.tuple(arbPolicy, fc.array(edit, { minLength: 1, maxLength: 8 }), fc.boolean(), fc.boolean()).map(([t, es, bom, noFinal]) => {
  let x = es.reduce(apply, t);
  if (noFinal) x = x.replace(/\r?\n$/, '');
  return bom ? `\ufeff${x}` : x;
});

const compile = (text: string) => compilePolicySource(text, { file: '/f/p.wsp', tmpDir: '/tmp/fuzz', readFile: () => undefined });
const lintOf = (text: string) => {
  const r = lintPolicySource(text, { file: '/f/p.wsp', cwd: '/srv', homeDir: '/home/u', tmpDir: '/tmp/fuzz', readFile: () => undefined });
  return JSON.stringify([r.diagnostics.map((d) => `${d.code}:${d.message}`.replace(/line \d+/g, 'line N')).sort(), r.suppressed.map((s) => `${s.diagnostic.code}:${s.diagnostic.message}`.replace(/line \d+/g, 'line N')).sort()]);
};

it('fuzz: fmt is idempotent and keeps meaning, comments and lint results', () => {
  const runs = Number(process.env.FUZZ_RUNS ?? 5000);
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
  let accepted = 0;
  const refused = new Map<string, number>();
  try {
    fc.assert(
      fc.property(arb, (text) => {
        const f = formatPolicy(text, '/f/p.wsp');
        if (!f.ok) {
          refused.set(f.diagnostics[0]!.code, (refused.get(f.diagnostics[0]!.code) ?? 0) + 1);
          return;
        }
        accepted++;
        const g = formatPolicy(f.value, '/f/p.wsp');
        if (!g.ok || g.value !== f.value) throw new Error(`not idempotent:\n${JSON.stringify(text)}\n${f.value}\n---\n${g.ok ? g.value : 'refused'}`);
        const a = compile(text);
        const b = compile(f.value);
        if (JSON.stringify(a.manifest) !== JSON.stringify(b.manifest)) throw new Error(`manifest changed:\n${JSON.stringify(text)}`);
        if (a.diagnostics.map((d) => d.code).join() !== b.diagnostics.map((d) => d.code).join()) throw new Error(`diagnostics changed ${a.diagnostics.map((d) => d.code)} -> ${b.diagnostics.map((d) => d.code)}:\n${JSON.stringify(text)}`);
        const ca = parseCst(text, 'x').cst.comments.map((c) => c.text).join('\n');
        const cb = parseCst(f.value, 'x').cst.comments.map((c) => c.text).join('\n');
        if (ca !== cb) throw new Error(`comments changed:\n${JSON.stringify(text)}`);
        if (a.ok && lintOf(text) !== lintOf(f.value)) throw new Error(`lint changed:\n${JSON.stringify(text)}\n${lintOf(text)}\n${lintOf(f.value)}`);
      }),
      { numRuns: runs, seed },
    );
  } finally {
    console.log(`format fuzz: ${runs} inputs, seed ${seed}, ${accepted} accepted by fmt`, refused);
  }
});
