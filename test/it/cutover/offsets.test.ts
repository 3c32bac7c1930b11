import { setTimeout as sleep } from 'node:timers/promises';
/**
 * The cutover's data steps on the real stack: a real seed and tail (child processes) copy a plain, a
 * transactional (offset gaps) and a compacted topic; consumer groups are committed at 0, in the middle,
 * at the end, on one partition only, and one group's consumer keeps consuming on the source through the
 * "freeze". placeSentinels, finalDrain, translateOffsets and logStartGuard are called directly (the
 * workflow states calling them are cutover-flow's). Then real kafkajs consumers of those groups on the
 * TARGET must receive exactly the records after the last ones processed on the source — the
 * sequence-numbered payloads prove no duplicate and no gap — followed by what producers write after the
 * client switch.
 */
import type { Consumer, KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapters } from '../../../core/adapters/factory.ts';
import { kafkaProtocolError } from '../../../core/adapters/kafka/errors.ts';
import { PlatformaticGroupAdmin } from '../../../core/adapters/kafka/group-offsets.ts';
import { PlatformaticRecordWriter } from '../../../core/adapters/kafka/writer.ts';
import {
  finalDrain,
  logStartGuard,
  placeSentinels,
  translateOffsets,
} from '../../../core/app/cutover/index.ts';
import { validateConfig } from '../../../core/domain/config/parse.ts';
import type { MigrationConfig } from '../../../core/domain/config/schema.ts';
import {
  cutoverKey,
  SENTINEL_HEADER,
  sentinelMigrationId,
  sentinelsPendingKey,
  sentinelsSchema,
  snapshotSchema,
  translationsSchema,
} from '../../../core/domain/cutover/index.ts';
import { PreconditionError, TransientError } from '../../../core/domain/errors.ts';
import {
  type Adapters,
  type PartitionRef,
  partitionKey,
  type RecordToWrite,
  type SourceRecord,
} from '../../../core/ports.ts';
import { registerCodecs } from '../../kafkajs-codecs.ts';
import {
  copierEnv,
  createTopics,
  type DataPathClients,
  kafka,
  type Migration,
  newMigration,
  openDataPath,
  plain,
  type RunningCopier,
  readPartition,
  runCopierProcess,
  STACK_ENV,
  startCopier,
  type TopicSpec,
  withAdmin,
} from '../copier/helpers.ts';
import { STACK, uniqueName } from '../stack.ts';
import { ageOutOnTarget } from '../validation/helpers.ts';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const b = (s: string) => Buffer.from(s, 'utf8');
const OLD = Date.UTC(2001, 8, 9, 1, 46, 40);

let clients: DataPathClients | undefined;
/** Writes to the target as the applications do after the client switch. */
let targetWriter: PlatformaticRecordWriter | undefined;
let groupsOnTarget: PlatformaticGroupAdmin | undefined;
const running: { tail?: RunningCopier; consumers: Consumer[] } = { consumers: [] };

beforeAll(async () => {
  registerCodecs(); // the kafkajs consumers read the lz4 batches the copier and the writers produce
  clients = await openDataPath();
  targetWriter = await PlatformaticRecordWriter.create(plain(STACK.target));
  groupsOnTarget = await PlatformaticGroupAdmin.create(plain(STACK.target));
});

afterAll(async () => {
  await Promise.allSettled(running.consumers.map((c) => c.disconnect()));
  if (running.tail) {
    running.tail.child.kill('SIGTERM');
    await running.tail.exited;
  }
  await Promise.allSettled([clients?.close(), targetWriter?.close(), groupsOnTarget?.close()]);
});

/** Waits until the group has a member on the target (a consumer that joined). */
async function joined(groupId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (((await groupsOnTarget!.describeGroups([groupId])).get(groupId)?.members ?? 0) === 0) {
    if (Date.now() > deadline) throw new Error(`${groupId} did not get a member on the target`);
    await sleep(200);
  }
}

