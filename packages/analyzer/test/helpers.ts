// Test helpers: compile WebAssembly text with the wabt npm package (every feature on) and build
// normalized manifests from inputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import wabtInit from 'wabt';
import { normalize, type Manifest, type ManifestInput } from '@wsbc/manifest';

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabtPromise: Promise<Wabt> | undefined;

const ALL_FEATURES = {
  exceptions: true,
  mutable_globals: true,
  sat_float_to_int: true,
  sign_extension: true,
  simd: true,
  threads: true,
  function_references: true,
  multi_value: true,
  tail_call: true,
  bulk_memory: true,
  reference_types: true,
  gc: false,
  memory64: true,
  extended_const: true,
  relaxed_simd: true,
  multi_memory: true,
  annotations: true,
};

/** Compiles WAT text to a binary module. */
export async function wat(text: string): Promise<Uint8Array> {
  wabtPromise ??= wabtInit();
  const wabt = await wabtPromise;
  const module = wabt.parseWat('test.wat', text, ALL_FEATURES);
  try {
    // No module.validate(): wabt's validator ignores the feature flags (it rejects shared and
    // multiple memories), and the analyzer must read such modules anyway.
    module.resolveNames();
    return new Uint8Array(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
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
