// Semantics on the spec corpus: every module of the core test suite, instrumented with ample fuel,
// must behave on V8 exactly as the original does, command by command (same results, same trap
// messages, same exhaustion, same link and instantiation failures), and every invalid or malformed
// module must still be refused. A last pass runs the rewriter on every invalid or malformed binary
// with validation off: it must return a result (refusal or bytes), never throw.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertSpecCorpus, runSpecScript, specCorpusStatus, type SpecReport, type TransformResult } from '@wsbc/testkit';
import { describe, expect, it } from 'vitest';
import { HOOK_MODULE, OUT_OF_FUEL_HOOK } from '../src/abi.js';
import { instrument, type InstrumentOptions } from '../src/instrument.js';

const status = specCorpusStatus();
if (!status.ok) console.log(status.reason);
const AMPLE = 1n << 62n;

function transformWith(options: InstrumentOptions) {
  return (bytes: Uint8Array): TransformResult => {
    const r = instrument(bytes, options);
    if (!r.ok) return { ok: false, reason: r.diagnostics.map((d) => d.code).join(',') };
    const imports = { [HOOK_MODULE]: { [OUT_OF_FUEL_HOOK]: (counter: bigint) => counter + AMPLE } };
    return { ok: true, bytes: r.value.bytes, imports };
  };
}

const configs: Array<[string, InstrumentOptions]> = [
  ['fuel', { fuel: true }],
  ['fuel+memory guard+stack guard', { fuel: true, memory: { maxPages: 65536, maxGrowthPages: 65536, trapOnGrowFailure: false }, stackDepth: 1_000_000 }],
  ['fuel with a global counter, checks at loop headers', { fuel: true, counter: 'global', checks: 'loop' }],
];

describe.skipIf(!status.ok)('spec corpus semantics (../shared/corpora/spec-testsuite)', () => {
  const corpus = status.ok ? convertSpecCorpus() : { wastFiles: 0, scripts: [], failed: [], modules: [] };

  for (const [label, options] of configs) {
    it(`instrumented with ${label}, all 146 files behave as the originals`, async () => {
      expect(corpus.wastFiles).toBe(146);
      expect(corpus.failed).toEqual([]);
      const totals: Record<string, { same: number; differ: number }> = {};
      const differences: string[] = [];
      for (const { wast: file, dir, script } of corpus.scripts) {
        const read = (f: string): Uint8Array => readFileSync(join(dir, f));
        const original: SpecReport = await runSpecScript(script, read);
        const instrumented: SpecReport = await runSpecScript(script, read, { transform: transformWith(options) });
        original.outcomes.forEach((o, i) => {
          const n = instrumented.outcomes[i]!;
          const t = (totals[o.type] ??= { same: 0, differ: 0 });
          // Traps must keep their V8 message (same trap class); invalid modules need only be refused.
          const sameDetail = o.type === 'assert_trap' || o.type === 'assert_exhaustion' ? o.detail === n.detail : true;
          if (o.status === n.status && sameDetail) t.same++;
          else {
            t.differ++;
            differences.push(`${file}:${o.line} ${o.type}: original ${o.status} (${o.detail}) vs instrumented ${n.status} (${n.detail})`);
          }
        });
      }
      console.log(`spec corpus [${label}]: ${corpus.scripts.length} files; per command type (same/differ): ${Object.entries(totals).map(([k, v]) => `${k} ${v.same}/${v.differ}`).join(', ')}`);
      expect(differences.slice(0, 20)).toEqual([]);
    }, 900_000);
  }

  it('never throws on invalid or malformed binaries, even with validation off', () => {
    let refusedByRewriter = 0;
    let rewritten = 0;
    for (const m of corpus.modules) {
      if ((m.command !== 'assert_invalid' && m.command !== 'assert_malformed') || m.moduleType !== 'binary') continue;
      const r = instrument(readFileSync(m.path), { fuel: true, validate: false });
      if (r.ok) rewritten++;
      else {
        refusedByRewriter++;
        expect(r.diagnostics[0]!.code).toBe('instrument/invalid-module');
      }
    }
    console.log(`invalid/malformed binaries with validation off: ${refusedByRewriter} refused by the rewriter's own checks, ${rewritten} rewritten (left to validation)`);
    expect(refusedByRewriter + rewritten).toBeGreaterThan(2000);
  });
});