/** Values `s<n>` numbered per partition from `from` on. */
function numbered(count: number, from: number, keys?: number): RecordToWrite[] {
  return Array.from({ length: count }, (_, i) => ({
    timestamp: BigInt(OLD + from + i),
    key: b(keys ? `user-${(from + i) % keys}` : `k-${from + i}`),
    value: b(`s${from + i}`),
    headers: [],
  }));
}

/** Rounds of 5 records, every third round aborted (6 offsets each: 5 records and the marker). */
async function transactions(topic: string, rounds: number): Promise<number> {
  const producer = kafka('source').producer({
    transactionalId: uniqueName('it-cutover-tx'),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  let seq = 0;
  try {
    for (let r = 0; r < rounds; r++) {
      const commit = r % 3 !== 1;
      const tx = await producer.transaction();
      await tx.send({
        topic,
        messages: Array.from({ length: 5 }, (_, i) => ({
          key: `tx-${r}-${i}`,
          value: commit ? `s${seq + i}` : `aborted-${r}-${i}`,
        })),
      });
      if (commit) {
        await tx.commit();
        seq += 5;
      } else {
        await tx.abort();
      }
    }
  } finally {
    await producer.disconnect();
  }
  return seq;
}

const isSentinel = (headers: KafkaMessage['headers']) => headers?.[SENTINEL_HEADER] !== undefined;

interface Seen {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly value: string;
  readonly sentinel: boolean;
}

/** A kafkajs consumer of `groupId` on `role` that records every message (optionally slowly, committing each). */
async function consume(
  role: 'source' | 'target',
  groupId: string,
  topics: readonly string[],
  options: { delayMs?: number; fromBeginning?: boolean } = {},
): Promise<{ consumer: Consumer; seen: Seen[] }> {
  const consumer = kafka(role).consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  running.consumers.push(consumer);
  const seen: Seen[] = [];
  consumer.on(consumer.events.CRASH, (e) => {
    crashes.push(`${role} ${groupId}: ${String(e.payload.error)}`);
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: options.fromBeginning ?? false });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      if (options.delayMs) await sleep(options.delayMs);
      await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      // processed = committed: a record counts once its commit is done
      seen.push({
        topic,
        partition,
        offset: BigInt(message.offset),
        value: message.value?.toString('utf8') ?? '',
        sentinel: isSentinel(message.headers),
      });
    },
  });
  return { consumer, seen };
}

async function stop(consumer: Consumer): Promise<void> {
  await consumer.disconnect();
  running.consumers.splice(running.consumers.indexOf(consumer), 1);
}

async function sourceCommitted(groupId: string, topics: readonly string[]): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  await withAdmin('source', async (admin) => {
    for (const t of await admin.fetchOffsets({ groupId, topics: [...topics] })) {
      for (const p of t.partitions)
        if (BigInt(p.offset) >= 0n) out.set(`${t.topic}/${p.partition}`, BigInt(p.offset));
    }
  });
  return out;
}

/** Admin commits on the source (the groups' positions before the cutover). */
async function commitOnSource(groupId: string, offsets: readonly [string, number, bigint][]): Promise<void> {
  const admin = await PlatformaticGroupAdmin.create(plain(STACK.source));
  try {
    await admin.commitOffsets(
      groupId,
      offsets.map(([topic, partition, offset]) => ({ topic, partition, offset })),
    );
  } finally {
    await admin.close();
  }
}

/** Consumer crashes (kafkajs logs nothing here): shown when a wait times out. */
const crashes: string[] = [];

