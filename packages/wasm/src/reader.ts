// @wsbc/wasm/reader: the read side of the binary layer alone (lazy reader, opcode table, names,
// structural walk), without the writer, re-encoder and round-trip modules. Tools that only read
// modules (`wsbc check`, `wsbc inspect`) import this subpath so their start-up does not load
// code they never run; the package index re-exports all of it, so both entries name the same
// bindings.
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
  frameCodeSection,
  readLocals,
  skipLocals,
  bodyOperators,
  type SectionHeader,
  type FunctionBody,
} from './module-reader.js';
export { ModuleReader, readModule } from './module.js';
export { readNameSection, type NameSection, type NameMap } from './names.js';
export { walkModule, checkSectionCounts, LIMITS, type WalkResult, type WalkSummary } from './walk.js';
