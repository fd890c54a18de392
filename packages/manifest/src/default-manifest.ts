// The normalized `minimal` preset: what a module gets when nothing is granted.
import { normalize } from './normalize.js';
import type { Manifest } from './types.js';

function buildDefaultManifest(): Manifest {
  // minimal names no paths, so the base directory cannot influence the result.
  const result = normalize({}, { baseDir: '/' });
  if (!result.ok) throw new Error(`the minimal preset does not normalize: ${result.diagnostics.map((d) => d.message).join('; ')}`);
  return deepFreeze(result.value);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** normalize({}) : the minimal preset with every default filled. Frozen. */
export const DEFAULT_MANIFEST: Manifest = buildDefaultManifest();
