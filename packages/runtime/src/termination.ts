// Exit statuses of a sandboxed run (`wsbc run` and run()). The guest's own exit code is passed
// through; sandbox terminations use the distinct codes below. Caveat: a guest may itself exit
// with one of these numbers (proc_exit(124..139)); the run result's `termination` field, the
// audit log and the one-line reason on stderr tell the two apart.
import type { LimitName } from './audit.js';

export enum RunStatus {
  /** The guest ran to completion (exit code 0). */
  Success = 0,
  /** Wall-clock total time exceeded. */
  TotalTimeout = 124,
  /** The run was refused before the guest started: bad input, policy error, module refused. */
  Refused = 125,
  /** The guest trapped (unreachable, out-of-bounds access, stack overflow, ...). */
  Trap = 134,
  /** The fuel budget ran out. */
  FuelExhausted = 135,
  /** The guest stayed blocked in host calls longer than the idle limit. */
  IdleTimeout = 136,
  /** The guest reached the memory limit. */
  MemoryLimit = 137,
  /** Total bytes read or written exceeded the I/O quota. */
  IoQuota = 138,
  /** Guest compute time exceeded the CPU time limit. */
  CpuTimeLimit = 139,
  /**
   * The run was ended from outside: RunOptions.signal was aborted (`wsbc run`: Ctrl-C). 128 + 2,
   * what a shell reports for SIGINT; an abort reason with its own `status` (SIGTERM's 143) wins.
   */
  Interrupted = 130,
}

/** How a run ended: `exit` when the guest chose its status, anything else is a sandbox decision. */
export type TerminationKind =
  | 'exit' | 'total-timeout' | 'refused' | 'trap' | 'fuel' | 'idle-timeout' | 'memory' | 'io-quota' | 'cpu-time' | 'interrupted';

export const STATUS_OF_KIND: Readonly<Record<Exclude<TerminationKind, 'exit'>, RunStatus>> = {
  'total-timeout': RunStatus.TotalTimeout,
  refused: RunStatus.Refused,
  trap: RunStatus.Trap,
  fuel: RunStatus.FuelExhausted,
  'idle-timeout': RunStatus.IdleTimeout,
  memory: RunStatus.MemoryLimit,
  'io-quota': RunStatus.IoQuota,
  'cpu-time': RunStatus.CpuTimeLimit,
  interrupted: RunStatus.Interrupted,
};

/** A sandbox termination raised inside the guest's thread; unwinds the guest and is never a host crash. */
export class SandboxTermination extends Error {
  constructor(readonly kind: Exclude<TerminationKind, 'exit'>, readonly reason: string, readonly limit: LimitName | null = null) {
    super(reason);
  }
  get status(): RunStatus {
    return STATUS_OF_KIND[this.kind];
  }
}

/** proc_exit: unwinds the guest with its exit code. */
export class GuestExit extends Error {
  constructor(readonly code: number) {
    super(`guest exited with ${code}`);
  }
}
