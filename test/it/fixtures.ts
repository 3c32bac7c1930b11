/**
 * Shared helpers for integration tests: real Kafka clients on the local stack, real buckets on the
 * moto S3 server and config files. (The CLI run in-process is in cli-run.ts, so tests that do not
 * drive the CLI do not load it.)
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ConnectionPool } from '@platformatic/kafka';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { stringify } from 'yaml';
import { parseBatchHeaders } from '../../core/adapters/kafka/raw-batches.ts';
import { fetchRawRecords } from '../../core/adapters/kafka/reader.ts';
import { S3ObjectStore } from '../../core/adapters/s3/object-store.ts';
import { createTopicsWithLeaders } from '../../scripts/lib/create-topics.ts';
import { STACK, uniqueName } from './stack.ts';
import { REPO_ROOT } from './stack-control.ts';

export const S3_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
/** Environment of a CLI run against the local stack (moto accepts any credentials). */
export const STACK_ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: STACK.s3Region,
};

export function kafka(role: 'source' | 'target'): Kafka {
  return new Kafka({ brokers: [STACK[role]], clientId: `it-${role}`, logLevel: logLevel.NOTHING });
}

/** Runs `fn` with a connected admin of `role`, disconnecting afterwards. */
export async function withAdmin<T>(role: 'source' | 'target', fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka(role).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions?: number;
  readonly configs?: Record<string, string>;
}

/** Creates the topics and waits for their leaders (scripts/lib/create-topics.ts: survives a loaded stack). */
export async function createTopics(role: 'source' | 'target', topics: readonly TopicSpec[]): Promise<void> {
  await withAdmin(role, (admin) =>
    createTopicsWithLeaders(
      admin,
      topics.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions ?? 1,
        replicationFactor: 1,
        configEntries: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
    ),
  );
}

/** Produces `count` small records round-robin over the topic's partitions. */
export async function produce(
  role: 'source' | 'target',
  topic: string,
  count: number,
  partitions = 1,
): Promise<void> {
  const producer = kafka(role).producer();
  await producer.connect();
  try {
    await producer.send({
      topic,
      messages: Array.from({ length: count }, (_, i) => ({
        key: `k${i}`,
        value: `value-${i}`,
        partition: i % partitions,
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

/** One committed and one aborted transaction on `topic`. */
export async function produceTransactional(role: 'source' | 'target', topic: string): Promise<void> {
  const producer = kafka(role).producer({
    transactionalId: uniqueName('it-tx'),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    for (const commit of [true, false]) {
      const tx = await producer.transaction();
      await tx.send({ topic, messages: [{ key: 'k', value: commit ? 'committed' : 'aborted' }] });
      if (commit) await tx.commit();
      else await tx.abort();
    }
  } finally {
    await producer.disconnect();
  }
}

export async function commitGroupOffset(
  groupId: string,
  topic: string,
  partition: number,
  offset: string,
): Promise<void> {
  await withAdmin('source', (admin) =>
    admin.setOffsets({ groupId, topic, partitions: [{ partition, offset }] }),
  );
}

export function s3(): S3Client {
  return new S3Client({
    endpoint: STACK.s3Endpoint,
    region: STACK.s3Region,
    forcePathStyle: true,
    credentials: S3_CREDENTIALS,
  });
}

/** Creates a fresh bucket (Object Lock also turns on versioning). */
export async function createBucket(
  options: { objectLock?: boolean } = {},
  client: S3Client = s3(),
): Promise<string> {
  const bucket = uniqueName('km-it').toLowerCase();
  await client.send(
    new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: options.objectLock ?? false }),
  );
  return bucket;
}

/** An S3ObjectStore on the stack with its own client (a separate "writer"). */
export function stackStore(url: string, extra: { kmsKeyArn?: string } = {}): S3ObjectStore {
  return new S3ObjectStore({
    url,
    endpoint: STACK.s3Endpoint,
    region: STACK.s3Region,
    credentials: S3_CREDENTIALS,
    ...extra,
  });
}

export async function tempDir(prefix = 'kraft-migrate-it-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Writes an Ed25519 (or other) private key as PKCS#8 PEM and returns its path. */
export async function writeSigningKey(dir: string, type: 'ed25519' | 'rsa' = 'ed25519'): Promise<string> {
  const { privateKey } =
    type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const path = join(dir, `${type}.pem`);
  await writeFile(path, privateKey.export({ format: 'pem', type: 'pkcs8' }));
  return path;
}

/** A config document for the local stack; `overrides` are merged one level deep. */
export function stackConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    source: { bootstrap_servers: [STACK.source] },
    target: { bootstrap_servers: [STACK.target] },
    storage: { endpoint: STACK.s3Endpoint, region: STACK.s3Region },
  };
  for (const [k, v] of Object.entries(overrides)) {
    const prev = base[k];
    base[k] =
      prev && typeof prev === 'object' && v && typeof v === 'object' && !Array.isArray(v)
        ? { ...prev, ...v }
        : v;
  }
  return base;
}

export async function writeConfig(dir: string, config: Record<string, unknown>): Promise<string> {
  const path = join(dir, `config-${uniqueName('c')}.yaml`);
  await writeFile(path, stringify(config));
  return path;
}

/**
 * Writes `lines` to partition 0 of a source topic with the Java console producer (Kafka 3.9 client:
 * idempotent, `codec`-compressed batches of up to `batchBytes`). `keysAndHeaders`: each line is
 * `headers|key|value` (headers `k:v,k:v`); otherwise a line is the value.
 */
export function javaProduce(
  topic: string,
  codec: 'gzip' | 'snappy' | 'lz4' | 'zstd',
  lines: readonly string[],
  options: { batchBytes?: number; keysAndHeaders?: boolean } = {},
): void {
  const parsing = options.keysAndHeaders
    ? ['parse.key=true', 'key.separator=|', 'parse.headers=true', 'headers.delimiter=|'].flatMap((p) => [
        '--property',
        p,
      ])
    : [];
  const run = spawnSync(
    'java',
    [
      '-cp',
      join(REPO_ROOT, '.cache/kafka/3.9.2/libs/*'),
      'kafka.tools.ConsoleProducer',
      '--bootstrap-server',
      STACK.source,
      '--topic',
      topic,
      '--compression-codec',
      codec,
      '--batch-size',
      String(options.batchBytes ?? 1_000_000),
      '--timeout',
      '100',
      ...parsing,
    ],
    { input: `${lines.join('\n')}\n`, encoding: 'utf8', timeout: 60_000 },
  );
  if (run.status !== 0) throw new Error(`ConsoleProducer exited ${run.status}: ${run.stderr}`);
}

/** Compression codec ids of the batches stored in partition 0 (raw Fetch, no decompression). */
export async function storedCodecs(topic: string, role: 'source' | 'target' = 'source'): Promise<number[]> {
  const [host, port] = STACK[role].split(':');
  const pool = new ConnectionPool('it-codecs');
  try {
    const conn = await pool.get({ host: host as string, port: Number(port) });
    const { records } = await fetchRawRecords(conn, { topic, partition: 0 }, 0n, 1 << 20);
    return [...new Set(parseBatchHeaders(records ?? new Uint8Array()).map((x) => x.attributes & 0x07))];
  } finally {
    await pool.close();
  }
}

/** A 127.0.0.1 port nothing listens on right now (bound once by the OS, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}
