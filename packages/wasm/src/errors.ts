// The binary layer's error model: every problem with the input is a WasmError carrying a stable code
// (registered in @wsbc/diagnostics), a message a person understands and the byte offset where it was
// found. Low-level readers throw WasmError (and only WasmError) so hot loops need no result objects;
// the module-level entry points catch it and return it as a value.
import type { Diagnostic } from '@wsbc/diagnostics';

export type WasmErrorCode =
  | 'wasm/bad-alignment'
  | 'wasm/bad-block-structure'
  | 'wasm/bad-const-expr'
  | 'wasm/bad-immediate'
  | 'wasm/bad-kind'
  | 'wasm/bad-leb'
  | 'wasm/bad-limits'
  | 'wasm/bad-magic'
  | 'wasm/bad-type'
  | 'wasm/bad-utf8'
  | 'wasm/bad-version'
  | 'wasm/count-mismatch'
  | 'wasm/duplicate-export'
  | 'wasm/duplicate-section'
  | 'wasm/immutable-global'
  | 'wasm/index-out-of-range'
  | 'wasm/length-out-of-bounds'
  | 'wasm/missing-data-count'
  | 'wasm/section-order'
  | 'wasm/section-size-mismatch'
  | 'wasm/too-many'
  | 'wasm/undeclared-function-reference'
  | 'wasm/unexpected-end'
  | 'wasm/unknown-opcode'
  | 'wasm/unknown-section';

export class WasmError extends Error {
  override readonly name = 'WasmError';
  constructor(
    readonly code: WasmErrorCode,
    message: string,
    /** Byte offset in the module where the problem was found. */
    readonly offset: number,
    /** Index of the function whose body holds the problem, when inside the code section. */
    readonly functionIndex?: number,
  ) {
    super(message);
  }

  /** The same error, attributed to a function body. */
  inFunction(functionIndex: number): WasmError {
    if (this.functionIndex !== undefined) return this;
    return new WasmError(this.code, this.message, this.offset, functionIndex);
  }
}

export function isWasmError(e: unknown): e is WasmError {
  return e instanceof WasmError;
}

/** Renders a WasmError as the shared Diagnostic shape (span = byte offset in `file`). */
export function wasmErrorToDiagnostic(error: WasmError, file: string): Diagnostic {
  const where = error.functionIndex === undefined ? '' : ` (in function ${error.functionIndex})`;
  return {
    code: error.code,
    severity: 'error',
    message: `${error.message}${where}`,
    span: { file, byteOffset: error.offset },
    data: { offset: error.offset, ...(error.functionIndex === undefined ? {} : { functionIndex: error.functionIndex }) },
  };
}

/** Runs `fn`, turning a thrown WasmError into a value. Any other exception is a bug and propagates. */
export function catchWasmError<T>(fn: () => T): { ok: true; value: T } | { ok: false; error: WasmError } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof WasmError) return { ok: false, error: e };
    throw e;
  }
}