async function waitFor(what: string, ok: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; consumer crashes: ${crashes.join('; ')}`);
    await sleep(100);
  }
}

const values = (records: readonly SourceRecord[]) =>
  records
    .filter((r) => sentinelMigrationId(r) === undefined)
    .map((r) => Buffer.from(r.value!).toString('utf8'));

function thrownAsync(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describe('cutover offsets on the real stack', () => {
  let m: Migration;
  let config: MigrationConfig;
  let adapters: Adapters;
  let refs: PartitionRef[];
  let topics: { plain: string; tx: string; compacted: string };

  it('positions every group exactly on the target; late consumers resume exactly after cutover-ack', async () => {
    const { sourceWriter, sourceReader, targetReader } = clients!;
    const prefix = uniqueName('cut');
    topics = { plain: `${prefix}-plain`, tx: `${prefix}-tx`, compacted: `${prefix}-compacted` };
    const specs: TopicSpec[] = [
      { name: topics.plain, partitions: 2, configs: { 'retention.ms': '-1' } },
      { name: topics.tx, partitions: 1, configs: { 'retention.ms': '-1' } },
      {
        name: topics.compacted,
        partitions: 1,
        // Records carry old CreateTimes, so every append would roll a segment (segment.ms is measured
        // from the records' timestamps) and the log cleaner would compact the source copy under the
        // test's feet; a segment.ms longer than their age keeps one active segment, never cleaned.
        configs: { 'cleanup.policy': 'compact', 'retention.ms': '-1', 'segment.ms': '31536000000000' },
      },
    ];
    await createTopics('source', specs);
    await createTopics('target', specs);
    refs = [
      { topic: topics.plain, partition: 0 },
      { topic: topics.plain, partition: 1 },
      { topic: topics.tx, partition: 0 },
      { topic: topics.compacted, partition: 0 },
    ];
    const all = [topics.plain, topics.tx, topics.compacted];
    await sourceWriter.write(refs[0]!, numbered(200, 0));
    await sourceWriter.write(refs[1]!, numbered(150, 0));
    const txSeq = await transactions(topics.tx, 9); // offsets 0–53: rounds 1, 4, 7 aborted
    await sourceWriter.write(refs[3]!, numbered(120, 0, 25));
    const sourceEnds = new Map(
      [...(await sourceReader.offsets(refs))].map(([k, o]) => [k, o.highWatermark] as const),
    );

    m = await newMigration(uniqueName('mig'));
    const doc = { ...m.config, groups: { include: [`${prefix}-g-.*`] } };
    config = validateConfig(doc, {});
    adapters = createAdapters(config, { env: STACK_ENV });

    // The copy: seed, then the tail, which keeps running through the cutover.
    const seed = await runCopierProcess(copierEnv(m, 'seed', refs));
    expect(seed.code, seed.stderr).toBe(0);
    running.tail = startCopier(copierEnv(m, 'tail', undefined));

    // Groups committed on the source: at 0, in the middle (tx: an aborted record), at the end, on one
    // partition only, one with a member on the target, one whose consumer keeps running on the source.
    const g = (name: string) => `${prefix}-g-${name}`;
    await commitOnSource(g('zero'), [
      [topics.plain, 0, 0n],
      [topics.plain, 1, 0n],
      [topics.tx, 0, 0n],
      [topics.compacted, 0, 0n],
    ]);
    await commitOnSource(g('mid'), [
      [topics.plain, 0, 100n],
      [topics.plain, 1, 70n],
      [topics.tx, 0, 8n],
      [topics.compacted, 0, 60n],
    ]);
    await commitOnSource(
      g('end'),
      refs.map((r) => [r.topic, r.partition, sourceEnds.get(partitionKey(r))!] as [string, number, bigint]),
    );
    await commitOnSource(g('partial'), [[topics.plain, 0, 50n]]);
    await commitOnSource(g('active'), [[topics.compacted, 0, 10n]]);
    const live = await consume('source', g('live'), [topics.plain], { delayMs: 25, fromBeginning: true });
    await waitFor('the live consumer to start', () => live.seen.length > 20);

    // Producers are frozen from here on (nothing more is produced to the source).
    const sentinels = await placeSentinels(config, adapters, m.id);
    expect(sentinels).toMatchObject({ partitions: 4, written: 4, reused: 0 });
    expect(sentinels.artifact).toBe(`s3://${m.bucket}/segments/${cutoverKey(m.id, 'sentinels')}`);
    expect(await placeSentinels(config, adapters, m.id)).toMatchObject({
      partitions: 4,
      written: 0,
      reused: 4,
    });
    // An attempt interrupted after writing the sentinels but before recording them: found, not rewritten.
    const recorded = await m.segments.get(cutoverKey(m.id, 'sentinels'));
    await m.segments.delete(cutoverKey(m.id, 'sentinels'));
    await m.segments.put(sentinelsPendingKey(m.id), new Date().toISOString());
    expect(await placeSentinels(config, adapters, m.id)).toMatchObject({
      partitions: 4,
      written: 0,
      reused: 4,
    });
    const again = sentinelsSchema.parse(
      JSON.parse(Buffer.from((await m.segments.get(cutoverKey(m.id, 'sentinels')))!).toString('utf8')),
    );
    const first = sentinelsSchema.parse(JSON.parse(Buffer.from(recorded!).toString('utf8')));
    expect(again.partitions).toEqual(first.partitions);
    expect(await m.segments.get(sentinelsPendingKey(m.id))).toBeUndefined();

    const drained = await finalDrain(config, adapters, m.id);
    expect(drained).toMatchObject({ partitions: 4, sentinels_on_target: 4 });
    const snapshot = snapshotSchema.parse(
      JSON.parse(Buffer.from((await m.segments.get(cutoverKey(m.id, 'snapshot')))!).toString('utf8')),
    );
    for (const p of snapshot.partitions) {
      const key = partitionKey(p);
      expect(BigInt(p.sentinel_source), key).toBe(sourceEnds.get(key));
      expect(BigInt(p.source_end), key).toBe(sourceEnds.get(key)! + 1n);
      expect(BigInt(p.target_end), key).toBe(BigInt(p.sentinel_target) + 1n);
      const onTarget = await targetReader.fetch(p, BigInt(p.sentinel_target), {
        maxBytes: 1 << 16,
        maxWaitMs: 0,
      });
      expect(sentinelMigrationId(onTarget.records[0]!), key).toBe(m.id);
    }

    // A group with a member on the target: the named error; the round is resumable once it leaves.
    const intruder = await consume('target', g('active'), [topics.compacted]);
    await joined(g('active'));
    const refused = await thrownAsync(translateOffsets(config, adapters, m.id, 'cutover'));
    expect(refused).toBeInstanceOf(PreconditionError);
    expect((refused as Error).message).toBe(
      `consumer group(s) with active members on the target: ${g('active')} — translated offsets can only be ` +
        'committed to a group without members',
    );
    await stop(intruder.consumer);

    // Coordinator unavailable on every attempt: retried, then the resumable TransientError.
    let attempts = 0;
    const unavailable: Adapters = {
      ...adapters,
      groupAdmin: (role) =>
        role === 'source'
          ? adapters.groupAdmin(role)
          : PlatformaticGroupAdmin.create(config.target, {
              retries: 2,
              backoffMs: 10,
              beforeAttempt: (op) => {
                if (op !== 'OffsetCommit') return;
                attempts++;
                throw kafkaProtocolError(15, 'OffsetCommit (test)');
              },
            }),
    };
    const failed = await thrownAsync(translateOffsets(config, unavailable, m.id, 'cutover'));
    expect(failed).toBeInstanceOf(TransientError);
    expect((failed as Error).message).toBe('failed to commit translated offsets: CoordinatorNotAvailable');
    expect(attempts).toBeGreaterThanOrEqual(3);

    const cutover = await translateOffsets(config, adapters, m.id, 'cutover');
    expect(cutover).toMatchObject({
      round: 'cutover',
      groups_selected: 6,
      groups_committed: 6,
      groups_without_commits: 0,
      groups_skipped: 0,
    });
    expect(cutover.cases.sentinel_skipped).toBeGreaterThanOrEqual(4); // g-end on every partition
    expect(await translateOffsets(config, adapters, m.id, 'cutover')).toMatchObject({ groups_committed: 6 });
    await expect(logStartGuard(config, adapters, m.id)).resolves.toEqual({
      passed: true,
      partitions_checked: 4,
      offsets_checked: cutover.partitions_committed,
    });

    // g-end translated past the sentinel to the target end; g-partial keeps no commit on plain/1.
    const targetGroups = await adapters.groupAdmin('target');
    try {
      const end = await targetGroups.committedOffsets(g('end'));
      expect(end.map((c) => [partitionKey(c), c.offset])).toEqual(
        snapshot.partitions.map((p) => [partitionKey(p), BigInt(p.target_end)]),
      );
      const partial = await targetGroups.committedOffsets(g('partial'));
      expect(partial.map((c) => [partitionKey(c), c.offset])).toEqual([[`${topics.plain}/0`, 50n]]);
      const mid = await targetGroups.committedOffsets(g('mid'));
      expect(mid.find((c) => c.topic === topics.tx)?.offset).toBe(5n); // aborted 8 → next committed record 12 = target 5
    } finally {
      await targetGroups.close();
    }

    // The late consumer keeps going on the source, past the sentinel, and is stopped; g-active gets a
    // member on the target before cutover-ack, so the ack round must leave it alone.
    await waitFor('the live consumer to read on', () => live.seen.length > 250);
    await stop(live.consumer);
    const activeOnTarget = await consume('target', g('active'), [topics.compacted]);
    await joined(g('active'));

    const ack = await translateOffsets(config, adapters, m.id, 'ack');
    expect(ack).toMatchObject({ round: 'ack', groups_skipped: 1, skipped: g('active'), groups_committed: 5 });
    const ackDoc = translationsSchema.parse(
      JSON.parse(Buffer.from((await m.segments.get(cutoverKey(m.id, 'translations-ack')))!).toString('utf8')),
    );
    expect(ackDoc.skipped_groups.map((s) => s.group_id)).toEqual([g('active')]);

    // The client switch: producers now write to the target.
    const after = new Map<string, number>();
    const afterSwitch = async (ref: PartitionRef, from: number) => {
      await targetWriter!.write(ref, numbered(5, from));
      after.set(partitionKey(ref), from);
    };
    await afterSwitch(refs[0]!, 200);
    await afterSwitch(refs[1]!, 150);
    await afterSwitch(refs[2]!, txSeq);
    await afterSwitch(refs[3]!, 120);
    const newValues = (key: string) => Array.from({ length: 5 }, (_, i) => `s${after.get(key)! + i}`);

    // Real consumers of the groups on the target.
    const groups = ['zero', 'mid', 'end', 'live'].map(g);
    const sourceCommits = new Map<string, Map<string, bigint>>();
    for (const id of [...groups, g('active')]) sourceCommits.set(id, await sourceCommitted(id, all));
    const sourceRecords = new Map<string, SourceRecord[]>();
    for (const ref of refs) sourceRecords.set(partitionKey(ref), await readPartition(sourceReader, ref));
    const expected = (groupId: string) => {
      const out = new Map<string, string[]>();
      for (const [key, committed] of sourceCommits.get(groupId)!) {
        const rest = sourceRecords.get(key)!.filter((r) => r.offset >= committed);
        out.set(key, [...values(rest), ...newValues(key)]);
      }
      return out;
    };
    const consumers = new Map([[g('active'), activeOnTarget]]);
    for (const id of groups) {
      consumers.set(id, await consume('target', id, id === g('live') ? [topics.plain] : all));
    }
    for (const [id, c] of consumers) {
      const want = expected(id);
      const total = [...want.values()].reduce((n, v) => n + v.length, 0);
      await waitFor(`${id} on the target`, () => c.seen.filter((s) => !s.sentinel).length >= total);
    }
    await sleep(1_000); // anything more would be a duplicate
    for (const [id, c] of consumers) {
      const got = new Map<string, string[]>();
      for (const s of c.seen) {
        if (s.sentinel) continue;
        const key = `${s.topic}/${s.partition}`;
        got.set(key, [...(got.get(key) ?? []), s.value]);
      }
      expect(Object.fromEntries(got), id).toEqual(Object.fromEntries(expected(id)));
      await stop(c.consumer);
    }
    // The caught-up group never sees a sentinel; the group from 0 sees exactly one per partition.
    expect(consumers.get(g('end'))!.seen.filter((s) => s.sentinel)).toEqual([]);
    expect(consumers.get(g('zero'))!.seen.filter((s) => s.sentinel)).toHaveLength(4);
    // The late consumer resumes at exactly the record after the last one it processed on the source:
    // it read s0…sK in order there and left its group at K+1 (kafkajs may drop the commit of a record
    // in flight when it stops, which then counts as not processed); on the target it starts at sK+1.
    for (const partition of [0, 1]) {
      const key = `${topics.plain}/${partition}`;
      const left = sourceCommits.get(g('live'))!.get(key)!;
      const processed = live.seen.filter((s) => s.partition === partition && !s.sentinel && s.offset < left);
      const k = processed.length - 1;
      expect(k, key).toBeGreaterThan(0);
      expect(
        processed.map((s) => s.value),
        key,
      ).toEqual(Array.from({ length: k + 1 }, (_, i) => `s${i}`));
      const first = consumers.get(g('live'))!.seen.find((s) => s.partition === partition && !s.sentinel)!;
      expect(first.value, key).toBe(`s${k + 1}`);
    }
  }, 240_000);

  it('blocks the client switch when the target retention deleted copied records', async () => {
    // Real retention: the copied records keep their CreateTime of 2001; the sentinel (written now)
    // rolled a new segment on the target, so once the target topic gets a retention.ms of one day the
    // broker's retention check deletes the segment of the copied records — the log start moves past
    // the first copied record, to the sentinel, on both partitions.
    const { plain } = topics;
    const snapshot = snapshotSchema.parse(
      JSON.parse(Buffer.from((await m.segments.get(cutoverKey(m.id, 'snapshot')))!).toString('utf8')),
    );
    const sentinelAt = (partition: number) =>
      BigInt(
        snapshot.partitions.find((p) => p.topic === plain && p.partition === partition)!.sentinel_target,
      );
    await ageOutOnTarget(
      clients!,
      plain,
      new Map([
        [0, sentinelAt(0)],
        [1, sentinelAt(1)],
      ]),
    );

    const e = await thrownAsync(logStartGuard(config, adapters, m.id));

    expect(e).toBeInstanceOf(PreconditionError);
    expect((e as PreconditionError).code).toBe('LOG_START_GUARD');
    expect((e as Error).message).toContain(
      `the target's log start has passed the first copied record on 2 partition(s): ` +
        `${plain}/0 (log start ${sentinelAt(0)} > first copied offset 0), ` +
        `${plain}/1 (log start ${sentinelAt(1)} > first copied offset 0)`,
    );
    expect((e as Error).message).toMatch(/translated offsets outside \[log-start, end\] on 2 partition\(s\)/);
    expect((e as PreconditionError).fix).toContain('kraft-migrate repair');
  });
});

