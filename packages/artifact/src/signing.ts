// Ed25519 keys for signing vetted artifacts, through node:crypto only. Keys are read from PEM
// (PKCS#8 private keys, SPKI public keys, as written by `openssl genpkey -algorithm ed25519`);
// a private key given where a public key is expected yields its public half, so `--trust key.pem`
// works with either file. Problems come back as values, never exceptions.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { ED25519_PUBLIC_KEY_LENGTH } from './format.js';

export type KeyResult<T> = { ok: true; key: T } | { ok: false; message: string };

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: Uint8Array;
}

/** Raw 32-byte public key of an Ed25519 KeyObject (public or private). */
export function rawPublicKey(key: KeyObject): Uint8Array {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = publicKey.export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(jwk.x!, 'base64url'));
}

/** A short, stable name for a public key: `SHA256:` + first 16 bytes of sha256(raw key), base64. */
export function keyFingerprint(publicKey: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(publicKey).digest().subarray(0, 16).toString('base64').replace(/=+$/, '')}`;
}

export function loadSigningKey(pem: string | Uint8Array): KeyResult<SigningKey> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: Buffer.from(pem), format: 'pem' });
  } catch (error) {
    return { ok: false, message: `not a PEM private key (${(error as Error).message})` };
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    return { ok: false, message: `signing keys must be Ed25519 (this is ${privateKey.asymmetricKeyType ?? 'an unknown type'})` };
  }
  return { ok: true, key: { privateKey, publicKey: rawPublicKey(privateKey) } };
}

/** Reads a trusted key: an SPKI public key, or a private key whose public half is trusted. */
export function loadTrustedKey(pem: string | Uint8Array): KeyResult<Uint8Array> {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(pem), format: 'pem' });
  } catch (error) {
    return { ok: false, message: `not a PEM public key (${(error as Error).message})` };
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    return { ok: false, message: `trusted keys must be Ed25519 (this is ${key.asymmetricKeyType ?? 'an unknown type'})` };
  }
  return { ok: true, key: rawPublicKey(key) };
}

/** A fresh key pair as PEM text (PKCS#8 private, SPKI public), for tests, docs and key set-up. */
export function generateSigningKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

export function signMessage(key: SigningKey, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, key.privateKey));
}

export function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH) return false;
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
    return verify(null, message, key, signature);
  } catch {
    // A byte string that is not a point on the curve cannot have signed anything.
    return false;
  }
}
