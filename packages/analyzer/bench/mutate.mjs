// Seeded mutations of a wasm module for robustness runs: bit flips, truncation, length-field
// inflation (a LEB at a section header set to a huge value) and section shuffles.

/** mulberry32: small, fast, and reproducible from a 32-bit seed. */
/** @param {number} seed @returns {() => number} */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Offsets of top-level section headers (id byte), found by walking the size fields. */
/** @param {Uint8Array} bytes @returns {number[]} */
function sectionStarts(bytes) {
  const starts = [];
  let pos = 8;
  while (pos < bytes.length) {
    starts.push(pos);
    let size = 0;
    let shift = 0;
    let p = pos + 1;
    for (;;) {
      if (p >= bytes.length) return starts;
      const b = bytes[p++];
      size += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80 || shift > 35) break;
    }
    pos = p + size;
  }
  return starts;
}

/** @typedef {'flip' | 'truncate' | 'inflate' | 'shuffle'} MutationKind */

/**
 * @param {Uint8Array} input
 * @param {() => number} random
 * @param {MutationKind} [kind]
 * @returns {Uint8Array}
 */
export function mutate(input, random, kind) {
  const bytes = new Uint8Array(input);
  const choice = kind ?? ['flip', 'truncate', 'inflate', 'shuffle'][Math.floor(random() * 4)];
  switch (choice) {
    case 'flip': {
      const flips = 1 + Math.floor(random() * 4);
      for (let i = 0; i < flips; i++) {
        const at = Math.floor(random() * bytes.length);
        bytes[at] ^= 1 << Math.floor(random() * 8);
      }
      return bytes;
    }
    case 'truncate':
      return bytes.subarray(0, Math.floor(random() * bytes.length));
    case 'inflate': {
      const starts = sectionStarts(bytes);
      const at = starts[Math.floor(random() * starts.length)];
      if (at === undefined || at + 1 >= bytes.length) return bytes;
      // Overwrite the first byte of the size field with a continuation byte chain meaning ~2^32.
      const out = new Uint8Array(bytes.length + 4);
      out.set(bytes.subarray(0, at + 1));
      out.set([0xff, 0xff, 0xff, 0xff, 0x0f], at + 1);
      out.set(bytes.subarray(at + 2), at + 6);
      return out.subarray(0, bytes.length + 4);
    }
    case 'shuffle': {
      const starts = sectionStarts(bytes);
      if (starts.length < 2) return bytes;
      const i = Math.floor(random() * (starts.length - 1));
      const a = starts[i];
      const b = starts[i + 1];
      const c = starts[i + 2] ?? bytes.length;
      const out = new Uint8Array(bytes.length);
      out.set(bytes.subarray(0, a));
      out.set(bytes.subarray(b, c), a);
      out.set(bytes.subarray(a, b), a + (c - b));
      out.set(bytes.subarray(c), c);
      return out;
    }
  }
}