describe('coordinator retry against the real target', () => {
  it('retries a coordinator error and then commits through the group coordinator', async () => {
    const topic = uniqueName('cut-retry');
    await createTopics('target', [{ name: topic, partitions: 2 }]);
    await targetWriter!.write({ topic, partition: 0 }, numbered(10, 0));
    const seenAttempts: number[] = [];
    const admin = await PlatformaticGroupAdmin.create(plain(STACK.target), {
      backoffMs: 10,
      beforeAttempt: (op, attempt) => {
        if (op !== 'OffsetCommit') return;
        seenAttempts.push(attempt);
        if (attempt === 0) throw kafkaProtocolError(14, 'OffsetCommit (test)'); // COORDINATOR_LOAD_IN_PROGRESS
      },
    });
    const groupId = uniqueName('cut-retry-g');
    try {
      await admin.commitOffsets(groupId, [{ topic, partition: 0, offset: 7n }]);

      expect(seenAttempts).toEqual([0, 1]);
      expect((await admin.committedOffsets(groupId)).map((c) => [c.topic, c.partition, c.offset])).toEqual([
        [topic, 0, 7n],
      ]);
      expect((await admin.describeGroups([groupId])).get(groupId)?.members).toBe(0);
    } finally {
      await admin.close();
    }
  });
});
