// WebAssembly text to binary for tests, through the wabt npm port with every proposal it knows
// enabled (the one place tests assemble .wat, so every package parses fixtures the same way).
import wabtInit from 'wabt';

const wabt = await wabtInit();

export const WABT_ALL_FEATURES = {
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
  memory64: true,
  multi_memory: true,
  extended_const: true,
  relaxed_simd: true,
  annotations: true,
};

/**
 * Assembles WAT text; `names` adds the name section. No wabt validation: its validator ignores
 * the feature flags (it rejects shared and multiple memories), and our tools must read those.
 */
export function assembleWat(text: string, options: { names?: boolean; file?: string } = {}): Uint8Array<ArrayBuffer> {
  const module = wabt.parseWat(options.file ?? 'test.wat', text, WABT_ALL_FEATURES);
  try {
    module.resolveNames();
    return new Uint8Array(module.toBinary({ write_debug_names: options.names ?? false }).buffer);
  } finally {
    module.destroy();
  }
}
