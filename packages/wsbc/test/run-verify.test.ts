// run() verifies a vetted artifact once when it enforces the embedded manifest (the probe's
// verification stands for the run), and in full again when the caller gives a policy (which must
// match the embedded manifest) or when the probe did not pass.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { build, run, RunStatus } from '../src/index.js';

const calls = vi.hoisted(() => ({ apply: 0 }));
vi.mock('@wsbc/artifact', async (importOriginal) => {
  const original = await importOriginal<typeof import('@wsbc/artifact')>();
  return {
    ...original,
    vettedArtifactStep: (options: Parameters<typeof original.vettedArtifactStep>[0]) => {
      const step = original.vettedArtifactStep(options);
      return { ...step, apply: (bytes: Uint8Array, manifest: Parameters<typeof step.apply>[1]) => (calls.apply++, step.apply(bytes, manifest)) };
    },
  };
});

const examples = join(import.meta.dirname, '../../../examples');
const sink = { write: () => undefined };

async function vetted(): Promise<Uint8Array> {
  const result = await build(new Uint8Array(readFileSync(join(examples, 'read-allowed-file/read-allowed-file.wasm'))), { policy: join(examples, 'read-allowed-file/policy.wsp') });
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.artifact;
}

describe('run: artifact verification', () => {
  it('verifies once under the embedded manifest, again with a policy given, and refuses what does not verify', async () => {
    const artifact = await vetted();
    calls.apply = 0;
    expect((await run(artifact, { stdout: sink, stderr: sink })).status).toBe(0);
    expect(calls.apply).toBe(0);
    expect((await run(artifact, { policy: join(examples, 'read-allowed-file/policy.wsp'), stdout: sink, stderr: sink })).status).toBe(0);
    expect(calls.apply).toBe(1);
    const tampered = artifact.slice();
    tampered[300] = tampered[300]! ^ 0x55;
    const refused = await run(tampered, { stdout: sink, stderr: sink });
    expect(refused.status).toBe(RunStatus.Refused);
    expect(refused.diagnostics.map((d) => d.code)).toContain('artifact/body-hash-mismatch');
    expect(calls.apply).toBe(2);
  });
});
