// Public API of @wsbc/runtime: run() (level 1), the sandbox() builder (level 2), and for full
// control (level 3) the WASI implementation, host-function and audit-sink types, steps and
// statuses. See docs/runtime.md.
export { run, visibleEnvironment, hostFunctionsUrl, DEFAULT_AUDIT_MAX_RECORDS } from './run.js';
export { prewarm } from './worker-pool.js';
export { WorkerScriptError } from './worker-script.js';
export type { RunOptions, RunResult, OutputSink, PrepareStep, PrepareResult } from './run.js';
export { sandbox, SandboxBuilder, SandboxBuildError } from './builder.js';
export { instrumentStep } from './steps.js';
export { RunStatus, STATUS_OF_KIND, SandboxTermination, GuestExit } from './termination.js';
export { terminationLine } from './termination-line.js';
export type { TerminationKind } from './termination.js';
export { AUDIT_RECORD_SCHEMA, AUDIT_SCHEMA_VERSION, LIMIT_SOURCES, openAuditSink } from './audit.js';
export type {
  AuditRecord, AuditDraft, AuditOption, AuditSink, DecisionRecord, LimitRecord, LifecycleRecord, Capability, LimitName,
} from './audit.js';
export { runGuest } from './guest.js';
export { guardAtomicWaits, atomicWaitKeepsLocals } from './atomic-wait-probe.js';
export type { HostFunction, HostCallContext, GuestConfig, GuestOutcome, FuelAbi } from './guest.js';
export { WasiPreview1, preopenRights } from './wasi/preview1.js';
export type { WasiOptions } from './wasi/preview1.js';
export { Errno, ERRNO_NAMES, errnoName } from './wasi/errno.js';
export { Rights, Filetype } from './wasi/abi.js';
export {
  RunMeter, HostClock, DeterministicGuestClock, SeededRandom, SecureRandom,
} from './wasi/services.js';
export type { StdioBridge, GuestClock, RandomSource } from './wasi/services.js';
export { GuestMemory } from './wasi/memory.js';
export { readModuleShape, tightenMemoryMaxima, ModuleFormatError } from './module-shape.js';
export { listenAllowed } from './socket-host.js';
export type { SocketBridge } from './socket-channel.js';
