// Generated from the files in this folder by src/lint/meta.test.ts (WSBC_BLESS=1 rewrites it); do not edit.
import type { LintRule } from '../types.js';
import broadHostWildcard from './broad-host-wildcard.js';
import envAllowsSecret from './env-allows-secret.js';
import envFull from './env-full.js';
import growthAboveMaxMemory from './growth-above-max-memory.js';
import idleAboveTotalTime from './idle-above-total-time.js';
import insecurePublicHost from './insecure-public-host.js';
import largeFuelBudget from './large-fuel-budget.js';
import noAudit from './no-audit.js';
import noEnvDenylist from './no-env-denylist.js';
import noFullNetwork from './no-full-network.js';
import noFullProcess from './no-full-process.js';
import noUnlimitedFuel from './no-unlimited-fuel.js';
import overlappingPortRanges from './overlapping-port-ranges.js';
import portsOnAnyHost from './ports-on-any-host.js';
import processAllowsShell from './process-allows-shell.js';
import redundantHost from './redundant-host.js';
import sensitiveHostDir from './sensitive-host-dir.js';
import totalTimeBelowCpuTime from './total-time-below-cpu-time.js';
import unboundedDiskWrite from './unbounded-disk-write.js';
import unseededRandomWithDeterministicTime from './unseeded-random-with-deterministic-time.js';
import unusedCustomCapability from './unused-custom-capability.js';
import wildcardHostImport from './wildcard-host-import.js';
import writableCwdOrRoot from './writable-cwd-or-root.js';
import writeWithoutCreate from './write-without-create.js';

export const generatedRules: readonly LintRule[] = [
  broadHostWildcard,
  envAllowsSecret,
  envFull,
  growthAboveMaxMemory,
  idleAboveTotalTime,
  insecurePublicHost,
  largeFuelBudget,
  noAudit,
  noEnvDenylist,
  noFullNetwork,
  noFullProcess,
  noUnlimitedFuel,
  overlappingPortRanges,
  portsOnAnyHost,
  processAllowsShell,
  redundantHost,
  sensitiveHostDir,
  totalTimeBelowCpuTime,
  unboundedDiskWrite,
  unseededRandomWithDeterministicTime,
  unusedCustomCapability,
  wildcardHostImport,
  writableCwdOrRoot,
  writeWithoutCreate,
];
