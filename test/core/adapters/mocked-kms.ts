import { generateKeyPairSync, sign } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { createKmsSigner } from '../../../core/adapters/kms-signer.ts';
import type { EvidenceSigner } from '../../../core/ports.ts';

export const KMS_KEY_ARN = 'arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/**
 * A KMSClient whose SDK calls are mocked (no KMS is reachable here) but behave as an
 * ECC_NIST_EDWARDS25519 key would: GetPublicKey returns the DER SPKI of a local Ed25519 key, and Sign
 * signs the RAW message with its private half (plain Ed25519, ED25519_SHA_512) — so what it signs is
 * checkable by openssl. Only this client instance is mocked: S3 and other KMS clients are untouched.
 */
export function mockedKms(keySpec = 'ECC_NIST_EDWARDS25519') {
  const client = new KMSClient({ region: 'eu-west-2' });
  const mock = mockClient(client);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  mock.on(GetPublicKeyCommand).resolves({
    KeyId: KMS_KEY_ARN,
    KeySpec: keySpec as 'ECC_NIST_EDWARDS25519',
    KeyUsage: 'SIGN_VERIFY',
    PublicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
    SigningAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'],
  });
  mock.on(SignCommand).callsFake(async (input: { Message: Uint8Array }) => ({
    KeyId: KMS_KEY_ARN,
    SigningAlgorithm: 'ED25519_SHA_512',
    Signature: new Uint8Array(sign(null, input.Message, privateKey)),
  }));
  return { client, mock };
}

/** The real KMS signer (core/adapters/kms-signer.ts) over a mocked client: what evidence.kms_key_arn loads. */
export async function mockedKmsSigner(): Promise<
  EvidenceSigner & { readonly mock: ReturnType<typeof mockedKms>['mock'] }
> {
  const { client, mock } = mockedKms();
  return Object.assign(await createKmsSigner(client, KMS_KEY_ARN), { mock });
}
