// The vocabulary of the policy language as data: block names, the words valid in each position,
// and every limit setting with its dimension and allowed range. The lowering reads names from
// here (and suggests the closest on a typo), the checker reads ranges, the compiler reads the
// manifest field each setting fills, and the docs table is checked against it in a test.
import type { Dimension, LimitCategory } from './ast.js';
import { LIMITS, type ManifestInput } from '@wsbc/manifest';

export const BLOCK_NAMES = ['network', 'filesystem', 'env', 'process', 'time', 'random', 'imports', 'custom', 'limits', 'audit'] as const;
export type BlockName = (typeof BLOCK_NAMES)[number];

export const PRESET_NAMES = ['minimal', 'development'] as const;

export const NETWORK_MODES = ['none', 'full'] as const;
export const NETWORK_RULES = ['loopback', 'host', 'ports'] as const;
export const HOST_OPTIONS = ['ports', 'secure'] as const;
export const DIR_ACCESS = ['read', 'write', 'read-write'] as const;
export const DIR_OPTIONS = ['as', 'max-file-size', 'create', 'delete'] as const;
export const FS_STATEMENTS = [...DIR_ACCESS, 'allow', 'max-file-size'] as const;
export const FS_ALLOW = ['create', 'delete'] as const;
export const ENV_MODES = ['none', 'full', 'allow', 'deny'] as const;
export const PROCESS_MODES = ['none', 'full', 'allow'] as const;
export const TIME_MODES = ['read-only', 'full'] as const;
export const CLOCK_OPTIONS = ['start', 'step'] as const;
export const RANDOM_MODES = ['none', 'pseudo', 'secure'] as const;
export const AUDIT_MODES = ['all', 'denied', 'none'] as const;

export const LIMIT_CATEGORIES: readonly LimitCategory[] = ['memory', 'cpu', 'io', 'time', 'fuel', 'stack'];

type LimitsInput = NonNullable<ManifestInput['limits']>;

export interface QuantitySetting {
  type: 'quantity';
  dimension: Dimension;
  /** Inclusive bounds on the base value. */
  min: number;
  max: number;
  /** `unlimited` is accepted and compiles to null. */
  unlimited: boolean;
  /** Where the value goes in ManifestInput.limits: [section, field] or ['fuel']. */
  target: [keyof LimitsInput, string] | ['fuel'];
  /** One line for the docs and help texts. */
  describe: string;
}

export interface ChoiceSetting {
  type: 'choice';
  choices: readonly string[];
  target: [keyof LimitsInput, string];
  /** Compiles each choice to its manifest value. */
  values: Record<string, unknown>;
  describe: string;
}

export type LimitSettingSpec = QuantitySetting | ChoiceSetting;

// 65536 pages (4 GiB) is the most a 32-bit memory can address, and the bound normalize() enforces.
const MAX_PAGES = 65536;
const BIG = Number.MAX_SAFE_INTEGER;

const q = (
  dimension: Dimension,
  min: number,
  max: number,
  target: QuantitySetting['target'],
  describe: string,
  unlimited = false,
): QuantitySetting => ({ type: 'quantity', dimension, min, max, unlimited, target, describe });

/**
 * Settings per limit category. The key `''` is the category's positional value (`fuel 50M`).
 * INVARIANT: every category has at least one setting.
 */
export const LIMIT_SETTINGS: Record<LimitCategory, Record<string, LimitSettingSpec>> = {
  memory: {
    max: q('pages', 1, MAX_PAGES, ['memory', 'maxPages'], 'most memory any memory of the module may reach'),
    reserved: q('pages', 0, MAX_PAGES, ['memory', 'reservedPages'], 'least initial memory provided to a module that imports its memory'),
    growth: q('pages', 1, MAX_PAGES, ['memory', 'maxGrowthPages'], 'most memory one `memory.grow` may add'),
    tables: q('count', 0, 100_000, ['memory', 'maxTables'], 'most tables a module may define or import'),
    'table-elements': q('count', 0, 2 ** 32 - 1, ['memory', 'maxTableElements'], 'most elements any table may reach', true),
    'grow-failure': {
      type: 'choice',
      choices: ['fail', 'trap'],
      target: ['memory', 'trapOnGrowFailure'],
      values: { fail: false, trap: true },
      describe: 'a refused `memory.grow` returns -1 (`fail`) or traps (`trap`)',
    },
  },
  cpu: {
    time: q('duration', 1, BIG, ['cpu', 'maxExecutionMs'], 'guest compute time'),
    usage: q('percent', 1, 100, ['cpu', 'usagePercent'], 'share of one core the guest may use'),
    threads: q('count', 1, 100_000, ['cpu', 'maxThreads'], 'most threads, the main thread included'),
  },
  io: {
    'open-files': q('count', 0, 1_000_000, ['io', 'maxOpenFiles'], 'most files open at once'),
    read: q('rate', 1, BIG, ['io', 'readBytesPerSecond'], 'read throughput', true),
    write: q('rate', 1, BIG, ['io', 'writeBytesPerSecond'], 'write throughput', true),
    'total-read': q('bytes', 0, BIG, ['io', 'maxReadBytes'], 'bytes read over the whole run', true),
    'total-write': q('bytes', 0, BIG, ['io', 'maxWriteBytes'], 'bytes written over the whole run', true),
  },
  time: {
    total: q('duration', 1, BIG, ['time', 'maxTotalMs'], 'wall-clock time of the whole run'),
    idle: q('duration', 0, BIG, ['time', 'maxIdleMs'], 'wall-clock time blocked in host calls'),
  },
  fuel: {
    '': q('count', 1, BIG, ['fuel'], 'instruction budget', true),
  },
  stack: {
    depth: q('count', 1, LIMITS.maxStackDepth, ['stack', 'maxDepth'], 'most nested guest calls (injects a guard)', true),
  },
};

/** Range limits outside limits blocks. */
export const PORT_MAX = 65535;
export const SEED_MAX = 2 ** 32 - 1;
