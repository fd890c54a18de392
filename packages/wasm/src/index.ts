// @wsbc/wasm: the WebAssembly binary layer. A lazy zero-copy reader, a writer that mirrors it, a
// re-encoder with pass-through hooks and a structural walk, all driven by one opcode table.
export * from './errors.js';
export * from './opcodes.js';
export * from './types.js';
export { BinaryReader } from './binary-reader.js';
export {
  OperatorReader,
  readInstructions,
  readValType,
  readHeapType,
  readBlockType,
  type MemArg,
  type BrTable,
  type Catch,
  type Immediate,
  type Instruction,
} from './operator-reader.js';
export {
  SectionId,
  SECTION_NAMES,
  MAX_LOCALS,
  readHeader,
  sections,
  sectionReader,
  readLimits,
  readMemoryType,
  readTableType,
  readGlobalType,
  readTagType,
  readConstExpr,
  readImportDesc,
  readTypeSection,
  readImportSection,
  readFunctionSection,
  readTableSection,
  readMemorySection,
  readGlobalSection,
  readExportSection,
  readStartSection,
  readDataCountSection,
  readTagSection,
  readElementSection,
  readDataSection,
  codeSection,
  codeSectionCount,
  readLocals,
  skipLocals,
  bodyOperators,
  type SectionHeader,
  type FunctionBody,
} from './module-reader.js';
export { ModuleReader, readModule } from './module.js';
export { readNameSection, type NameSection, type NameMap } from './names.js';
export { ByteWriter } from './binary-writer.js';
export { writeValType, writeHeapType, writeBlockType, writeOpcode, writeInstruction, ins, encodeInstructions } from './instruction-writer.js';
export * from './section-writer.js';
export { reencode, type ReencodeHooks, type BodyContext } from './reencoder.js';
export { rebuildModule, sameDecoded, type RoundTripStats, type RoundTripResult } from './roundtrip.js';
export { walkModule, LIMITS, type WalkResult, type WalkSummary } from './walk.js';
