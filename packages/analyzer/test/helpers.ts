// Test helpers: compile WebAssembly text with the wabt npm package (every feature on) and build
// normalized manifests from inputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assembleWat } from '@wsbc/testkit';
import { normalize, type Manifest, type ManifestInput } from '@wsbc/manifest';

/** Compiles WAT text to a binary module. */
export async function wat(text: string): Promise<Uint8Array> {
  return assembleWat(text);
}

export const FIXTURES = join(import.meta.dirname, 'fixtures');

/** Compiles test/fixtures/<name>.wat. */
export async function fixture(name: string): Promise<Uint8Array> {
  return wat(readFileSync(join(FIXTURES, `${name}.wat`), 'utf8'));
}

/** A normalized manifest laid over `minimal` (base directory /policy). */
export function manifest(input: ManifestInput = {}): Manifest {
  const result = normalize(input, { baseDir: '/policy' });
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join('; '));
  return result.value;
}
