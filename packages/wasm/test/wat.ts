// Test helper: text to binary through the wabt npm port, with every proposal wabt knows enabled.
import wabtInit from 'wabt';

const wabt = await wabtInit();

const FEATURES = {
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

/** Assembles WAT (names section included when `names` is set). */
export function wat(text: string, names = false): Uint8Array<ArrayBuffer> {
  const mod = wabt.parseWat('test.wat', text, FEATURES);
  try {
    mod.resolveNames();
    return new Uint8Array(mod.toBinary({ write_debug_names: names }).buffer);
  } finally {
    mod.destroy();
  }
}
