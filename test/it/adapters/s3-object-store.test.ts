import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeadObjectCommand, PutBucketEncryptionCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_DENIED_FIX, OBJECT_LOCK_NOT_ENABLED_FIX } from '../../../core/adapters/s3/errors.ts';
import { S3ObjectStore } from '../../../core/adapters/s3/object-store.ts';
import { PROBE_PREFIX, probeBucket } from '../../../core/adapters/s3/probe.ts';
import { PreconditionError } from '../../../core/domain/errors.ts';
import { CONDITIONAL_WRITE_CONFLICT } from '../../../core/ports.ts';
import { createBucket, S3_CREDENTIALS, s3 as stackClient, stackStore } from '../fixtures.ts';

const KMS_KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const text = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes);

async function rejection(promise: Promise<unknown>): Promise<PreconditionError> {
  try {
    await promise;
  } catch (e) {
    return e as PreconditionError;
  }
  throw new Error('expected a rejection');
}

let client: S3Client;
beforeAll(() => {
  client = stackClient();
});
afterAll(() => client.destroy());

describe('S3ObjectStore objects', () => {
  it('puts and gets an object under the prefix', async () => {
    const bucket = await createBucket({}, client);
    const store = stackStore(`s3://${bucket}/migrations/m1/`);

    await store.put('a/b.json', '{"x":1}', { contentType: 'application/json' });

    expect(store.url).toBe(`s3://${bucket}/migrations/m1`);
    expect(text(await store.get('a/b.json'))).toBe('{"x":1}');
    expect(text(await stackStore(`s3://${bucket}`).get('migrations/m1/a/b.json'))).toBe('{"x":1}');
  });

  it('puts an object given as chunks (views into larger buffers) with its known SHA-256', async () => {
    // Arrange: three views at odd offsets, as a segment's batches are views into fetch responses
    const store = stackStore(`s3://${await createBucket({}, client)}/p`);
    const backing = randomBytes(3 * 1024 * 1024 + 7);
    const chunks = [
      backing.subarray(3, 1000),
      backing.subarray(1000, 2_000_000),
      backing.subarray(2_000_000),
    ];
    const whole = Buffer.concat(chunks);
    const sha256 = createHash('sha256').update(whole).digest('hex');

    // Act
    await store.put('seg.kmseg', chunks, { sha256 });

    // Assert
    expect(Buffer.from((await store.get('seg.kmseg'))!).equals(whole)).toBe(true);
    // (moto does not verify x-amz-checksum-sha256 / x-amz-content-sha256 against the body; S3 does)
  });

  it('returns undefined for a missing key', async () => {
    const store = stackStore(`s3://${await createBucket({}, client)}/p`);

    expect(await store.get('nope')).toBeUndefined();
  });

  it('lists every page, with keys relative to the store prefix', async () => {
    const bucket = await createBucket({}, client);
    const store = stackStore(`s3://${bucket}/pre`);
    const keys = Array.from({ length: 1005 }, (_, i) => `seg/${String(i).padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, 'x')));
    }
    await store.put('other/ignored', 'x');

    const heads = await store.list('seg/');

    expect(heads.map((h) => h.key)).toEqual(keys);
    expect(heads[0]?.bytes).toBe(1);
  });

  it('deletes an object', async () => {
    const store = stackStore(`s3://${await createBucket({}, client)}`);
    await store.put('k', 'v');

    await store.delete('k');

    expect(await store.get('k')).toBeUndefined();
  });

  it('refuses a second conditional put of the same key and keeps the first body', async () => {
    const store = stackStore(`s3://${await createBucket({}, client)}/c`);
    await store.put('once', 'first', { ifNoneMatch: true });

    const error = await rejection(store.put('once', 'second', { ifNoneMatch: true }));

    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.code).toBe(CONDITIONAL_WRITE_CONFLICT);
    expect(text(await store.get('once'))).toBe('first');
  });

  it('lets exactly one of many concurrent conditional puts win', async () => {
    const bucket = await createBucket({}, client);
    const writers = Array.from({ length: 4 }, () => stackStore(`s3://${bucket}`));

    for (let round = 0; round < 25; round++) {
      const results = await Promise.allSettled(
        writers.map((w, i) => w.put(`race/${round}`, `writer-${i}`, { ifNoneMatch: true })),
      );
      const rejected = results.filter((r) => r.status === 'rejected');

      expect(results.length - rejected.length).toBe(1);
      for (const r of rejected) expect((r.reason as PreconditionError).code).toBe(CONDITIONAL_WRITE_CONFLICT);
    }
  });

  it('puts with SSE-KMS when a key is configured', async () => {
    const bucket = await createBucket({}, client);
    const store = stackStore(`s3://${bucket}`, { kmsKeyArn: KMS_KEY });

    await store.put('enc', 'secret-free payload');

    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'enc' }));
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.SSEKMSKeyId).toBe(KMS_KEY);
  });
});

