// The un-normalized manifest input: what the policy compiler (or an embedder's builder) produces
// before normalize() fills defaults, resolves the preset, makes paths absolute and sorts lists.
// Everything is optional; paths may be relative to the policy's base directory.
import type {
  AuditSettings,
  CpuLimits,
  CustomCapability,
  DeterministicClock,
  EnvironmentCapability,
  IoLimits,
  MemoryLimits,
  PortRange,
  ProcessCapability,
  RandomCapability,
  StackLimits,
  TimeLimits,
} from './types.js';

export type PresetName = 'minimal' | 'development';

export interface PreopenInput {
  /** Host directory, absolute or relative to the base directory. `$TMPDIR` names the host temp dir. */
  hostPath: string;
  /** Guest path; defaults to the cleaned absolute host path. */
  guestPath?: string;
  read?: boolean;
  write?: boolean;
  create?: boolean;
  delete?: boolean;
  maxFileSize?: number | null;
}

export interface ManifestInput {
  name?: string;
  /** Preset the input is laid over; `minimal` when absent. */
  preset?: PresetName;
  network?: {
    mode?: 'none' | 'restricted' | 'full';
    loopback?: boolean;
    hosts?: Array<{ host: string; ports?: PortRange[]; secure?: boolean }>;
    ports?: PortRange[];
  };
  filesystem?: { preopens?: PreopenInput[] };
  environment?: Partial<EnvironmentCapability>;
  process?: Partial<ProcessCapability>;
  time?: { mode?: 'read-only' | 'full'; deterministic?: DeterministicClock | null };
  random?: Partial<RandomCapability>;
  imports?: Array<{ module: string; name: string; requires?: string | null }>;
  custom?: CustomCapability[];
  limits?: {
    memory?: Partial<MemoryLimits>;
    cpu?: Partial<CpuLimits>;
    io?: Partial<IoLimits>;
    time?: Partial<TimeLimits>;
    fuel?: number | null;
    stack?: Partial<StackLimits>;
  };
  audit?: Partial<AuditSettings>;
}
