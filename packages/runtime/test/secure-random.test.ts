// The secure random source fills buffers through the global Web Crypto object, which takes at
// most 65,536 bytes per call and refuses views over shared memory: buffers larger than that, at
// odd offsets, and over a SharedArrayBuffer (a shared guest memory) must be filled completely.
import { describe, expect, it } from 'vitest';
import { SecureRandom } from '@wsbc/runtime';

/** True when no 4 KiB window of `bytes` is all zeros (a CSPRNG output never is, in practice). */
function filledEverywhere(bytes: Uint8Array): boolean {
  for (let at = 0; at < bytes.byteLength; at += 4096) {
    if (bytes.subarray(at, at + 4096).every((b) => b === 0)) return false;
  }
  return true;
}

describe('SecureRandom', () => {
  it('fills a buffer larger than one Web Crypto call allows, to its last byte', () => {
    const bytes = new Uint8Array(200_003);
    new SecureRandom().fill(bytes);
    expect(filledEverywhere(bytes)).toBe(true);
    // The 3 bytes after the last full chunk of 65,536 are reached too.
    expect(bytes.subarray(-16).some((b) => b !== 0)).toBe(true);
  });

  it('fills a view over shared memory and leaves the bytes around it alone', () => {
    const memory = new Uint8Array(new SharedArrayBuffer(150_000));
    const view = memory.subarray(7, 140_007);
    new SecureRandom().fill(view);
    expect(filledEverywhere(view)).toBe(true);
    expect(memory.subarray(0, 7).every((b) => b === 0)).toBe(true);
    expect(memory.subarray(140_007).every((b) => b === 0)).toBe(true);
  });

  it('gives different bytes on every call', () => {
    const a = new Uint8Array(64);
    const b = new Uint8Array(64);
    const random = new SecureRandom();
    random.fill(a);
    random.fill(b);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });
});
