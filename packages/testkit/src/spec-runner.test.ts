// The spec runner itself: on unmodified modules V8 must pass the whole core corpus, which also
// shows the runner compares values (NaN classes, v128 lanes, references) correctly.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSpecScript, type SpecScript } from './spec-runner.js';

const corpus = resolve(import.meta.dirname, '../../../../shared/corpora/spec-testsuite');

describe.skipIf(!existsSync(corpus))('spec runner on V8', () => {
  it('passes every runnable command of the core corpus on unmodified modules', async () => {
    const out = mkdtempSync(join(tmpdir(), 'wsbc-spec-'));
    const totals: Record<string, Record<string, number>> = {};
    const failures: string[] = [];
    for (const file of readdirSync(corpus).filter((f) => f.endsWith('.wast')).sort()) {
      const name = basename(file, '.wast');
      execFileSync('wast2json', [join(corpus, file), '-o', join(out, `${name}.json`)], { stdio: 'pipe' });
      const script = JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8')) as SpecScript;
      const report = await runSpecScript(script, (f) => readFileSync(join(out, f)));
      for (const [type, c] of Object.entries(report.counts)) {
        const t = (totals[type] ??= { pass: 0, fail: 0, skip: 0 });
        for (const k of ['pass', 'fail', 'skip'] as const) t[k]! += c[k];
      }
      for (const o of report.outcomes) if (o.status === 'fail') failures.push(`${name}:${o.line} ${o.type} ${o.detail}`);
    }
    console.log(JSON.stringify(totals));
    console.log(failures.slice(0, 60).join('\n'));
    expect(failures).toEqual([]);
    expect(totals["assert_return"]!.pass).toBeGreaterThan(40000);
  }, 600_000);
});
