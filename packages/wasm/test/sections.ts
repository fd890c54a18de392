// Test helper: a module written section by section, for inputs no assembler would produce.
import { ByteWriter, WASM_HEADER } from '../src/index.js';

/** The header, then each section as its id, its payload's size and the payload as given. */
export function moduleOf(...sections: Array<[id: number, payload: number[]]>): Uint8Array {
  const w = new ByteWriter();
  w.bytes(WASM_HEADER);
  for (const [id, payload] of sections) w.u8(id).u32(payload.length).bytes(new Uint8Array(payload));
  return w.finish();
}
