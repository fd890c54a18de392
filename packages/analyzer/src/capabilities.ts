// The capabilities an import can need, and whether a normalized manifest grants them.
//
// A capability here is coarser than the manifest (the analyzer cannot know which directory or host
// a module will ask for at run time) and finer than a manifest area (a module that only lists a
// directory needs less than one that deletes files). The runtime still decides every call against
// the full manifest; the static check answers "could this import ever succeed under this policy?".
import type { Manifest } from '@wsbc/manifest';

export type Capability =
  /** At least one preopened directory exists (preopen discovery, `path_open` in any mode). */
  | 'filesystem.any'
  | 'filesystem.read'
  | 'filesystem.write'
  | 'filesystem.create'
  | 'filesystem.delete'
  | 'environment'
  /** Reading clocks. Every policy grants it (`time read-only` is the least a policy can say). */
  | 'time.read'
  /** Setting file timestamps, which reveals and forges time information on the host. */
  | 'time.set'
  | 'random'
  | 'network'
  | 'process'
  /** More than one thread (`limits { cpu { threads N } }` with N > 1). */
  | 'threads';

export const ALL_CAPABILITIES: readonly Capability[] = [
  'filesystem.any',
  'filesystem.read',
  'filesystem.write',
  'filesystem.create',
  'filesystem.delete',
  'environment',
  'time.read',
  'time.set',
  'random',
  'network',
  'process',
  'threads',
];

/** Whether the manifest grants a capability somewhere (in at least one preopen, for filesystem). */
export function isGranted(capability: Capability, manifest: Manifest): boolean {
  const preopens = manifest.filesystem.preopens;
  switch (capability) {
    case 'filesystem.any':
      return preopens.some((p) => p.read || p.write);
    case 'filesystem.read':
      return preopens.some((p) => p.read);
    case 'filesystem.write':
      return preopens.some((p) => p.write);
    case 'filesystem.create':
      return preopens.some((p) => p.write && p.create);
    case 'filesystem.delete':
      return preopens.some((p) => p.write && p.delete);
    case 'environment':
      return manifest.environment.mode !== 'none';
    case 'time.read':
      return true;
    case 'time.set':
      return manifest.time.mode === 'full';
    case 'random':
      return manifest.random.mode !== 'none';
    case 'network':
      return manifest.network.mode !== 'none' || manifest.network.loopback;
    case 'process':
      return manifest.process.mode !== 'none';
    case 'threads':
      return manifest.limits.cpu.maxThreads > 1;
  }
}

/** How a person names the capability in prose ("granting `filesystem read` would allow this"). */
export function describeCapability(capability: Capability): string {
  switch (capability) {
    case 'filesystem.any':
      return 'filesystem access';
    case 'filesystem.read':
      return 'filesystem read';
    case 'filesystem.write':
      return 'filesystem write';
    case 'filesystem.create':
      return 'filesystem create';
    case 'filesystem.delete':
      return 'filesystem delete';
    case 'environment':
      return 'environment';
    case 'time.read':
      return 'time read-only';
    case 'time.set':
      return 'time full';
    case 'random':
      return 'random';
    case 'network':
      return 'network';
    case 'process':
      return 'process';
    case 'threads':
      return 'threads (cpu threads > 1)';
  }
}
