// @wsbc/wasm: the WebAssembly binary layer. A lazy zero-copy reader, a writer that mirrors it, a
// re-encoder with pass-through hooks and a structural walk, all driven by one opcode table.
// The read side is also published alone as `@wsbc/wasm/reader` (./reader.ts), for tools whose
// start-up should not load the writer.
export * from './reader.js';
export { ByteWriter } from './binary-writer.js';
export { writeValType, writeHeapType, writeBlockType, writeOpcode, writeInstruction, ins, encodeInstructions } from './instruction-writer.js';
export * from './section-writer.js';
export { reencode, type ReencodeHooks, type BodyContext } from './reencoder.js';
export { rebuildModule, sameDecoded, type RoundTripStats, type RoundTripResult } from './roundtrip.js';
