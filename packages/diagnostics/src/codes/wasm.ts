// Diagnostic codes of the `wasm/` domain (the binary layer, @wsbc/wasm). Keep sorted; never reuse a
// retired code. Every WasmError the reader, writer or walker produces carries one of these codes.
import type { CodeTable } from '../registry.js';

export const wasmCodes: CodeTable = {
  'wasm/bad-alignment': { severity: 'error', summary: 'A memory access declares an alignment larger than its natural alignment (or not equal to it for atomics).' },
  'wasm/bad-block-structure': { severity: 'error', summary: 'Blocks are not properly nested: `else`/`catch`/`delegate` outside their block, a missing `end`, or code after the final `end`.' },
  'wasm/bad-const-expr': { severity: 'error', summary: 'A constant expression (global initializer, segment offset) uses an instruction that is not constant.' },
  'wasm/bad-immediate': { severity: 'error', summary: 'An instruction immediate is malformed (a reserved byte is not zero, a lane index is out of range, an unknown catch kind).' },
  'wasm/bad-kind': { severity: 'error', summary: 'An import, export or segment uses an unknown kind or flags value.' },
  'wasm/bad-leb': { severity: 'error', summary: 'A LEB128 integer is too long or sets bits outside its type.' },
  'wasm/bad-limits': { severity: 'error', summary: 'Memory or table limits are malformed (unknown flags, minimum above maximum, size over the implementation limit).' },
  'wasm/bad-magic': { severity: 'error', summary: 'The input does not start with the WebAssembly magic number `\\0asm`.' },
  'wasm/bad-type': { severity: 'error', summary: 'A value type, heap type, block type or type definition form is not valid.' },
  'wasm/bad-utf8': { severity: 'error', summary: 'A name is not valid UTF-8.' },
  'wasm/bad-version': { severity: 'error', summary: 'The binary version is not 1 (a component-model binary, or not a core module).' },
  'wasm/count-mismatch': { severity: 'error', summary: 'Two sections disagree: function and code counts, or the data count and the data section.' },
  'wasm/duplicate-export': { severity: 'error', summary: 'Two exports share a name.' },
  'wasm/duplicate-section': { severity: 'error', summary: 'A known section appears more than once.' },
  'wasm/immutable-global': { severity: 'error', summary: 'An instruction writes (or a constant expression reads) a global whose mutability forbids it.' },
  'wasm/index-out-of-range': { severity: 'error', summary: 'An index (function, type, table, memory, global, local, tag, data, element, label) refers to nothing.' },
  'wasm/length-out-of-bounds': { severity: 'error', summary: 'A length or count field is larger than the bytes that remain.' },
  'wasm/missing-data-count': { severity: 'error', summary: 'An instruction needs the data count section (memory.init, data.drop) but the module has none.' },
  'wasm/section-order': { severity: 'error', summary: 'Known sections appear out of their required order.' },
  'wasm/section-size-mismatch': { severity: 'error', summary: 'A section or function body does not end exactly where its size field says.' },
  'wasm/too-many': { severity: 'error', summary: 'A count exceeds an implementation limit engines apply (locals, parameters, types, imports, exports, segments, nesting).' },
  'wasm/undeclared-function-reference': { severity: 'error', summary: '`ref.func` in a function body names a function that no element segment, export or initializer declares.' },
  'wasm/unexpected-end': { severity: 'error', summary: 'The input ends in the middle of a construct (truncated module).' },
  'wasm/unknown-opcode': { severity: 'error', summary: 'An instruction opcode is not part of any supported WebAssembly version or proposal.' },
  'wasm/unknown-section': { severity: 'error', summary: 'A section id is not a known section.' },
};
