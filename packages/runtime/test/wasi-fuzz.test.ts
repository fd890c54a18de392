// Adversarial property test: every WASI function of both namespaces, called with arbitrary
// i32/i64 arguments (pointers anywhere, huge lengths, negative values, bad fds), returns an errno
// and never raises a host exception; only proc_exit/proc_raise may unwind, with our own types.
// Runs the WASI in this thread (no worker) against a real preopen, with fast-check.
/// <reference lib="dom" />
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERRNO_NAMES, GuestExit, RunMeter, SandboxTermination, SeededRandom, DeterministicGuestClock, WasiPreview1 } from '@wsbc/runtime';
import { manifest, tempDir } from './helpers.js';

// Parameter kinds per function, from the witx signatures: 'i' = i32, 'I' = i64.
const SIGNATURES: Record<string, string> = {
  args_get: 'ii', args_sizes_get: 'ii', environ_get: 'ii', environ_sizes_get: 'ii', clock_res_get: 'ii',
  clock_time_get: 'iIi', fd_advise: 'iIIi', fd_allocate: 'iII', fd_close: 'i', fd_datasync: 'i', fd_fdstat_get: 'ii',
  fd_fdstat_set_flags: 'ii', fd_fdstat_set_rights: 'iII', fd_filestat_get: 'ii', fd_filestat_set_size: 'iI',
  fd_filestat_set_times: 'iIIi', fd_pread: 'iiiIi', fd_prestat_get: 'ii', fd_prestat_dir_name: 'iii', fd_pwrite: 'iiiIi',
  fd_read: 'iiii', fd_readdir: 'iiiIi', fd_renumber: 'ii', fd_seek: 'iIii', fd_sync: 'i', fd_tell: 'ii', fd_write: 'iiii',
  path_create_directory: 'iii', path_filestat_get: 'iiiii', path_filestat_set_times: 'iiiiIIi', path_link: 'iiiiiii',
  path_open: 'iiiiiIIii', path_readlink: 'iiiiii', path_remove_directory: 'iii', path_rename: 'iiiiii', path_symlink: 'iiiii',
  path_unlink_file: 'iii', poll_oneoff: 'iiii', proc_exit: 'i', proc_raise: 'i', sched_yield: '', random_get: 'ii',
  sock_accept: 'iii', sock_recv: 'iiiiii', sock_send: 'iiiii', sock_shutdown: 'ii',
};

function makeWasi(dir: string) {
  const policy = manifest({
    filesystem: { preopens: [{ hostPath: dir, guestPath: '/data', read: true, write: true, create: true, delete: true, maxFileSize: 1 << 20 }] },
    random: { mode: 'pseudo', seed: 1 },
    time: { mode: 'full', deterministic: { startMs: 0, stepNs: 1 } },
    limits: { io: { readBytesPerSecond: null, writeBytesPerSecond: null }, time: { maxIdleMs: 50 } },
  });
  const wasi = new WasiPreview1({
    manifest: policy, args: ['fuzz', 'x'], env: [['A', 'b']],
    stdio: { readStdin: () => new Uint8Array(0), waitStdin: () => true, write: () => undefined },
    meter: new RunMeter(policy.limits, () => undefined), clock: new DeterministicGuestClock({ startMs: 0, stepNs: 1 }),
    random: new SeededRandom(1), audit: () => undefined,
  });
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
  wasi.memory.attach(memory);
  return { wasi, memory };
}

describe('WASI under arbitrary arguments', () => {
  it('covers every function of both namespaces', () => {
    const dir = tempDir();
    const { wasi } = makeWasi(dir);
    const imports = wasi.imports();
    expect(Object.keys(imports.wasi_snapshot_preview1).sort()).toEqual(Object.keys(SIGNATURES).sort());
    expect(Object.keys(imports.wasi_unstable).sort()).toEqual(Object.keys(SIGNATURES).filter((n) => n !== 'sock_accept').sort());
    wasi.close();
  });

  const runs = Number(process.env.WSBC_FUZZ_RUNS ?? 300);
  // About 31 s for 300 runs on an idle two-core machine; the limit only catches a hang, with room
  // for a machine busy with every other package's tests (one trial took 65 s).
  it('returns an errno and never throws a host exception, whatever the arguments', { timeout: Math.max(180_000, runs * 600) }, () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'file'), 'content');
    const interesting32 = fc.oneof(
      fc.integer({ min: -5, max: 70 }),
      fc.constantFrom(0, 1, 3, 4, 0x7fffffff, -1, 0x80000000 | 0, 65532, 65535, 65536, 131072, 1024, 1025),
      fc.integer(),
    );
    const interesting64 = fc.oneof(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), fc.constantFrom(0n, 1n, -1n, 1n << 62n, 4096n));
    const names = Object.keys(SIGNATURES).filter((n) => n !== 'proc_exit');
    const outcomes = new Map<number, number>();
    const call = fc.tuple(fc.constantFrom(...names), fc.array(interesting32, { minLength: 9, maxLength: 9 }), fc.array(interesting64, { minLength: 3, maxLength: 3 }), fc.constantFrom('wasi_snapshot_preview1', 'wasi_unstable'));
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 30 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), (calls, seedBytes) => {
        const { wasi, memory } = makeWasi(dir);
        // Plant plausible strings and iovecs so that some calls get past the pointer checks.
        const bytes = new Uint8Array(memory.buffer);
        bytes.set(seedBytes, 0);
        bytes.set(new TextEncoder().encode('file\0sub\0../x\0/etc\0'), 1024);
        try {
          for (const [name, ints, longs, ns] of calls) {
            if (ns === 'wasi_unstable' && name === 'sock_accept') continue;
            const fn = wasi.imports()[ns as 'wasi_unstable'][name]!;
            let i = 0;
            let l = 0;
            const args = [...SIGNATURES[name]!].map((k) => (k === 'i' ? ints[i++]! : longs[l++]!));
            let result: unknown;
            try {
              result = fn(...args);
            } catch (error) {
              if (error instanceof GuestExit || error instanceof SandboxTermination) continue;
              throw error;
            }
            expect(typeof result).toBe('number');
            expect(result as number).toBeGreaterThanOrEqual(0);
            expect(result as number).toBeLessThan(ERRNO_NAMES.length);
            outcomes.set(result as number, (outcomes.get(result as number) ?? 0) + 1);
          }
        } finally {
          wasi.close();
        }
        // Nothing escaped the preopen.
        for (const entry of fs.readdirSync(path.dirname(dir))) expect(entry.startsWith('..')).toBe(false);
      }),
      // WSBC_FUZZ_RUNS raises the count for a long run (`WSBC_FUZZ_RUNS=100000 npx vitest run test/wasi-fuzz.test.ts`).
      { numRuns: runs, seed: Number(process.env.WSBC_FUZZ_SEED ?? 20261124) },
    );
    // The calls got past the pointer checks often enough to succeed and to fail in many ways.
    expect(outcomes.get(0)).toBeGreaterThan(50);
    expect(outcomes.size).toBeGreaterThan(5);
  });
});
