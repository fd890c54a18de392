// What callers hand to build() and run(), checked at the door. The types say what each option
// is, but JavaScript callers and JSON configurations pass what they have: a module in an
// ArrayBuffer, a path that is a number, no options at all. Bytes in any binary container are
// read as bytes; anything else becomes a diagnostic that names the option, instead of a
// TypeError from deep inside node:path, or a module "missing the \0asm magic number" whose bytes
// were right but wrapped.
import { readFileSync, statSync } from 'node:fs';
import type { Diagnostic } from '@wsbc/diagnostics';

/** A module's bytes: a Uint8Array (a Buffer is one), an ArrayBuffer, or any other view of one. */
export type ModuleBytes = Uint8Array | ArrayBuffer | ArrayBufferView;

/** The bytes as a Uint8Array (the same memory, not a copy), or undefined for anything else. */
export function asModuleBytes(input: unknown): Uint8Array | undefined {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && input instanceof SharedArrayBuffer)) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  return undefined;
}

/** "a number", "null", "an object": what a value of the wrong type was, for messages. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** `option` must be `expected` (a string, ...), got `value`: the diagnostic of one bad option. */
export function badOption(code: string, option: string, expected: string, value: unknown): Diagnostic {
  return { code, severity: 'error', message: `\`${option}\` must be ${expected}, got ${describeValue(value)}` };
}

/**
 * Why a file the caller named cannot be read, or undefined when it can: only a regular file is
 * read, since a FIFO or a device (`/dev/stdin`, `/dev/zero`) named as a module or a policy would
 * block the call forever or fill the memory. Symbolic links are followed: the caller chose the path.
 */
export function unreadableFile(path: string): string | undefined {
  try {
    return statSync(path).isFile() ? undefined : 'not a regular file';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
}

/** The contents of a regular file the caller named, or why it cannot be read. */
export function readRegularFile(path: string): { ok: true; bytes: Buffer } | { ok: false; reason: string } {
  const reason = unreadableFile(path);
  if (reason !== undefined) return { ok: false, reason };
  try {
    return { ok: true, bytes: readFileSync(path) };
  } catch (error) {
    return { ok: false, reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
  }
}
