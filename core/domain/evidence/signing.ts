import { createPublicKey, verify } from 'node:crypto';
import { sha256Hex } from '../canonical.ts';
import { InvalidInputError } from '../errors.ts';

/**
 * Ed25519 facts the evidence needs without any I/O: the public key's fingerprint, the built-in demo
 * key (whose private half is published in core/adapters/signing-key.ts, so a signature made with it
 * proves nothing) and detached-signature verification over exact bytes.
 *
 * Fingerprint = lowercase hex SHA-256 of the key's DER SubjectPublicKeyInfo, which an auditor
 * recomputes with `openssl pkey -pubin -in evidence-public-key.pem -outform DER | sha256sum`.
 */

/**
 * The auditor's command (docs/evidence.md), run in the folder of the downloaded files: Ed25519 over
 * the exact bytes of evidence.json (OpenSSL 3 needs -rawin). The same whether evidence.json is the
 * document or a signed envelope.
 */
export const OPENSSL_VERIFY_ARGS = [
  'pkeyutl',
  '-verify',
  '-pubin',
  '-inkey',
  'evidence-public-key.pem',
  '-rawin',
  '-in',
  'evidence.json',
  '-sigfile',
  'evidence.json.sig',
] as const;

/** SPKI PEM of the built-in demo key (its private key: core/adapters/signing-key.ts DEMO_SIGNING_KEY_PEM). */
export const DEMO_PUBLIC_KEY_PEM =
  '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA/GTJj0Fgsosr38n6ngctVP1L+EXoWlZ1ULD7KQvhs00=\n-----END PUBLIC KEY-----\n';

export const DEMO_KEY_ID = 'built-in demo key';

export const DEMO_KEY_WARNING =
  'signed with the built-in demo key: its private key is published with kraft-migrate, so this signature ' +
  'proves nothing about who wrote the evidence (precheck W09). Configure evidence.signing_key_path, ' +
  'evidence.secret_arn or evidence.kms_key_arn for evidence an auditor can rely on.';

/** Parses an SPKI PEM Ed25519 public key; a clear error for anything else. */
export function ed25519PublicKey(pem: string, what = 'public key') {
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new InvalidInputError(`${what} is not a PEM public key: ${(e as Error).message}`, {
      code: 'EVIDENCE_BAD_PUBLIC_KEY',
      fix: 'Pass the SPKI PEM written beside the evidence (evidence-public-key.pem).',
    });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new InvalidInputError(`${what} is ${key.asymmetricKeyType ?? 'of an unknown type'}, not Ed25519`, {
      code: 'EVIDENCE_BAD_PUBLIC_KEY',
      fix: 'Evidence is signed with Ed25519: pass the Ed25519 public key written beside it.',
    });
  }
  return key;
}

/** Lowercase hex SHA-256 of the DER SPKI of an Ed25519 public key given as PEM. */
export function publicKeyFingerprint(pem: string): string {
  const der = ed25519PublicKey(pem).export({ format: 'der', type: 'spki' });
  return sha256Hex(new Uint8Array(der));
}

export const DEMO_PUBLIC_KEY_SHA256 = publicKeyFingerprint(DEMO_PUBLIC_KEY_PEM);

/** Whether `signature` (64 raw bytes) is a valid Ed25519 signature of exactly `message` under `publicKeyPem`. */
export function verifyEd25519(message: Uint8Array, signature: Uint8Array, publicKeyPem: string): boolean {
  if (signature.byteLength !== 64) return false;
  return verify(null, message, ed25519PublicKey(publicKeyPem), signature);
}
