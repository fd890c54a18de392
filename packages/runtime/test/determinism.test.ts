// Replayable runs: a deterministic clock, a seeded PRNG and a fixed fuel budget give the same
// output and the same audit log, byte for byte, run after run. Also validates every audit record
// produced across the suite's scenarios against the published JSON Schema.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { BRANCH_HINT_SECTION, instrument } from '@wsbc/instrumenter';
import { AUDIT_RECORD_SCHEMA, instrumentStep, type AuditRecord, type PrepareStep } from '@wsbc/runtime';
import { manifest, runCaptured, tempDir } from './helpers.js';

const wasm = (name: string) => path.join(import.meta.dirname, 'conformance/wasm', `${name}.wasm`);

describe('determinism', () => {
  it('gives identical output and audit log with seeded random, a deterministic clock and fixed fuel', async () => {
    const policy = manifest({
      random: { mode: 'pseudo', seed: 1234 },
      time: { deterministic: { startMs: 1_700_000_000_000, stepNs: 1000 } },
      environment: { mode: 'allow', names: ['PRINT_TIME'] },
      // Throttling is decided by the wall clock; replayable audit logs need no time-based limit to intervene.
      limits: { fuel: 5_000_000, cpu: { usagePercent: 100 }, io: { readBytesPerSecond: null, writeBytesPerSecond: null } },
    });
    const once = () => runCaptured(wasm('clock_random'), policy, { prepare: [instrumentStep()], envOverrides: { PRINT_TIME: '1' } });
    const a = await once();
    const b = await once();
    expect(a.result.status).toBe(0);
    expect(a.stdout).toMatch(/^getres: 1\nslept at least 20ms: 1\nrealtime after 2001: 1\ncputime: 1\nrandom:( [0-9a-f]{2}){8}\ntime: 0\.0000\d{5}\n$/);
    expect(b.stdout).toBe(a.stdout);
    expect(JSON.stringify(b.audit)).toBe(JSON.stringify(a.audit));
    expect(a.audit.every((r) => r.t === null)).toBe(true);
    expect(b.result.fuelUsed).toBe(a.result.fuelUsed);
    // A different seed changes the random bytes and nothing else.
    const other = await runCaptured(wasm('clock_random'), manifest({ ...policy, random: { mode: 'pseudo', seed: 99 } }), { prepare: [instrumentStep()], envOverrides: { PRINT_TIME: '1' } });
    expect(other.stdout).not.toBe(a.stdout);
    expect(other.stdout.replace(/random:.*\n/, '')).toBe(a.stdout.replace(/random:.*\n/, ''));
  });

  it('runs modules with branch hints (V8 reads them under a flag run() sets) to the same output and fuel', async () => {
    const policy = manifest({ random: { mode: 'pseudo', seed: 7 }, limits: { fuel: 50_000_000 } });
    let hinted = 0;
    const withoutHints: PrepareStep = {
      name: 'instrument without hints',
      async apply(bytes, m) {
        const r = instrument(bytes, { manifest: m, fuel: true, branchHints: false });
        return r.ok ? { ok: true, bytes: r.value.bytes, diagnostics: [] } : { ok: false, diagnostics: r.diagnostics };
      },
    };
    const counting: PrepareStep = {
      name: 'count hint sections',
      async apply(bytes) {
        hinted += WebAssembly.Module.customSections(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), BRANCH_HINT_SECTION).length;
        return { ok: true, bytes, diagnostics: [] };
      },
    };
    for (const name of ['clock_random', 'hello', 'spin']) {
      const a = await runCaptured(wasm(name), policy, { prepare: [instrumentStep(), counting] });
      const b = await runCaptured(wasm(name), policy, { prepare: [withoutHints] });
      expect(a.result.status, name).toBe(b.result.status);
      expect(a.stdout, name).toBe(b.stdout);
      expect(a.result.fuelUsed, name).toBe(b.result.fuelUsed);
    }
    expect(hinted).toBe(3);
  });

  it('logs the fresh seed of an unseeded pseudo-random run so it can be replayed', async () => {
    const first = await runCaptured(wasm('clock_random'), manifest({ random: { mode: 'pseudo', seed: null } }));
    const seed = first.result.randomSeed;
    expect(first.audit[0]).toMatchObject({ type: 'lifecycle', event: 'start', detail: { randomSeed: seed } });
    const replay = await runCaptured(wasm('clock_random'), manifest({ random: { mode: 'pseudo', seed } }));
    expect(replay.stdout.match(/random:.*/)![0]).toBe(first.stdout.match(/random:.*/)![0]);
  });
});

