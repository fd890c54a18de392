// What sealing and verifying cost, as ratios to hashing the module once (the floor: both must
// read every byte). Real modules: sql.js (688 KB) and esbuild (~11 MB).
//   cd packages/artifact && npx vitest bench --run
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { bench, describe } from 'vitest';
import { DEFAULT_MANIFEST } from '@wsbc/manifest';
import { generateSigningKeyPair, loadSigningKey, loadTrustedKey, sealArtifact, verifyArtifact } from '../src/index.js';

const require = createRequire(import.meta.url);
const modules = {
  'sql.js': readFileSync(require.resolve('sql.js/dist/sql-wasm.wasm')),
  esbuild: readFileSync(require.resolve('esbuild-wasm/esbuild.wasm')),
};
const pair = generateSigningKeyPair();
const signing = loadSigningKey(pair.privateKeyPem);
const trusted = loadTrustedKey(pair.publicKeyPem);
if (!signing.ok || !trusted.ok) throw new Error('keys');

for (const [name, bytes] of Object.entries(modules)) {
  const module = new Uint8Array(bytes);
  const sealed = sealArtifact(module, { manifest: DEFAULT_MANIFEST, original: module, toolVersion: '0.1.0', signingKeys: [signing.key] });
  if (!sealed.ok) throw new Error('seal');
  describe(`${name} (${module.length} bytes)`, () => {
    bench('baseline: sha256 of the module', () => {
      createHash('sha256').update(module).digest();
    });
    bench('sealArtifact (signed)', () => {
      sealArtifact(module, { manifest: DEFAULT_MANIFEST, original: module, toolVersion: '0.1.0', signingKeys: [signing.key] });
    });
    bench('verifyArtifact (trusted key)', () => {
      verifyArtifact(sealed.value, { trustedKeys: [trusted.key] });
    });
  });
}
