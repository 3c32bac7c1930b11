/**
 * Publishing signed evidence to the moto S3 server: with Object Lock COMPLIANCE retention, the exact
 * error on a bucket without lock, and every attempt kept (attempt folders written once; the canonical
 * key a new version on a locked bucket); KMS-signed evidence larger than KMS signs (the KMS SDK mocked,
 * signing with a local Ed25519 key) as a signed envelope beside its body, kept and locked alike.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KMS_RAW_MESSAGE_MAX_BYTES } from '../../../core/adapters/kms-signer.ts';
import { loadEvidenceSigner } from '../../../core/adapters/signing-key.ts';
import { describeArtifacts, type PublishEvidenceInput, publishEvidence } from '../../../core/app/evidence.ts';
import type { PreconditionError } from '../../../core/domain/errors.ts';
import { verifyEvidenceBytes } from '../../../core/domain/evidence/index.ts';
import type { ObjectStore } from '../../../core/ports.ts';
import { mockedKmsSigner } from '../../core/adapters/mocked-kms.ts';
import { sampleInput } from '../../core/domain/evidence/fixtures.ts';
import { opensslVerify } from '../../core/domain/evidence/openssl.ts';
import { cli } from '../cli-run.ts';
import {
  createBucket,
  s3 as stackClient,
  stackConfig,
  stackStore,
  tempDir,
  writeConfig,
  writeSigningKey,
} from '../fixtures.ts';

const DAY_MS = 86_400_000;
let client: S3Client;
beforeAll(() => {
  client = stackClient();
});
afterAll(() => client.destroy());

function input(): PublishEvidenceInput {
  const { attempt: _a, key: _k, generatedAt: _g, ...rest } = sampleInput();
  return rest;
}

async function getBytes(bucket: string, key: string, versionId?: string): Promise<Uint8Array> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  return out.Body!.transformToByteArray();
}

describe('publishEvidence', () => {
  it('uploads evidence.json, .sig, the public key and evidence.html under COMPLIANCE retention', async () => {
    // Arrange
    const bucket = await createBucket({ objectLock: true }, client);
    const signer = await loadEvidenceSigner({ signing_key_path: await writeSigningKey(await tempDir()) });
    const now = new Date();

    // Act
    const published = await publishEvidence(input(), {
      store: stackStore(`s3://${bucket}/evidence`),
      signer,
      retentionMs: 7 * DAY_MS,
      now: () => now,
    });

    // Assert
    const id = published.document.migration_id;
    expect(published.url).toBe(`s3://${bucket}/evidence/migrations/${id}/evidence.json`);
    expect(published.attemptUrl).toBe(`s3://${bucket}/evidence/migrations/${id}/attempts/1/evidence.json`);
    for (const dir of [`evidence/migrations/${id}`, `evidence/migrations/${id}/attempts/1`]) {
      for (const name of ['evidence.json', 'evidence.json.sig', 'evidence-public-key.pem', 'evidence.html']) {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `${dir}/${name}` }));
        expect(head.ObjectLockMode, `${dir}/${name}`).toBe('COMPLIANCE');
        const until = head.ObjectLockRetainUntilDate?.getTime() ?? 0;
        expect(Math.abs(until - (now.getTime() + 7 * DAY_MS))).toBeLessThan(1000);
      }
    }
    const evidence = await getBytes(bucket, `evidence/migrations/${id}/evidence.json`);
    const signature = await getBytes(bucket, `evidence/migrations/${id}/evidence.json.sig`);
    const pem = new TextDecoder().decode(
      await getBytes(bucket, `evidence/migrations/${id}/evidence-public-key.pem`),
    );
    expect(signature.byteLength).toBe(64);
    expect(verifyEvidenceBytes({ evidence, signature, publicKeyPem: pem }).ok).toBe(true);
    expect(published.document.signing.key_source).toBe('path');
  });

  it('fails with exactly the page text when retention is set and the bucket has no Object Lock', async () => {
    const bucket = await createBucket({}, client);

    const e = (await publishEvidence(input(), {
      store: stackStore(`s3://${bucket}`),
      signer: await loadEvidenceSigner({}),
      retentionMs: DAY_MS,
    }).catch((x: unknown) => x)) as PreconditionError;

    expect(e.message).toBe('PutObject failed: InvalidRequest — bucket does not have Object Lock enabled');
    expect(e.fix).toMatch(/Object Lock cannot be added retroactively/);
  });

  it('keeps every attempt on a locked bucket: attempt folders once each, the canonical key as versions', async () => {
    // Arrange
    const bucket = await createBucket({ objectLock: true }, client);
    const store = stackStore(`s3://${bucket}`);
    const signer = await loadEvidenceSigner({});

    // Act
    const first = await publishEvidence(input(), { store, signer, retentionMs: DAY_MS });
    const second = await publishEvidence(input(), { store, signer, retentionMs: DAY_MS });

    // Assert
    const id = first.document.migration_id;
    expect([first.attempt, second.attempt]).toEqual([1, 2]);
    expect(second.document.attempt).toBe(2);
    const a1 = await getBytes(bucket, `migrations/${id}/attempts/1/evidence.json`);
    const a2 = await getBytes(bucket, `migrations/${id}/attempts/2/evidence.json`);
    expect(Buffer.from(a1).equals(Buffer.from(first.files[0]!.body))).toBe(true);
    expect(Buffer.from(a2).equals(Buffer.from(second.files[0]!.body))).toBe(true);
    const versions = await client.send(
      new ListObjectVersionsCommand({ Bucket: bucket, Prefix: `migrations/${id}/evidence.json` }),
    );
    const kept = (versions.Versions ?? []).filter((v) => v.Key === `migrations/${id}/evidence.json`);
    expect(kept).toHaveLength(2);
    const older = kept.find((v) => !v.IsLatest)!;
    expect(Buffer.from(await getBytes(bucket, older.Key!, older.VersionId)).equals(Buffer.from(a1))).toBe(
      true,
    );
    // a locked version cannot be deleted
    const deletion = await client
      .send(new DeleteObjectCommand({ Bucket: bucket, Key: older.Key!, VersionId: older.VersionId }))
      .catch((x: unknown) => x as Error);
    expect(deletion).toBeInstanceOf(Error);
    expect((deletion as Error).name).toBe('AccessDenied');
  });

  it('keeps every attempt on a bucket without versioning: attempts/<n>/ each, the canonical key the latest', async () => {
    const bucket = await createBucket({}, client);
    const store = stackStore(`s3://${bucket}/ev`);
    const signer = await loadEvidenceSigner({});

    const first = await publishEvidence(input(), { store, signer });
    const second = await publishEvidence(input(), { store, signer });

    const id = first.document.migration_id;
    const keys = (await store.list(`migrations/${id}/`)).map((h) => h.key).sort();
    expect(keys).toEqual(
      [
        ...['1', '2'].flatMap((n) =>
          ['evidence-public-key.pem', 'evidence.html', 'evidence.json', 'evidence.json.sig'].map(
            (f) => `migrations/${id}/attempts/${n}/${f}`,
          ),
        ),
        ...['evidence-public-key.pem', 'evidence.html', 'evidence.json', 'evidence.json.sig'].map(
          (f) => `migrations/${id}/${f}`,
        ),
      ].sort(),
    );
    expect(Buffer.from((await store.get(`migrations/${id}/attempts/1/evidence.json`))!)).toEqual(
      Buffer.from(first.files[0]!.body),
    );
    expect(Buffer.from((await store.get(`migrations/${id}/evidence.json`))!)).toEqual(
      Buffer.from(second.files[0]!.body),
    );
  });

  it('moves on to the next attempt when a concurrent finalize took the number first', async () => {
    // Arrange: attempt 1 exists, but this writer lists before it appeared (a stale first listing)
    const bucket = await createBucket({}, client);
    const real = stackStore(`s3://${bucket}`);
    const signer = await loadEvidenceSigner({});
    const first = await publishEvidence(input(), { store: real, signer });
    let listings = 0;
    const stale: ObjectStore = {
      url: real.url,
      put: (key, body, options) => real.put(key, body, options),
      get: (key) => real.get(key),
      delete: (key) => real.delete(key),
      bucketFacts: () => real.bucketFacts(),
      list: async (prefix) => (listings++ === 0 ? [] : real.list(prefix)),
    };

    // Act
    const second = await publishEvidence(input(), { store: stale, signer });

    // Assert
    expect(second.attempt).toBe(2);
    const id = first.document.migration_id;
    expect(Buffer.from((await real.get(`migrations/${id}/attempts/1/evidence.json`))!)).toEqual(
      Buffer.from(first.files[0]!.body),
    );
  });

  it('verify-evidence --config checks artifacts in the evidence bucket and detects a changed one', async () => {
    // Arrange: an artifact in the bucket, evidence listing it, the four files downloaded
    const bucket = await createBucket({}, client);
    const store = stackStore(`s3://${bucket}/ev`);
    const map = new TextEncoder().encode('{"orders/0":[["0","0","42"]]}');
    const key = `migrations/${sampleInput().migrationId}/offset-maps/orders-0.json`;
    await store.put(key, map);
    const published = await publishEvidence(
      { ...input(), artifacts: await describeArtifacts(store, [key]) },
      { store, signer: await loadEvidenceSigner({}) },
    );
    const dir = await tempDir();
    for (const f of published.files) await writeFile(join(dir, f.name), f.body);
    const config = await writeConfig(
      dir,
      stackConfig({ storage: { segments: `s3://${bucket}/seg`, evidence: `s3://${bucket}/ev` } }),
    );

    // Act
    const intact = await cli(['verify-evidence', join(dir, 'evidence.json'), '--config', config]);
    await store.put(key, 'changed');
    const changed = await cli(['verify-evidence', join(dir, 'evidence.json'), '--config', config]);

    // Assert
    expect(intact.stdout).toContain(`artifact ${key}: OK s3://${bucket}/ev/${key}: ${map.byteLength} bytes`);
    expect(intact.code).toBe(0);
    expect(changed.stdout).toMatch(new RegExp(`artifact ${key}: FAILED s3://${bucket}/ev/${key}: 7 bytes`));
    expect(changed.code).toBe(1);
  });

  it('publishes KMS-signed evidence above 4096 bytes as a locked envelope + body per attempt, verifiable from the bucket', async () => {
    // Arrange: 60 offset maps in the bucket, listed in the evidence (well above what KMS signs)
    const bucket = await createBucket({ objectLock: true }, client);
    const store = stackStore(`s3://${bucket}/ev`);
    const id = sampleInput().migrationId;
    const keys: string[] = [];
    for (let i = 0; i < 60; i++) {
      keys.push(`migrations/${id}/offset-maps/orders-${i}.json`);
      await store.put(keys[i]!, `{"orders/${i}":[["0","0","${i * 7}"]]}`);
    }
    const signer = await mockedKmsSigner();
    const artifacts = await describeArtifacts(store, keys);
    const now = new Date();

    // Act: two finalize attempts
    const first = await publishEvidence(
      { ...input(), artifacts },
      { store, signer, retentionMs: DAY_MS, now: () => now },
    );
    const second = await publishEvidence({ ...input(), artifacts }, { store, signer, retentionMs: DAY_MS });

    // Assert: five files in each attempt folder and at the canonical keys, every one locked
    expect(first.envelope?.body.key).toBe(`migrations/${id}/attempts/1/evidence-body.json`);
    expect(second.envelope?.body.key).toBe(`migrations/${id}/attempts/2/evidence-body.json`);
    const firstBody = first.files.find((f) => f.name === 'evidence-body.json')!.body;
    expect(firstBody.byteLength).toBeGreaterThan(KMS_RAW_MESSAGE_MAX_BYTES);
    const names = [
      'evidence-body.json',
      'evidence.json',
      'evidence.json.sig',
      'evidence-public-key.pem',
      'evidence.html',
    ];
    for (const dir of [
      `ev/migrations/${id}`,
      `ev/migrations/${id}/attempts/1`,
      `ev/migrations/${id}/attempts/2`,
    ]) {
      for (const name of names) {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `${dir}/${name}` }));
        expect(head.ObjectLockMode, `${dir}/${name}`).toBe('COMPLIANCE');
      }
    }
    expect(Buffer.from(await getBytes(bucket, `ev/migrations/${id}/attempts/1/evidence-body.json`))).toEqual(
      Buffer.from(firstBody),
    );
    const bodyVersions = await client.send(
      new ListObjectVersionsCommand({ Bucket: bucket, Prefix: `ev/migrations/${id}/evidence-body.json` }),
    );
    expect(
      bodyVersions.Versions?.filter((v) => v.Key === `ev/migrations/${id}/evidence-body.json`),
    ).toHaveLength(2);

    // Act: an auditor downloads attempt 1's envelope, signature and key only
    const dir = await tempDir();
    for (const name of ['evidence.json', 'evidence.json.sig', 'evidence-public-key.pem']) {
      await writeFile(join(dir, name), await getBytes(bucket, `ev/migrations/${id}/attempts/1/${name}`));
    }
    const config = await writeConfig(
      dir,
      stackConfig({ storage: { segments: `s3://${bucket}/seg`, evidence: `s3://${bucket}/ev` } }),
    );
    const file = join(dir, 'evidence.json');
    const openssl = opensslVerify(dir);
    const fromBucket = await cli(['verify-evidence', file, '--config', config]);
    const withoutBody = await cli(['verify-evidence', file]);
    const flipped = Buffer.from(firstBody);
    flipped[10] = (flipped[10] ?? 0) ^ 0x01;
    await writeFile(join(dir, 'evidence-body.json'), flipped);
    const tampered = await cli(['verify-evidence', file, '--config', config]);
    await writeFile(
      join(dir, 'evidence-body.json'),
      await getBytes(bucket, `ev/migrations/${id}/attempts/2/evidence-body.json`),
    );
    const swapped = await cli(['verify-evidence', file, '--config', config]);

    // Assert
    expect(openssl).toEqual({ stdout: 'Signature Verified Successfully', status: 0 });
    expect(fromBucket.stdout).toContain(
      `body: OK s3://${bucket}/ev/migrations/${id}/attempts/1/evidence-body.json: ${firstBody.byteLength} bytes`,
    );
    expect(fromBucket.stdout).toContain('journal_chain: OK');
    expect(fromBucket.stdout.match(/^artifact .*: OK s3:\/\//gm)).toHaveLength(60);
    expect(fromBucket.code).toBe(0);
    expect(withoutBody.code).toBe(1);
    expect(withoutBody.stdout).toContain('body: FAILED evidence-body.json not found');
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(
      /body: FAILED .*evidence-body\.json: \d+ bytes sha256 [0-9a-f]{64}, the envelope says/,
    );
    expect(swapped.code).toBe(1);
    expect(swapped.stdout).toMatch(
      /body: FAILED .*evidence-body\.json: \d+ bytes sha256 [0-9a-f]{64}, the envelope says/,
    );
    expect(await readFile(join(dir, 'evidence.json'))).toEqual(
      Buffer.from(first.files.find((f) => f.name === 'evidence.json')!.body),
    );
  });
});
