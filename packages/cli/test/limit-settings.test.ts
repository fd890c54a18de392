// The one-line reason of a run a limit ended names where that limit is set (the runtime's
// LIMIT_SOURCES). Each named policy setting must exist in the policy language and set the
// manifest field the runtime enforces for that limit: a hint naming a setting that does not
// exist, or another one, would send the reader the wrong way.
import { compilePolicySource } from '@wsbc/policy-dsl';
import { LIMIT_SOURCES, type LimitName } from '@wsbc/runtime';
import type { Manifest } from '@wsbc/manifest';
import { describe, expect, it } from 'vitest';

/** For each limit: the policy text that sets it, and the manifest field the runtime reads for it. */
const CASES: Record<Exclude<LimitName, 'audit-records'>, { policy: string; field: (m: Manifest) => unknown; value: unknown }> = {
  fuel: { policy: 'limits { fuel 1234 }', field: (m) => m.limits.fuel, value: 1234 },
  'total-time': { policy: 'limits { time total 7s }', field: (m) => m.limits.time.maxTotalMs, value: 7000 },
  'idle-time': { policy: 'limits { time idle 3s }', field: (m) => m.limits.time.maxIdleMs, value: 3000 },
  'cpu-time': { policy: 'limits { cpu time 2s }', field: (m) => m.limits.cpu.maxExecutionMs, value: 2000 },
  'cpu-usage': { policy: 'limits { cpu usage 30% }', field: (m) => m.limits.cpu.usagePercent, value: 30 },
  memory: { policy: 'limits { memory max 200 pages }', field: (m) => m.limits.memory.maxPages, value: 200 },
  'open-files': { policy: 'limits { io open-files 4 }', field: (m) => m.limits.io.maxOpenFiles, value: 4 },
  'read-bytes': { policy: 'limits { io total-read 3KiB }', field: (m) => m.limits.io.maxReadBytes, value: 3072 },
  'write-bytes': { policy: 'limits { io total-write 5KiB }', field: (m) => m.limits.io.maxWriteBytes, value: 5120 },
  'read-rate': { policy: 'limits { io read 2KiB/s }', field: (m) => m.limits.io.readBytesPerSecond, value: 2048 },
  'write-rate': { policy: 'limits { io write 6KiB/s }', field: (m) => m.limits.io.writeBytesPerSecond, value: 6144 },
  threads: { policy: 'limits { cpu threads 3 }', field: (m) => m.limits.cpu.maxThreads, value: 3 },
  'file-size': { policy: 'filesystem { write "./out" as "/out" max-file-size 9KiB }', field: (m) => m.filesystem.preopens[0]?.maxFileSize, value: 9216 },
};

describe('where the termination line says a limit is set', () => {
  it('covers every limit', () => {
    expect(Object.keys(LIMIT_SOURCES).sort()).toEqual([...Object.keys(CASES), 'audit-records'].sort());
  });

  for (const [limit, c] of Object.entries(CASES) as Array<[keyof typeof CASES, (typeof CASES)[keyof typeof CASES]]>) {
    it(`${limit}: the setting it names is the one that sets the enforced field`, () => {
      const named = LIMIT_SOURCES[limit];
      // The setting's words, as the hint spells them, appear in the policy text that sets it.
      const words = /`limits \{ ([a-z-]+(?: [a-z-]+)?) \}`/.exec(named)?.[1] ?? /`([a-z-]+)`/.exec(named)?.[1];
      expect(words, named).toBeDefined();
      expect(c.policy).toContain(words!);
      const compiled = compilePolicySource(`policy "p" extends minimal {\n  ${c.policy}\n}\n`, { file: 'p.wsp', baseDir: '/tmp' });
      expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(c.field(compiled.manifest!)).toBe(c.value);
    });
  }

  it('audit-records: names the run option and the CLI flag that set it', () => {
    expect(LIMIT_SOURCES['audit-records']).toContain('--audit-max-records');
    expect(LIMIT_SOURCES['audit-records']).toContain('auditMaxRecords');
  });
});
