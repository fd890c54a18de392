// The built-in presets a manifest input is laid over (SPEC, "The capability and limit model").
// `minimal` spells out every default of the table, so it is also the source of every default
// that normalize() fills in; `development` lists only the areas where it differs from minimal,
// and is laid over minimal with the same merge rules as any `extends`.
import type { ManifestInput, PresetName } from './input.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The most restrictive preset: the defaults of SPEC's table. Complete: every field is given. */
const minimal: ManifestInput = {
  network: { mode: 'none', loopback: false, hosts: [], ports: [] },
  filesystem: { preopens: [] },
  environment: { mode: 'none', names: [] },
  process: { mode: 'none', commands: [] },
  time: { mode: 'read-only', deterministic: null },
  random: { mode: 'pseudo', seed: null },
  imports: [],
  custom: [],
  limits: {
    memory: {
      maxPages: 160,
      reservedPages: 16,
      maxGrowthPages: 10,
      maxTables: 1,
      maxTableElements: null,
      trapOnGrowFailure: false,
    },
    cpu: { maxExecutionMs: 5_000, usagePercent: 50, maxThreads: 1 },
    io: {
      maxOpenFiles: 10,
      readBytesPerSecond: 1 * MiB,
      writeBytesPerSecond: 1 * MiB,
      maxReadBytes: 10 * MiB,
      maxWriteBytes: 5 * MiB,
    },
    time: { maxTotalMs: 30_000, maxIdleMs: 5_000 },
    fuel: 10_000_000,
    stack: { maxDepth: null },
  },
  audit: { decisions: 'all' },
};

/**
 * Local development: loopback network; the base directory readable; the temp directory
 * writable (not readable: SPEC says write never implies read) with a 10 MiB file size cap,
 * create allowed and delete not; PATH, TEMP and TMP visible; the host's secure random source.
 */
const development: ManifestInput = {
  network: { mode: 'restricted', loopback: true },
  filesystem: {
    preopens: [
      { hostPath: '.', read: true },
      { hostPath: '$TMPDIR', write: true, create: true, delete: false, maxFileSize: 10 * MiB },
    ],
  },
  environment: { mode: 'allow', names: ['PATH', 'TEMP', 'TMP'] },
  random: { mode: 'secure', seed: null },
};

export const PRESET_NAMES: readonly PresetName[] = ['minimal', 'development'];

/** Built-in presets by name. Inputs, not manifests: normalize() resolves paths against the policy's base directory. */
export const PRESETS: Readonly<Record<PresetName, ManifestInput>> = deepFreeze({ minimal, development });

export function isPresetName(name: unknown): name is PresetName {
  return typeof name === 'string' && (PRESET_NAMES as readonly string[]).includes(name);
}

// INVARIANT: presets are shared by every caller, so they must not be mutable by any of them.
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
