import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { MigrationConfig } from '../domain/config/schema.ts';
import { causeText, PreconditionError } from '../domain/errors.ts';
import { DEMO_KEY_ID } from '../domain/evidence/signing.ts';
import { SIGNING_KEY_FIX } from '../domain/precheck/rules/b17-signing-key.ts';
import type { SigningKeySnapshot } from '../domain/precheck/types.ts';
import type { EvidenceSigner } from '../ports.ts';

/**
 * The evidence signing key (SPEC §6.6): a PEM file (`evidence.signing_key_path`), a Secrets Manager
 * secret holding the PEM (`evidence.secret_arn`), a KMS key (`evidence.kms_key_arn`, kms-signer.ts),
 * or — none configured — the built-in demo key below. `probeSigningKey` (precheck B17/W09) finds out
 * whether the key can be used without signing; `loadEvidenceSigner` loads it for signing. Both read
 * the key the same way, so precheck and finalize cannot disagree. Key material never leaves here:
 * errors name the location, never the content.
 */

/**
 * The built-in demo key (Ed25519, PKCS#8). Its private half is published here ON PURPOSE: evidence
 * signed with it is marked as proving nothing (precheck W09, the evidence's warnings, verify-evidence).
 * Its public key and fingerprint: core/domain/evidence/signing.ts DEMO_PUBLIC_KEY_PEM.
 */
export const DEMO_SIGNING_KEY_PEM =
  '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEILP13ZPrzkexC1iYwzEJV+eqpT+YACzQJHiWcwCsJu+p\n-----END PRIVATE KEY-----\n';

export interface SigningKeyProbeDeps {
  readonly kmsKeySpec?: (keyArn: string) => Promise<string>;
  readonly secretString?: (secretArn: string) => Promise<string>;
}

export interface SigningKeyLoadDeps {
  readonly secretString?: (secretArn: string) => Promise<string>;
  /** Builds the KMS signer of a key ARN (core/adapters/kms-signer.ts createKmsSigner). */
  readonly kmsSigner?: (keyArn: string) => Promise<EvidenceSigner>;
}

type PemRead = { readonly pem: string } | { readonly error: string; readonly notFound: boolean };

/** Reads a PEM file; `signing key not found at path: …` exactly when it does not exist. */
async function readPemFile(location: string): Promise<PemRead> {
  try {
    return { pem: await readFile(location, 'utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? { error: `signing key not found at path: ${location}`, notFound: true }
      : { error: `signing key at ${location} is not readable (${code ?? String(e)})`, notFound: false };
  }
}

type KeyParse = { readonly key: KeyObject } | { readonly error: string };

function parsePrivatePem(pem: string, location: string): KeyParse {
  try {
    return { key: createPrivateKey({ key: pem, format: 'pem' }) };
  } catch (e) {
    return { error: `signing key at ${location} is not a PEM private key: ${causeText(e)}` };
  }
}

export async function probeSigningKey(
  evidence: MigrationConfig['evidence'],
  deps: SigningKeyProbeDeps = {},
): Promise<SigningKeySnapshot> {
  if (evidence.signing_key_path) {
    const location = evidence.signing_key_path;
    const read = await readPemFile(location);
    if ('error' in read) return { source: 'path', location, readable: false, error: read.error };
    return { source: 'path', location, ...inspectPem(read.pem, location) };
  }
  if (evidence.kms_key_arn) {
    const location = evidence.kms_key_arn;
    if (!deps.kmsKeySpec)
      return { source: 'kms', location, readable: false, error: 'no KMS client available' };
    try {
      const spec = await deps.kmsKeySpec(location);
      return {
        source: 'kms',
        location,
        readable: true,
        keyType: spec === 'ECC_NIST_EDWARDS25519' ? 'ed25519' : spec.toLowerCase(),
      };
    } catch (e) {
      return { source: 'kms', location, readable: false, error: causeText(e) };
    }
  }
  if (evidence.secret_arn) {
    const location = evidence.secret_arn;
    if (!deps.secretString) {
      return { source: 'secret', location, readable: false, error: 'no Secrets Manager client available' };
    }
    try {
      return { source: 'secret', location, ...inspectPem(await deps.secretString(location), location) };
    } catch (e) {
      return { source: 'secret', location, readable: false, error: causeText(e) };
    }
  }
  return { source: 'none', readable: true, keyType: 'ed25519' };
}

function inspectPem(
  pem: string,
  location: string,
): Pick<SigningKeySnapshot, 'readable' | 'keyType' | 'error'> {
  const parsed = parsePrivatePem(pem, location);
  if ('error' in parsed) return { readable: false, error: parsed.error };
  return { readable: true, keyType: parsed.key.asymmetricKeyType ?? 'unknown' };
}

/**
 * Loads the configured signing key for signing. Throws PreconditionError with the troubleshooting
 * page's text (`signing key not found at path: …`) and B17's fix when the key cannot be used.
 */
export async function loadEvidenceSigner(
  evidence: MigrationConfig['evidence'],
  deps: SigningKeyLoadDeps = {},
): Promise<EvidenceSigner> {
  if (evidence.signing_key_path) {
    const location = evidence.signing_key_path;
    const read = await readPemFile(location);
    if ('error' in read)
      throw keyError(read.error, 'path', read.notFound ? 'SIGNING_KEY_NOT_FOUND' : undefined);
    return localSigner('path', location, read.pem);
  }
  if (evidence.kms_key_arn) {
    if (!deps.kmsSigner)
      throw keyError(`signing key ${evidence.kms_key_arn} (kms): no KMS client available`, 'kms');
    return deps.kmsSigner(evidence.kms_key_arn);
  }
  if (evidence.secret_arn) {
    const location = evidence.secret_arn;
    if (!deps.secretString)
      throw keyError(`signing key ${location} (secret): no Secrets Manager client available`, 'secret');
    let pem: string;
    try {
      pem = await deps.secretString(location);
    } catch (e) {
      throw keyError(
        `signing key ${location} (secret) is not readable: ${causeText(e)}`,
        'secret',
        undefined,
        e,
      );
    }
    return localSigner('secret', location, pem);
  }
  return localSigner('demo', DEMO_KEY_ID, DEMO_SIGNING_KEY_PEM);
}

function keyError(
  text: string,
  source: keyof typeof SIGNING_KEY_FIX,
  code = 'SIGNING_KEY_UNUSABLE',
  cause?: unknown,
): PreconditionError {
  return new PreconditionError(text, { code, fix: SIGNING_KEY_FIX[source], cause });
}

/** An Ed25519 PKCS#8 PEM held in this process (file, secret or the demo key). */
function localSigner(source: 'path' | 'secret' | 'demo', keyId: string, pem: string): EvidenceSigner {
  const parsed = parsePrivatePem(pem, keyId);
  const fixSource = source === 'demo' ? 'path' : source;
  if ('error' in parsed) throw keyError(parsed.error, fixSource);
  const key = parsed.key;
  if (key.asymmetricKeyType !== 'ed25519') {
    throw keyError(
      `signing key ${keyId} (${source}) is ${key.asymmetricKeyType ?? 'of an unknown type'}, not Ed25519`,
      fixSource,
    );
  }
  const publicKeyPem = createPublicKey(key).export({ format: 'pem', type: 'spki' }).toString();
  return {
    source,
    keyId,
    publicKeyPem,
    async sign(bytes) {
      return new Uint8Array(sign(null, bytes, key));
    },
  };
}
