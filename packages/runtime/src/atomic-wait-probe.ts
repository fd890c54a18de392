/// <reference lib="dom" />
// An engine bug that wasi-threads guests hit: V8 11.3 (Node 20) compiles, in its baseline tier
// (Liftoff), code that loses a local's value across `memory.atomic.wait32/64` inside a loop (the
// low 32 bits read back as 0; its optimising tier is right). Guests that wait in a loop (every
// mutex and condition variable of wasi-libc's pthreads) would compute with corrupted locals, and
// the instrumenter's cached fuel counter is such a local: every wait in a loop threw away the rest
// of a fuel slice (5 waits used 5,000,059 fuel; 20 ended a 10 M budget).
//
// Rather than trusting a version number, the runtime asks the engine: before compiling a module
// with a shared memory (the only kind atomic waits do not trap on), it runs a 105-byte probe that
// counts down a local around one 1 us wait in a loop. Where the count comes back wrong, it turns
// Liftoff off for the process (`--no-liftoff`, a process-wide V8 flag: modules compiled from then
// on go straight to the optimising tier), once, and checks again. (V8 keeps compiled modules by
// their bytes: a module compiled in this process before the change keeps its baseline code.)
import { createRequire } from 'node:module';

/**
 * `(func (export "probe") (param i64) (result i64))` on an imported 1-page shared memory: takes
 * x, subtracts 8 per pass of a loop whose first pass waits 1 us on a zeroed cell (timing out) and
 * sets it, and returns the local: x - 16 when locals survive the wait.
 */
const PROBE = Uint8Array.from(Buffer.from(
  '0061736d0100000001060160017e017e02100103656e76066d656d6f727902030101030201000709010570726f626500000a36013401017e200021010340200142087d21014100fe1002004504404100410042e807fe0102001a41004101fe1702000c010b0b20010b',
  'hex',
));
const START = 1_000_000n;

let probes = 0;

/** Whether code this engine compiles now keeps locals across an atomic wait in a loop. */
export function atomicWaitKeepsLocals(): boolean {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
  // A custom section numbering the probe: V8 caches compiled modules by their bytes, and a probe
  // compiled again from the same bytes would run the code compiled under the old flags.
  const n = probes++ & 0x7f;
  const bytes = Uint8Array.from([...PROBE, 0, 3, 1, 0x70, n]);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  return (instance.exports['probe'] as (x: bigint) => bigint)(START) === START - 16n;
}

let firstProbe: boolean | undefined;
let outcome: 'sound' | 'liftoff-off' | 'unsound' | undefined;

/** Whether guardAtomicWaits() is going to change a V8 flag (probes once per process). */
export function atomicWaitGuardPending(): boolean {
  firstProbe ??= atomicWaitKeepsLocals();
  return !firstProbe && outcome === undefined;
}

/**
 * Makes the engine compile atomic waits soundly for modules compiled after it returns: probes
 * (once per process) and, where the baseline tier is wrong, turns it off. Returns what it found:
 * `sound` (nothing to do), `liftoff-off` (the flag fixed it) or `unsound` (it did not; the run
 * goes on, as on any engine with such a bug). run() calls it before compiling a module with a
 * shared memory; embedders that compile modules for runGuest() themselves call it first.
 */
export function guardAtomicWaits(): 'sound' | 'liftoff-off' | 'unsound' {
  if (outcome !== undefined) return outcome;
  firstProbe ??= atomicWaitKeepsLocals();
  if (firstProbe) {
    outcome = 'sound';
  } else {
    const v8 = createRequire(import.meta.url)('node:v8') as typeof import('node:v8');
    v8.setFlagsFromString('--no-liftoff');
    outcome = atomicWaitKeepsLocals() ? 'liftoff-off' : 'unsound';
  }
  return outcome;
}
