/**
 * Evidence signing keys: PEM file, Secrets Manager (a fake secretString at the seam), KMS (the SDK
 * mocked with aws-sdk-client-mock: no KMS is reachable here) and the built-in demo key.
 */
import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand, NotFoundException, SignCommand } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { createKmsSigner, KMS_RAW_MESSAGE_MAX_BYTES } from '../../../core/adapters/kms-signer.ts';
import { loadEvidenceSigner, probeSigningKey } from '../../../core/adapters/signing-key.ts';
import { PreconditionError } from '../../../core/domain/errors.ts';
import { DEMO_PUBLIC_KEY_PEM, verifyEd25519 } from '../../../core/domain/evidence/signing.ts';
import { KMS_KEY_ARN, mockedKms } from './mocked-kms.ts';

const KEY_ARN = KMS_KEY_ARN;
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:evidence-key-AbCdEf';
const message = new TextEncoder().encode('{"migration_id":"m-1"}');

async function pemFile(type: 'ed25519' | 'rsa' = 'ed25519') {
  const pair =
    type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dir = await mkdtemp(join(tmpdir(), 'signing-key-'));
  const path = join(dir, 'evidence-signing.key');
  await writeFile(path, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }));
  return { path, pair };
}

/** The error a promise rejects with (a resolution fails the PreconditionError assertions that follow). */
const rejection = (promise: Promise<unknown>) =>
  promise.catch((e: unknown) => e) as Promise<PreconditionError>;

describe('loadEvidenceSigner', () => {
  it('signs with the PEM file at evidence.signing_key_path', async () => {
    const { path, pair } = await pemFile();

    const signer = await loadEvidenceSigner({ signing_key_path: path });
    const signature = await signer.sign(message);

    expect(signer).toMatchObject({ source: 'path', keyId: path });
    expect(signature.byteLength).toBe(64);
    expect(verify(null, message, pair.publicKey, signature)).toBe(true);
    expect(signer.publicKeyPem).toBe(pair.publicKey.export({ format: 'pem', type: 'spki' }).toString());
  });

  it('fails with exactly `signing key not found at path: …` and the page fix when the file is missing', async () => {
    const e = await rejection(
      loadEvidenceSigner({ signing_key_path: '/etc/kafka-backup/evidence-signing.key' }),
    );

    expect(e).toBeInstanceOf(PreconditionError);
    expect(e.message).toBe('signing key not found at path: /etc/kafka-backup/evidence-signing.key');
    expect(e.fix).toMatch(/remove signing_key_path from the config to use the built-in demo key/);
  });

  it('refuses a key that is not Ed25519, naming its type', async () => {
    const { path } = await pemFile('rsa');

    const e = await rejection(loadEvidenceSigner({ signing_key_path: path }));

    expect(e.message).toBe(`signing key ${path} (path) is rsa, not Ed25519`);
  });

  it('agrees with probeSigningKey (precheck B17) on a missing file', async () => {
    const probe = await probeSigningKey({ signing_key_path: '/nope/key.pem' });

    expect(probe.error).toBe('signing key not found at path: /nope/key.pem');
  });

  it('signs with the PEM held in the Secrets Manager secret at evidence.secret_arn', async () => {
    const { pair } = await pemFile();
    const pem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const asked: string[] = [];

    const signer = await loadEvidenceSigner(
      { secret_arn: SECRET_ARN },
      {
        secretString: async (arn) => {
          asked.push(arn);
          return pem;
        },
      },
    );

    expect(asked).toEqual([SECRET_ARN]);
    expect(signer).toMatchObject({ source: 'secret', keyId: SECRET_ARN });
    expect(verify(null, message, pair.publicKey, await signer.sign(message))).toBe(true);
  });

  it('names the secret, never its content, when it holds no PEM', async () => {
    const e = await rejection(
      loadEvidenceSigner({ secret_arn: SECRET_ARN }, { secretString: async () => 'hunter2-not-a-key' }),
    );

    expect(e.message).toContain(SECRET_ARN);
    expect(e.message).not.toContain('hunter2');
  });

  it('falls back to the built-in demo key when no key is configured', async () => {
    const signer = await loadEvidenceSigner({});

    expect(signer).toMatchObject({
      source: 'demo',
      keyId: 'built-in demo key',
      publicKeyPem: DEMO_PUBLIC_KEY_PEM,
    });
    expect(verifyEd25519(message, await signer.sign(message), DEMO_PUBLIC_KEY_PEM)).toBe(true);
  });
});

describe('createKmsSigner (KMS mocked)', () => {
  it('signs with ED25519_SHA_512 over the RAW message, and turns the DER public key into SPKI PEM', async () => {
    const { client, mock } = mockedKms();

    const signer = await createKmsSigner(client, KEY_ARN);
    const signature = await signer.sign(message);

    expect(signer).toMatchObject({ source: 'kms', keyId: KEY_ARN });
    expect(verifyEd25519(message, signature, signer.publicKeyPem)).toBe(true);
    const call = mock.commandCalls(SignCommand)[0]?.args[0].input;
    expect(call).toMatchObject({ KeyId: KEY_ARN, MessageType: 'RAW', SigningAlgorithm: 'ED25519_SHA_512' });
    expect(Buffer.from(call?.Message as Uint8Array).equals(Buffer.from(message))).toBe(true);
  });

  it('is what loadEvidenceSigner uses for evidence.kms_key_arn', async () => {
    const { client } = mockedKms();

    const signer = await loadEvidenceSigner(
      { kms_key_arn: KEY_ARN },
      { kmsSigner: (arn) => createKmsSigner(client, arn) },
    );

    expect(signer.source).toBe('kms');
  });

  it('refuses a KMS key of another key spec', async () => {
    const { client } = mockedKms('ECC_NIST_P256');

    const e = await rejection(createKmsSigner(client, KEY_ARN));

    expect(e.message).toBe(`signing key ${KEY_ARN} (kms) is ECC_NIST_P256, not ECC_NIST_EDWARDS25519`);
  });

  it('says it signs at most 4096 bytes, and refuses a longer message instead of signing a pre-hash', async () => {
    const { client, mock } = mockedKms();
    const signer = await createKmsSigner(client, KEY_ARN);

    const e = await rejection(signer.sign(new Uint8Array(KMS_RAW_MESSAGE_MAX_BYTES + 1)));

    expect(signer.maxMessageBytes).toBe(4096);
    expect(e.code).toBe('KMS_MESSAGE_TOO_LARGE');
    expect(mock.commandCalls(SignCommand)).toHaveLength(0);
  });

  it('reports a missing KMS key as a precondition naming the key', async () => {
    const { client, mock } = mockedKms();
    mock.on(GetPublicKeyCommand).rejects(new NotFoundException({ message: 'no such key', $metadata: {} }));

    const e = await rejection(createKmsSigner(client, KEY_ARN));

    expect(e).toBeInstanceOf(PreconditionError);
    expect(e.message).toBe(`GetPublicKey on KMS key ${KEY_ARN} failed: NotFoundException`);
  });
});
