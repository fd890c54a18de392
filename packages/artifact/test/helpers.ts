// Shared fixtures for the artifact tests: a small real module (from WAT) and a manifest.
import { assembleWat } from '@wsbc/testkit';
import { DEFAULT_MANIFEST, type Manifest } from '@wsbc/manifest';

export function wat(source: string): Uint8Array {
  return assembleWat(source);
}

export const sampleModule = wat(`(module
  (memory (export "memory") 1)
  (func (export "answer") (result i32) i32.const 42))`);

export function manifestNamed(name: string, patch: (m: Manifest) => void = () => {}): Manifest {
  const m = structuredClone(DEFAULT_MANIFEST) as Manifest;
  m.name = name;
  patch(m);
  return m;
}
