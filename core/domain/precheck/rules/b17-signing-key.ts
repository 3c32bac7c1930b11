import { finding } from '../finding.ts';
import type { PrecheckRule, PrecheckSnapshot, SigningKeySnapshot } from '../types.ts';

const ED25519_NAMES = new Set(['ed25519', 'ecc_nist_edwards25519']);

export const SIGNING_KEY_FIX: Record<Exclude<SigningKeySnapshot['source'], 'none'>, string> = {
  path:
    'Either provide the Ed25519 signing key at the configured path (PKCS#8 PEM, e.g. `openssl genpkey -algorithm ' +
    'ed25519 -out evidence-signing.key`), or remove signing_key_path from the config to use the built-in demo key.',
  kms:
    'Use a KMS key with key spec ECC_NIST_EDWARDS25519 and key usage SIGN_VERIFY and grant the runner kms:Sign and ' +
    'kms:GetPublicKey on it, or remove evidence.kms_key_arn from the config to use the built-in demo key.',
  secret:
    'Store an Ed25519 private key (PKCS#8 PEM) in the secret and grant the runner secretsmanager:GetSecretValue ' +
    "(and kms:Decrypt on the secret's key), or remove evidence.secret_arn from the config to use the built-in demo key.",
};

/**
 * B17: an evidence signing key is configured but cannot be read, or is not Ed25519. A missing
 * key file (error undefined or an ENOENT / "not found" error) gives exactly the page's text:
 * `signing key not found at path: <path>`. An error that is already a sentence about the key
 * (starts with "signing key") is used as the message as it is.
 */
export const signingKeyRule: PrecheckRule = {
  id: 'B17-signing-key',
  codes: ['B17'],
  check(s) {
    const key = s.signingKey;
    if (key.source === 'none') return [];
    const where = key.location ?? configuredLocation(s, key.source) ?? `(${key.source})`;
    const subject = where;
    if (!key.readable) {
      const message =
        key.source === 'path' && isNotFound(key.error)
          ? `signing key not found at path: ${where}`
          : key.error?.startsWith('signing key')
            ? key.error
            : `signing key ${where} (${key.source}) is not readable: ${key.error ?? 'no error detail'}`;
      return [finding('B17', subject, message, SIGNING_KEY_FIX[key.source])];
    }
    if (key.keyType !== undefined && ED25519_NAMES.has(key.keyType.toLowerCase())) return [];
    return [
      finding(
        'B17',
        subject,
        `signing key ${where} (${key.source}) is ${key.keyType ?? 'of an unknown type'}, not Ed25519`,
        SIGNING_KEY_FIX[key.source],
      ),
    ];
  },
};

function configuredLocation(s: PrecheckSnapshot, source: SigningKeySnapshot['source']): string | undefined {
  if (source === 'path') return s.config.evidence.signing_key_path;
  if (source === 'kms') return s.config.evidence.kms_key_arn;
  if (source === 'secret') return s.config.evidence.secret_arn;
  return undefined;
}

function isNotFound(error: string | undefined): boolean {
  return error === undefined || /ENOENT|not found|no such file/i.test(error);
}