describe('S3ObjectStore Object Lock retention', () => {
  it('puts with COMPLIANCE retention on an Object Lock bucket', async () => {
    const bucket = await createBucket({ objectLock: true }, client);
    const store = stackStore(`s3://${bucket}/ev`);
    const until = new Date(Date.now() + 86_400_000);
    until.setUTCMilliseconds(0);

    await store.put('evidence.json', '{}', { retainUntil: until });

    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'ev/evidence.json' }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(head.ObjectLockRetainUntilDate?.getTime()).toBe(until.getTime());
  });

  it('gives the exact troubleshooting error for retention on a bucket without Object Lock', async () => {
    const store = stackStore(`s3://${await createBucket({}, client)}/ev`);

    const error = await rejection(
      store.put('evidence.json', '{}', { retainUntil: new Date(Date.now() + 86_400_000) }),
    );

    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toBe('PutObject failed: InvalidRequest — bucket does not have Object Lock enabled');
    expect(error.fix).toBe(OBJECT_LOCK_NOT_ENABLED_FIX);
  });
});

describe('S3ObjectStore bucketFacts', () => {
  it('reports a plain bucket: no lock, no versioning, no KMS', async () => {
    const store = stackStore(`s3://${await createBucket({}, client)}`);

    expect(await store.bucketFacts()).toEqual({
      exists: true,
      objectLockEnabled: false,
      versioningEnabled: false,
      kmsKeyArn: undefined,
    });
  });

  it('reports Object Lock, versioning and the default KMS key', async () => {
    const bucket = await createBucket({ objectLock: true }, client);
    await client.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [
            { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KMS_KEY } },
          ],
        },
      }),
    );

    expect(await stackStore(`s3://${bucket}/x`).bucketFacts()).toEqual({
      exists: true,
      objectLockEnabled: true,
      versioningEnabled: true,
      kmsKeyArn: KMS_KEY,
    });
  });

  it('reports a missing bucket as not existing', async () => {
    const facts = await stackStore('s3://km-test-does-not-exist-4242/x').bucketFacts();

    expect(facts.exists).toBe(false);
  });
});

describe('probeBucket', () => {
  it('finds a lock bucket reachable and writable and leaves no probe object visible', async () => {
    const store = stackStore(`s3://${await createBucket({ objectLock: true }, client)}/ev`);

    const probe = await probeBucket(store);

    expect(probe).toMatchObject({
      reachable: true,
      writable: true,
      objectLockEnabled: true,
      versioningEnabled: true,
    });
    expect(probe.error).toBeUndefined();
    expect(await store.list(PROBE_PREFIX)).toEqual([]);
  });

  it('reports a missing bucket as unreachable with a reason', async () => {
    const probe = await probeBucket(stackStore('s3://km-test-does-not-exist-4242'));

    expect(probe).toMatchObject({ reachable: false, writable: false });
    expect(probe.error).toMatch(/does not exist/);
  });
});

/**
 * S3 answers a PUT with 503 SlowDown now and then; the SDK retries it. A body given as chunks is a
 * stream, which a retry cannot rewind: each attempt must send the chunks from the start. moto does
 * not throttle, so a local endpoint refuses the first attempt.
 */
describe('S3ObjectStore retried puts', () => {
  let server: Server;
  let endpoint: string;
  const bodies: Buffer[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => {
        bodies.push(Buffer.concat(parts));
        if (bodies.length === 1) {
          res.writeHead(503, { 'content-type': 'application/xml' });
          res.end(
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
          );
        } else {
          res.writeHead(200, { etag: '"e"' });
          res.end();
        }
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it('sends every chunk again when a chunked put is retried after 503 SlowDown', async () => {
    // Arrange
    const store = new S3ObjectStore({ url: 's3://segments-bucket/p', endpoint, credentials: S3_CREDENTIALS });
    const backing = randomBytes(200_000);
    const chunks = [
      backing.subarray(0, 70_000),
      backing.subarray(70_000, 140_001),
      backing.subarray(140_001),
    ];
    const sha256 = createHash('sha256').update(backing).digest('hex');

    // Act
    await store.put('seg.kmseg', chunks, { sha256 });

    // Assert: the first attempt was refused, the second carried the whole object
    expect(bodies).toHaveLength(2);
    expect(bodies[1]!.equals(backing)).toBe(true);
  });
});

/**
 * moto does not enforce IAM unless the whole shared server is switched to auth mode, so AccessDenied
 * comes from a tiny HTTP server that answers every request the way S3 does for a denied role:
 * real HTTP, real SDK error parsing, no client mock.
 */
describe('S3ObjectStore AccessDenied', () => {
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R</RequestId></Error>',
        );
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it('maps a denied PutObject to the exact message with the real bucket/key and the iam-policy fix', async () => {
    const store = new S3ObjectStore({
      url: 's3://evidence-bucket/prefix',
      endpoint,
      credentials: S3_CREDENTIALS,
    });

    const error = await rejection(store.put('migrations/m1/evidence.json', '{}'));

    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toBe(
      'AccessDenied when calling PutObject on s3://evidence-bucket/prefix/migrations/m1/evidence.json',
    );
    expect(error.fix).toBe(ACCESS_DENIED_FIX);
    expect(error.fix).toMatch(/^Use the IAM policy generated by plan --format iam-policy/);
  });

  it('makes the probe report the bucket as not reachable', async () => {
    const probe = await probeBucket(
      new S3ObjectStore({ url: 's3://evidence-bucket', endpoint, credentials: S3_CREDENTIALS }),
    );

    expect(probe).toMatchObject({ reachable: false, writable: false });
    expect(probe.error).toBe('AccessDenied when calling HeadBucket on s3://evidence-bucket');
  });
});
