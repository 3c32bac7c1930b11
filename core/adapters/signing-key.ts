import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { MigrationConfig } from '../domain/config/schema.ts';
import { causeText } from '../domain/errors.ts';
import type { SigningKeySnapshot } from '../domain/precheck/types.ts';

/**
 * Finds out whether the configured evidence signing key can be used, without signing anything.
 * PEM file: read and parsed (must be an Ed25519 PKCS#8 private key). KMS and Secrets Manager keys
 * are probed through the given functions (the AWS SDK adapters), so this stays testable offline.
 */
export interface SigningKeyProbeDeps {
  readonly kmsKeySpec?: (keyArn: string) => Promise<string>;
  readonly secretString?: (secretArn: string) => Promise<string>;
}

export async function probeSigningKey(
  evidence: MigrationConfig['evidence'],
  deps: SigningKeyProbeDeps = {},
): Promise<SigningKeySnapshot> {
  if (evidence.signing_key_path) {
    const location = evidence.signing_key_path;
    let pem: string;
    try {
      pem = await readFile(location, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const error =
        code === 'ENOENT'
          ? `signing key not found at path: ${location}`
          : `signing key at ${location} is not readable (${code ?? String(e)})`;
      return { source: 'path', location, readable: false, error };
    }
    return { source: 'path', location, ...inspectPem(pem, location) };
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
      return {
        source: 'secret',
        location,
        readable: false,
        error: causeText(e),
      };
    }
  }
  return { source: 'none', readable: true, keyType: 'ed25519' };
}

function inspectPem(
  pem: string,
  location: string,
): Pick<SigningKeySnapshot, 'readable' | 'keyType' | 'error'> {
  try {
    const key = createPrivateKey({ key: pem, format: 'pem' });
    return { readable: true, keyType: key.asymmetricKeyType ?? 'unknown' };
  } catch (e) {
    return {
      readable: false,
      error: `signing key at ${location} is not a PEM private key: ${causeText(e)}`,
    };
  }
}
