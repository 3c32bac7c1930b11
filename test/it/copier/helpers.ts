/**
 * Helpers of the copier integration tests: the copier (`node fargate-copier/main.ts`) as a child
 * process with its environment, full reads of a partition with the real reader, the status object,
 * and the comparisons that prove a copy exact (digests in order, offset map, staged segments).
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { decodeRecordBatches, PlatformaticRecordReader } from '../../../core/adapters/kafka/reader.ts';
import { PlatformaticRecordWriter } from '../../../core/adapters/kafka/writer.ts';
import { S3ObjectStore } from '../../../core/adapters/s3/object-store.ts';
import { type CopierStatus, parseCopierStatus, statusKey } from '../../../core/app/copy/status.ts';
import type { ClusterConfig } from '../../../core/domain/config/schema.ts';
import {
  checkpointKey,
  decodeSegment,
  type PartitionCheckpoint,
  parseCheckpoint,
  partitionDigest,
  sourceOf,
  targetOf,
} from '../../../core/domain/copy/index.ts';
import {
  type PartitionRef,
  partitionKey,
  type RecordReader,
  type SourceRecord,
} from '../../../core/ports.ts';
import { createBucket, S3_CREDENTIALS, STACK_ENV } from '../fixtures.ts';
import { STACK } from '../stack.ts';
import { REPO_ROOT } from '../stack-control.ts';

// Stack helpers shared with every integration test.
export { createTopics, kafka, S3_CREDENTIALS, STACK_ENV, type TopicSpec, withAdmin } from '../fixtures.ts';

export const plain = (bootstrap: string): ClusterConfig =>
  ({ bootstrap_servers: [bootstrap], auth: { mode: 'none' } }) as ClusterConfig;

/** The data-path clients a copier test reads and writes with (the target read uncommitted). */
export interface DataPathClients {
  readonly sourceReader: PlatformaticRecordReader;
  readonly targetReader: PlatformaticRecordReader;
  readonly sourceWriter: PlatformaticRecordWriter;
  close(): Promise<void>;
}

export async function openDataPath(): Promise<DataPathClients> {
  const sourceReader = await PlatformaticRecordReader.create(plain(STACK.source));
  const targetReader = await PlatformaticRecordReader.create(plain(STACK.target), {
    isolationLevel: 'read_uncommitted',
  });
  const sourceWriter = await PlatformaticRecordWriter.create(plain(STACK.source));
  return {
    sourceReader,
    targetReader,
    sourceWriter,
    close: async () => {
      await Promise.allSettled([sourceReader.close(), targetReader.close(), sourceWriter.close()]);
    },
  };
}

/**
 * The data-path clients of one test file: opened before its tests, closed after them. The getters
 * throw if read outside a test (before `beforeAll` has run).
 */
export function useDataPath(): Omit<DataPathClients, 'close'> {
  let clients: DataPathClients | undefined;
  beforeAll(async () => {
    clients = await openDataPath();
  });
  afterAll(async () => {
    await clients?.close();
  });
  const opened = (): DataPathClients => {
    if (!clients) throw new Error('useDataPath: the clients are open only inside the tests');
    return clients;
  };
  return {
    get sourceReader() {
      return opened().sourceReader;
    },
    get targetReader() {
      return opened().targetReader;
    },
    get sourceWriter() {
      return opened().sourceWriter;
    },
  };
}

export interface Migration {
  readonly id: string;
  readonly bucket: string;
  readonly config: Record<string, unknown>;
  readonly segments: S3ObjectStore;
}

export async function newMigration(id: string, seed: Record<string, unknown> = {}): Promise<Migration> {
  const bucket = await createBucket();
  const config = {
    source: { bootstrap_servers: [STACK.source] },
    target: { bootstrap_servers: [STACK.target] },
    storage: {
      segments: `s3://${bucket}/segments`,
      evidence: `s3://${bucket}/evidence`,
      endpoint: STACK.s3Endpoint,
      region: STACK.s3Region,
    },
    seed,
  };
  const segments = new S3ObjectStore({
    url: `s3://${bucket}/segments`,
    endpoint: STACK.s3Endpoint,
    region: STACK.s3Region,
    credentials: S3_CREDENTIALS,
  });
  return { id, bucket, config, segments };
}

export function copierEnv(
  m: Migration,
  mode: 'seed' | 'tail',
  partitions: readonly PartitionRef[] | undefined,
  shardId = '0',
): NodeJS.ProcessEnv {
  return {
    ...STACK_ENV,
    KRAFT_MIGRATE_CONFIG: JSON.stringify(m.config),
    KRAFT_MIGRATE_MIGRATION_ID: m.id,
    KRAFT_MIGRATE_MODE: mode,
    KRAFT_MIGRATE_SHARD_ID: shardId,
    // Every batch that can pass through does (the product default skips batches under 16 KiB, which
    // would leave the small batches of these tests to the re-encoding path only).
    KRAFT_MIGRATE_PASS_THROUGH_MIN_BATCH_BYTES: '0',
    ...(partitions ? { KRAFT_MIGRATE_PARTITIONS: JSON.stringify(partitions) } : {}),
  };
}

export interface CopierExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningCopier {
  readonly child: ChildProcess;
  readonly exited: Promise<CopierExit>;
  /** Parsed JSON lines of stdout so far. */
  readonly events: Record<string, unknown>[];
  /** Resolves when a log line with this `event` appears (never rejects). */
  seen(event: string): Promise<void>;
}

