import { createPublicKey } from 'node:crypto';
import {
  GetPublicKeyCommand,
  type GetPublicKeyCommandOutput,
  KMSClient,
  SignCommand,
} from '@aws-sdk/client-kms';
import type { MigrationConfig } from '../domain/config/schema.ts';
import { PreconditionError, TransientError } from '../domain/errors.ts';
import { SIGNING_KEY_FIX } from '../domain/precheck/rules/b17-signing-key.ts';
import type { EvidenceSigner } from '../ports.ts';
import { AwsSecretsReader, regionOfArn } from './secrets.ts';
import { loadEvidenceSigner } from './signing-key.ts';

/**
 * Evidence signing with an AWS KMS key of key spec ECC_NIST_EDWARDS25519: GetPublicKey once (the
 * DER SPKI becomes evidence-public-key.pem), then Sign with SigningAlgorithm ED25519_SHA_512 and
 * MessageType RAW — plain Ed25519 over the exact bytes, which `openssl pkeyutl -verify -rawin`
 * checks. (ED25519_PH_SHA_512 would sign a pre-hash, Ed25519ph, which that command does not verify.)
 *
 * KMS accepts at most 4096 bytes of RAW message, so the signer says so (`maxMessageBytes`) and larger
 * evidence is published under a signed envelope: the document as evidence-body.json, and evidence.json
 * a small envelope holding its SHA-256, which is what KMS signs (core/app/evidence.ts signEvidence,
 * docs/evidence.md). A longer message reaching sign() anyway is refused, never pre-hashed.
 */
export const KMS_RAW_MESSAGE_MAX_BYTES = 4096;

export async function createKmsSigner(client: KMSClient, keyArn: string): Promise<EvidenceSigner> {
  let out: GetPublicKeyCommandOutput;
  try {
    out = await client.send(new GetPublicKeyCommand({ KeyId: keyArn }));
  } catch (e) {
    throw kmsError('GetPublicKey', keyArn, e);
  }
  if (out.KeySpec !== 'ECC_NIST_EDWARDS25519') {
    throw new PreconditionError(
      `signing key ${keyArn} (kms) is ${out.KeySpec ?? 'of an unknown key spec'}, not ECC_NIST_EDWARDS25519`,
      { code: 'SIGNING_KEY_UNUSABLE', fix: SIGNING_KEY_FIX.kms },
    );
  }
  if (out.KeyUsage !== undefined && out.KeyUsage !== 'SIGN_VERIFY') {
    throw new PreconditionError(
      `signing key ${keyArn} (kms) has key usage ${out.KeyUsage}, not SIGN_VERIFY`,
      {
        code: 'SIGNING_KEY_UNUSABLE',
        fix: SIGNING_KEY_FIX.kms,
      },
    );
  }
  if (!out.PublicKey) {
    throw new PreconditionError(`GetPublicKey on ${keyArn} returned no public key`, {
      code: 'SIGNING_KEY_UNUSABLE',
      fix: SIGNING_KEY_FIX.kms,
    });
  }
  const publicKeyPem = createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' })
    .export({ format: 'pem', type: 'spki' })
    .toString();
  return {
    source: 'kms',
    keyId: keyArn,
    publicKeyPem,
    maxMessageBytes: KMS_RAW_MESSAGE_MAX_BYTES,
    async sign(bytes) {
      if (bytes.byteLength > KMS_RAW_MESSAGE_MAX_BYTES) {
        throw new PreconditionError(
          `a message of ${bytes.byteLength} bytes cannot be signed by KMS key ${keyArn}: KMS signs at most ` +
            `${KMS_RAW_MESSAGE_MAX_BYTES} bytes of RAW message with ED25519_SHA_512`,
          {
            code: 'KMS_MESSAGE_TOO_LARGE',
            fix:
              'Evidence larger than that is signed through its envelope (core/app/evidence.ts signEvidence); a caller ' +
              'that signs directly must keep to the limit (maxMessageBytes).',
          },
        );
      }
      let signed: { Signature?: Uint8Array | undefined };
      try {
        signed = await client.send(
          new SignCommand({
            KeyId: keyArn,
            Message: bytes,
            MessageType: 'RAW',
            SigningAlgorithm: 'ED25519_SHA_512',
          }),
        );
      } catch (e) {
        throw kmsError('Sign', keyArn, e);
      }
      if (signed.Signature?.byteLength !== 64) {
        throw new PreconditionError(
          `KMS Sign with ${keyArn} returned ${signed.Signature?.byteLength ?? 0} bytes, not a 64-byte Ed25519 signature`,
          { code: 'KMS_BAD_SIGNATURE', fix: SIGNING_KEY_FIX.kms },
        );
      }
      return new Uint8Array(signed.Signature);
    },
  };
}

function kmsError(operation: string, keyArn: string, e: unknown): Error {
  const name = (e as { name?: string } | undefined)?.name ?? 'Error';
  if (
    [
      'AccessDeniedException',
      'NotFoundException',
      'DisabledException',
      'KMSInvalidStateException',
      'InvalidKeyUsageException',
    ].includes(name)
  ) {
    return new PreconditionError(`${operation} on KMS key ${keyArn} failed: ${name}`, {
      code: 'SIGNING_KEY_UNUSABLE',
      fix: SIGNING_KEY_FIX.kms,
      cause: e,
    });
  }
  return new TransientError(`${operation} on KMS key ${keyArn} failed: ${name}`, {
    code: 'KMS_UNAVAILABLE',
    fix: 'KMS did not answer; check network access to it (VPC endpoint or NAT) and retry.',
    cause: e,
  });
}

/**
 * The configured evidence signer with the real AWS clients (what the SignEvidence step and
 * `finalize` use): KMS in the key's region, Secrets Manager through AwsSecretsReader.
 */
export function loadConfiguredSigner(
  evidence: MigrationConfig['evidence'],
  env: NodeJS.ProcessEnv = process.env,
): Promise<EvidenceSigner> {
  const secrets = new AwsSecretsReader();
  return loadEvidenceSigner(evidence, {
    secretString: (arn) => secrets.readSecretString(arn),
    kmsSigner: (arn) =>
      createKmsSigner(new KMSClient({ region: regionOfArn(arn) ?? env['AWS_REGION'] }), arn),
  });
}