describe('audit levels', () => {
  it('logs only denials with `audit denied`, and no decisions with `audit none`, but always limits and lifecycle', async () => {
    const dir = tempDir();
    const base = {
      filesystem: { preopens: [{ hostPath: dir, guestPath: '/data', read: true, write: true, create: true, delete: true }] },
      limits: { io: { maxOpenFiles: 3 } },
    };
    const denied = await runCaptured(wasm('openfiles'), manifest({ ...base, audit: { decisions: 'denied' } }));
    const decisions = denied.audit.filter((r) => r.type === 'decision');
    expect(decisions.length).toBeGreaterThan(0);
    expect(decisions.every((r) => r.type === 'decision' && r.outcome === 'denied')).toBe(true);
    expect(denied.audit.some((r) => r.type === 'limit' && r.limit === 'open-files')).toBe(true);
    const none = await runCaptured(wasm('openfiles'), manifest({ ...base, audit: { decisions: 'none' } }));
    expect(none.audit.filter((r) => r.type === 'decision')).toEqual([]);
    expect(none.audit.map((r) => r.type)).toEqual(['lifecycle', 'lifecycle', 'limit', 'lifecycle']);
  });
});

describe('audit log schema', () => {
  it('validates every record of allowed, denied, limit and lifecycle events against AUDIT_RECORD_SCHEMA', async () => {
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
    const validate = ajv.compile(AUDIT_RECORD_SCHEMA);
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'data'));
    const rw = { hostPath: path.join(dir, 'data'), guestPath: '/data', read: true, write: true, create: true, delete: true };
    const records: AuditRecord[] = [];
    const scenarios: Array<[string, Parameters<typeof manifest>[0], string[]]> = [
      ['files', { filesystem: { preopens: [rw] }, time: { mode: 'full' } }, []],
      ['clock_random', { random: { mode: 'none' } }, []],
      ['openfiles', { filesystem: { preopens: [rw] }, limits: { io: { maxOpenFiles: 3 } } }, []],
      ['spin', { limits: { time: { maxTotalMs: 200 } } }, []],
      ['hello', { environment: { mode: 'deny', names: ['X'] } }, []],
    ];
    for (const [name, input, args] of scenarios) {
      const { audit } = await runCaptured(wasm(name), manifest(input), { args, env: { X: '1', Y: '2' }, envOverrides: { X: '3' } });
      records.push(...audit);
    }
    const types = new Set(records.map((r) => r.type));
    expect([...types].sort()).toEqual(['decision', 'lifecycle', 'limit']);
    expect(records.some((r) => r.type === 'decision' && r.outcome === 'allowed')).toBe(true);
    expect(records.some((r) => r.type === 'decision' && r.outcome === 'denied')).toBe(true);
    for (const record of records) {
      const ok = validate(record);
      expect(ok, `${JSON.stringify(record)}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
    // And the schema rejects records that break it.
    expect(validate({ v: 1, seq: 0, t: 0, type: 'decision', capability: 'filesystem', op: 'x', outcome: 'maybe' })).toBe(false);
    expect(validate({ v: 1, seq: -1, t: null, type: 'lifecycle', event: 'start' })).toBe(false);
  });
});
