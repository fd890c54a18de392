// The one mechanism behind `extends` (of a preset or of another policy file) and behind laying
// an input over its preset. Rules, chosen so that reading the overriding policy tells you what
// an area grants without having to read the base:
// - a capability area (network, filesystem, environment, process, time, random) present in the
//   override replaces the base's area whole, so a child can only narrow or widen it explicitly;
// - limits merge per field (overriding `limits.memory.maxPages` keeps every other memory limit);
// - imports are a union keyed by (module, name), the override's `requires` winning;
// - custom capabilities merge by name, the override's definition winning;
// - audit merges per field; name and preset come from the override when it gives them.
import type { ManifestInput } from './input.js';

type Limits = NonNullable<ManifestInput['limits']>;

const AREAS = ['network', 'filesystem', 'environment', 'process', 'time', 'random'] as const;

export function mergeManifestInputs(base: ManifestInput, override: ManifestInput): ManifestInput {
  const out: ManifestInput = {};
  const name = override.name ?? base.name;
  if (name !== undefined) out.name = name;
  const preset = override.preset ?? base.preset;
  if (preset !== undefined) out.preset = preset;

  for (const area of AREAS) {
    const value = override[area] !== undefined ? override[area] : base[area];
    if (value !== undefined) (out as Record<string, unknown>)[area] = value;
  }

  // Entries of the override replace the base's entries with the same key; duplicates within
  // one side are kept, so that normalize() can report them instead of silently picking one.
  if (base.imports !== undefined || override.imports !== undefined) {
    const overridden = new Set((override.imports ?? []).map(importKey));
    out.imports = [...(base.imports ?? []).filter((grant) => !overridden.has(importKey(grant))), ...(override.imports ?? [])];
  }

  if (base.custom !== undefined || override.custom !== undefined) {
    const overridden = new Set((override.custom ?? []).map((capability) => capability.name));
    out.custom = [...(base.custom ?? []).filter((capability) => !overridden.has(capability.name)), ...(override.custom ?? [])];
  }

  const limits = mergeLimits(base.limits, override.limits);
  if (limits !== undefined) out.limits = limits;

  if (base.audit !== undefined || override.audit !== undefined) {
    out.audit = { ...base.audit, ...definedFields(override.audit) };
  }
  return out;
}

// Import names may hold any character, NUL included: a JSON pair keeps every two grants apart.
function importKey(grant: { module: string; name: string }): string {
  return JSON.stringify([grant.module, grant.name]);
}

function mergeLimits(base: Limits | undefined, override: Limits | undefined): Limits | undefined {
  if (base === undefined && override === undefined) return undefined;
  const out: Limits = {};
  for (const group of ['memory', 'cpu', 'io', 'time', 'stack'] as const) {
    const a = base?.[group];
    const b = override?.[group];
    if (a === undefined && b === undefined) continue;
    (out as Record<string, unknown>)[group] = { ...a, ...definedFields(b) };
  }
  const fuel = override?.fuel !== undefined ? override.fuel : base?.fuel;
  if (fuel !== undefined) out.fuel = fuel;
  return out;
}

// `{ maxPages: undefined }` in an override means "not given", not "clear the base's value":
// explicit clearing is spelled `null` where a field allows it.
function definedFields<T extends object>(value: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  if (value === undefined || value === null || typeof value !== 'object') return out;
  for (const [key, inner] of Object.entries(value)) {
    if (inner !== undefined) (out as Record<string, unknown>)[key] = inner;
  }
  return out;
}
