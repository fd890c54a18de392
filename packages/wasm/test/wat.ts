// Test helper: text to binary, through the shared testkit assembler.
import { assembleWat } from '@wsbc/testkit';

/** Assembles WAT (names section included when `names` is set). */
export function wat(text: string, names = false): Uint8Array<ArrayBuffer> {
  return assembleWat(text, { names });
}
