// Shared fixtures for the artifact tests: a small real module (from WAT), a manifest and a key pair.
import { assembleWat } from '@wsbc/testkit';
import { DEFAULT_MANIFEST, type Manifest } from '@wsbc/manifest';
import { generateSigningKeyPair, loadSigningKey, loadTrustedKey, type SigningKey } from '../src/index.js';

export function wat(source: string): Uint8Array {
  return assembleWat(source);
}

export const sampleModule = wat(`(module
  (memory (export "memory") 1)
  (func (export "answer") (result i32) i32.const 42))`);

export function manifestNamed(name: string, patch: (m: Manifest) => void = () => {}): Manifest {
  const m = structuredClone(DEFAULT_MANIFEST) as Manifest;
  m.name = name;
  patch(m);
  return m;
}

/** A fresh Ed25519 pair: the key that signs and the public key a verifier trusts. */
export function keyPair(): { signing: SigningKey; trusted: Uint8Array } {
  const pair = generateSigningKeyPair();
  const signing = loadSigningKey(pair.privateKeyPem);
  const trusted = loadTrustedKey(pair.publicKeyPem);
  if (!signing.ok || !trusted.ok) throw new Error('key generation failed');
  return { signing: signing.key, trusted: trusted.key };
}
