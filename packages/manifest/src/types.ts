// The normalized capability manifest: the contract between the policy compiler (which produces
// it), the analyzer and instrumenter (which check and enforce it statically) and the runtime
// (which enforces it on every call). Every field is present in a normalized manifest; all
// quantities are in base units (bytes, pages, milliseconds, instructions, percent).
//
// The JSON Schema in ../schema/manifest.schema.json describes exactly this shape.

export const MANIFEST_VERSION = 1 as const;

export interface Manifest {
  /** Schema version of the manifest format. */
  version: typeof MANIFEST_VERSION;
  /** Policy name (from `policy "name"`), or "" for anonymous policies. */
  name: string;
  network: NetworkCapability;
  filesystem: FilesystemCapability;
  environment: EnvironmentCapability;
  process: ProcessCapability;
  time: TimeCapability;
  random: RandomCapability;
  /** Extra host imports the module may use beyond WASI, sorted by (module, name). */
  imports: HostImportGrant[];
  /** Named custom capabilities, sorted by name. */
  custom: CustomCapability[];
  limits: Limits;
  audit: AuditSettings;
}

// ---------------------------------------------------------------- network

export interface PortRange {
  /** Inclusive, 0..65535. */
  from: number;
  /** Inclusive, from..65535. */
  to: number;
}

export interface HostGrant {
  /**
   * Lower-cased host name, IP literal, or a `*.suffix` pattern (matches subdomains only,
   * never `suffix` itself). Exact match otherwise.
   */
  host: string;
  /** Allowed ports, merged and sorted; empty means every port. */
  ports: PortRange[];
  /** Connection must use TLS. */
  secure: boolean;
}

export interface NetworkCapability {
  /** `none`: no sockets. `restricted`: only what the lists allow. `full`: anything. */
  mode: 'none' | 'restricted' | 'full';
  /** Loopback addresses (127.0.0.0/8, ::1, localhost) on any port. Always true when mode is `full`. */
  loopback: boolean;
  /** Sorted by host, then secure; one entry per (host, secure). Empty unless mode is `restricted`. */
  hosts: HostGrant[];
  /** Ports allowed on any host, merged and sorted. Empty unless mode is `restricted`. */
  ports: PortRange[];
}

// ---------------------------------------------------------------- filesystem

export interface Preopen {
  /** Absolute, cleaned host directory. */
  hostPath: string;
  /** Absolute, cleaned guest path (WASI preopen name). Defaults to the host path. */
  guestPath: string;
  read: boolean;
  write: boolean;
  /** May create files and directories (requires write). */
  create: boolean;
  /** May remove files and directories (requires write). */
  delete: boolean;
  /** Largest size a file in this directory may reach through writes, in bytes; null = unbounded. Null when write is false. */
  maxFileSize: number | null;
}

export interface FilesystemCapability {
  /** One entry per guest path, sorted by guestPath. */
  preopens: Preopen[];
}

// ---------------------------------------------------------------- environment, process

export interface EnvironmentCapability {
  /** `allow`: only `names` are visible. `deny`: all but `names`. */
  mode: 'none' | 'allow' | 'deny' | 'full';
  /** Sorted, de-duplicated; empty unless mode is allow or deny. */
  names: string[];
}

export interface ProcessCapability {
  mode: 'none' | 'allow' | 'full';
  /** Sorted, de-duplicated command names; empty unless mode is allow. */
  commands: string[];
}

// ---------------------------------------------------------------- time, random

export interface DeterministicClock {
  /** Realtime clock value at start, in milliseconds since the Unix epoch. */
  startMs: number;
  /** Amount every clock read advances the clock, in nanoseconds. */
  stepNs: number;
}

export interface TimeCapability {
  /** `read-only`: clocks can be read. `full`: may also set file timestamps. */
  mode: 'read-only' | 'full';
  /** When set, clocks are virtual and replayable instead of the host's. */
  deterministic: DeterministicClock | null;
}

export interface RandomCapability {
  /** `none`: random_get fails. `pseudo`: seeded PRNG. `secure`: host CSPRNG. */
  mode: 'none' | 'pseudo' | 'secure';
  /** Seed for `pseudo` (0..2^32-1); null = a fresh seed per run. Always null otherwise. */
  seed: number | null;
}

// ---------------------------------------------------------------- imports, custom

export interface HostImportGrant {
  module: string;
  /** Import field name, or `*` for every function of the module. */
  name: string;
  /** Name of a custom capability that must be granted (truthy) for this import, or null. */
  requires: string | null;
}

export type CustomCapability =
  | { name: string; type: 'boolean'; value: boolean }
  | { name: string; type: 'number'; value: number; min: number | null; max: number | null }
  | { name: string; type: 'string'; value: string }
  | { name: string; type: 'string-list'; value: string[] };

// ---------------------------------------------------------------- limits

export interface MemoryLimits {
  /** Most 64 KiB pages any memory may reach. */
  maxPages: number;
  /** Least initial pages the runtime provides to a module that imports its memory. */
  reservedPages: number;
  /** Most pages one memory.grow may add. */
  maxGrowthPages: number;
  /** Most tables a module may define or import. */
  maxTables: number;
  /** Most elements any table may reach; null = unbounded (engine limit). */
  maxTableElements: number | null;
  /** A refused memory.grow traps instead of returning -1. */
  trapOnGrowFailure: boolean;
}

export interface CpuLimits {
  /** Guest compute time, in milliseconds. */
  maxExecutionMs: number;
  /** Share of one core the guest may use, 1..100 percent. */
  usagePercent: number;
  maxThreads: number;
}

export interface IoLimits {
  maxOpenFiles: number;
  /** Bytes per second; null = unthrottled. */
  readBytesPerSecond: number | null;
  writeBytesPerSecond: number | null;
  /** Total bytes over the run; null = unbounded. */
  maxReadBytes: number | null;
  maxWriteBytes: number | null;
}

export interface TimeLimits {
  /** Wall-clock time of the whole run, in milliseconds. */
  maxTotalMs: number;
  /** Wall-clock time blocked in host calls, in milliseconds. */
  maxIdleMs: number;
}

export interface StackLimits {
  /** Most nested guest calls; null = engine default (no injected guard). */
  maxDepth: number | null;
}

export interface Limits {
  memory: MemoryLimits;
  cpu: CpuLimits;
  io: IoLimits;
  time: TimeLimits;
  /** Instruction budget; null = unlimited. */
  fuel: number | null;
  stack: StackLimits;
}

// ---------------------------------------------------------------- audit

export interface AuditSettings {
  /** Which capability decisions are logged. Limit hits and lifecycle events are always logged. */
  decisions: 'all' | 'denied' | 'none';
}
