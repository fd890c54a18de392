// Shared fixtures for the artifact tests: a small real module (from WAT) and a manifest.
import wabtInit from 'wabt';
import { DEFAULT_MANIFEST, type Manifest } from '@wsbc/manifest';

const wabt = await wabtInit();

export function wat(source: string): Uint8Array {
  const parsed = wabt.parseWat('test.wat', source);
  try {
    return new Uint8Array(parsed.toBinary({}).buffer);
  } finally {
    parsed.destroy();
  }
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
