// The spec runner itself: on unmodified modules V8 must pass every runnable command of the core
// corpus, which also shows the runner compares values (NaN classes, v128 lanes, references).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertSpecCorpus, specCorpusStatus } from './spec-corpus.js';
import { runSpecScript, type SpecReport } from './spec-runner.js';

const status = specCorpusStatus();
if (!status.ok) console.log(status.reason);

describe.skipIf(!status.ok)('spec runner on V8', () => {
  it('passes every runnable command of the core corpus on unmodified modules', async () => {
    const corpus = convertSpecCorpus();
    const totals: SpecReport['counts'] = {};
    const failures: string[] = [];
    for (const { wast, dir, script } of corpus.scripts) {
      const report = await runSpecScript(script, (f) => readFileSync(join(dir, f)));
      for (const [type, c] of Object.entries(report.counts)) {
        const t = (totals[type] ??= { pass: 0, fail: 0, skip: 0 });
        for (const k of ['pass', 'fail', 'skip'] as const) t[k] += c[k];
      }
      for (const o of report.outcomes) if (o.status === 'fail') failures.push(`${wast}:${o.line} ${o.type} ${o.detail}`);
    }
    console.log(`spec runner on unmodified modules: ${JSON.stringify(totals)}`);
    expect(failures).toEqual([]);
    expect(totals['assert_return']!.pass).toBeGreaterThan(40000);
    // Only text-format assert_malformed commands are skipped (the runner is about binaries).
    expect(Object.entries(totals).filter(([type, t]) => t.skip > 0 && type !== 'assert_malformed')).toEqual([]);
  }, 600_000);

  it('reports a wrong result, a missing trap and a refused module as failures', async () => {
    const corpus = convertSpecCorpus();
    const i32 = corpus.scripts.find((s) => s.wast === 'i32.wast')!;
    const tampered = structuredClone(i32.script);
    const ret = tampered.commands.find((c) => c.type === 'assert_return')!;
    ret.expected = [{ type: 'i32', value: '12345' }];
    const trap = tampered.commands.find((c) => c.type === 'assert_trap')!;
    trap.action = ret.action!;
    const report = await runSpecScript(tampered, (f) => readFileSync(join(i32.dir, f)), {
      transform: (bytes, info) => (info.expect === 'module' ? { ok: true, bytes } : { ok: false, reason: 'refused for the test' }),
    });
    const byLine = new Map(report.outcomes.map((o) => [o.line, o]));
    expect(byLine.get(ret.line)!.status).toBe('fail');
    expect(byLine.get(trap.line)!.status).toBe('fail');
    // assert_invalid modules refused by the transform count as refused (pass).
    expect(report.counts['assert_invalid']!.fail).toBe(0);
  }, 600_000);
});