/** Starts `node fargate-copier/main.ts` (the container's command) with `env`. */
export function startCopier(env: NodeJS.ProcessEnv): RunningCopier {
  const child = spawn(process.execPath, ['fargate-copier/main.ts'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Record<string, unknown>[] = [];
  const waiting: { event: string; resolve: () => void }[] = [];
  const seen = (event: string) =>
    events.some((e) => e['event'] === event)
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiting.push({ event, resolve }));
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    stdout += text;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        parsed = { event: 'unparsable', line };
      }
      events.push(parsed);
      for (const w of waiting.filter((x) => x.event === parsed['event'])) w.resolve();
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<CopierExit>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, exited, events, seen };
}

/** Runs the copier to its end (or fails the test after `timeoutMs`). */
export async function runCopierProcess(env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<CopierExit> {
  const c = startCopier(env);
  const timer = setTimeout(() => c.child.kill('SIGKILL'), timeoutMs);
  try {
    return await c.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Every record of a partition from its log start to its high watermark (as read now). */
export async function readPartition(reader: RecordReader, ref: PartitionRef): Promise<SourceRecord[]> {
  const o = (await reader.offsets([ref])).get(partitionKey(ref))!;
  const records: SourceRecord[] = [];
  let offset = o.logStart;
  let until = o.highWatermark; // read_committed: up to the last stable offset
  if (o.lastStable < until) until = o.lastStable;
  while (offset < until) {
    const f = await reader.fetch(ref, offset, { maxBytes: 4 << 20, maxWaitMs: 50 });
    records.push(...f.records);
    if (f.nextOffset <= offset) throw new Error(`no progress reading ${partitionKey(ref)} at ${offset}`);
    offset = f.nextOffset;
  }
  return records;
}

export async function loadCheckpointOf(m: Migration, ref: PartitionRef): Promise<PartitionCheckpoint> {
  const body = await m.segments.get(checkpointKey(m.id, ref));
  if (body === undefined) throw new Error(`no checkpoint for ${partitionKey(ref)}`);
  return parseCheckpoint(Buffer.from(body).toString('utf8'));
}

export async function readStatus(
  m: Migration,
  mode: 'seed' | 'tail',
  shardId = '0',
): Promise<CopierStatus | undefined> {
  const body = await m.segments.get(statusKey(m.id, mode, shardId));
  return body === undefined ? undefined : parseCopierStatus(Buffer.from(body).toString('utf8'));
}

/**
 * Waits until the tail's status shows lag 0 for every partition, measured against source high
 * watermarks at least `ends` (the source ends after the last produce), and returns that status.
 */
export async function waitForCaughtUp(
  m: Migration,
  ends: ReadonlyMap<string, bigint>,
  timeoutMs = 60_000,
  /** Ignore status documents of copiers started before this (killed ones leave theirs behind). */
  since?: Date,
): Promise<CopierStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: CopierStatus | undefined;
  while (Date.now() < deadline) {
    last = await readStatus(m, 'tail');
    const caughtUp =
      last !== undefined &&
      (since === undefined || new Date(last.started_at).getTime() >= since.getTime()) &&
      last.partitions.length === ends.size &&
      last.partitions.every((p) => {
        const end = ends.get(`${p.topic}/${p.partition}`);
        return (
          end !== undefined &&
          p.lag === '0' &&
          p.source_high_watermark !== null &&
          BigInt(p.source_high_watermark) >= end &&
          p.next_source_offset !== null &&
          BigInt(p.next_source_offset) >= end
        );
      });
    if (caughtUp) return last!;
    await sleep(250);
  }
  throw new Error(`the tail did not catch up within ${timeoutMs} ms; last status: ${JSON.stringify(last)}`);
}

export interface PartitionComparison {
  readonly source: { digest: string; count: bigint };
  readonly target: { digest: string; count: bigint };
  readonly mapMismatches: number;
}

/**
 * Source records (read_committed) vs target records, in order, by digest — and, pair by pair, the
 * checkpoint's offset map: target offset of each source record and back.
 */
export function compare(
  source: readonly SourceRecord[],
  target: readonly SourceRecord[],
  cp: PartitionCheckpoint,
): PartitionComparison {
  let mapMismatches = 0;
  for (let i = 0; i < Math.min(source.length, target.length); i++) {
    const s = source[i]!;
    const t = target[i]!;
    if (targetOf(cp.offsetMap, s.offset) !== t.offset || sourceOf(cp.offsetMap, t.offset) !== s.offset) {
      mapMismatches++;
    }
  }
  return { source: partitionDigest(source), target: partitionDigest(target), mapMismatches };
}

/** The staged segments of a checkpoint, checked against their manifest entries, decoded in order. */
export async function stagedRecords(m: Migration, cp: PartitionCheckpoint): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for (const entry of cp.segments) {
    const body = await m.segments.get(entry.key);
    if (body === undefined) throw new Error(`segment ${entry.key} is missing`);
    if (body.length !== entry.bytes)
      throw new Error(`segment ${entry.key}: ${body.length} bytes, manifest ${entry.bytes}`);
    const sha = createHash('sha256').update(body).digest('hex');
    if (sha !== entry.sha256)
      throw new Error(`segment ${entry.key}: sha256 ${sha}, manifest ${entry.sha256}`);
    const decoded = decodeSegment(body);
    const records = decoded.version === 2 ? decodeRecordBatches(decoded.batches) : decoded.records;
    if (records.length !== entry.records || decoded.recordCount !== entry.records)
      throw new Error(`segment ${entry.key}: record count differs`);
    out.push(...records);
  }
  return out;
}
