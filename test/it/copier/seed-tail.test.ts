/**
 * Seed and tail end to end on the real stack: the copier runs as `node fargate-copier/main.ts` child
 * processes configured by environment only, copies realistic data from the Kafka 3.9 ZooKeeper source
 * to the Kafka 4.1 KRaft target, stages segments in moto S3, and reports lag in its status object.
 * Every partition is then read fully on both sides and compared record by record (digest in order),
 * through the checkpoint's offset map, and against the staged segments.
 */
import { describe, expect, it } from 'vitest';
import { partitionDigest } from '../../../core/domain/copy/index.ts';
import {
  type PartitionRef,
  partitionKey,
  type RecordHeader,
  type RecordToWrite,
} from '../../../core/ports.ts';
import { uniqueName } from '../stack.ts';
import {
  compare,
  copierEnv,
  createTopics,
  kafka,
  loadCheckpointOf,
  newMigration,
  readPartition,
  readStatus,
  runCopierProcess,
  stagedRecords,
  startCopier,
  type TopicSpec,
  useDataPath,
  waitForCaughtUp,
  withAdmin,
} from './helpers.ts';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const b = (s: string) => Buffer.from(s, 'utf8');
const OLD = Date.UTC(2001, 8, 9, 1, 46, 40); // CreateTime long before retention would keep it

const dp = useDataPath();

/** Records of every shape the copy must keep: null/empty key and value, header order, duplicates, null. */
function varied(count: number, from: number, tag: string): RecordToWrite[] {
  const headerSets: RecordHeader[][] = [
    [],
    [[b('trace'), null]],
    [
      [b('dup'), b('1')],
      [b('dup'), b('1')],
      [b('empty'), b('')],
      [b('dup'), b('2')],
    ],
  ];
  return Array.from({ length: count }, (_, j) => {
    const i = from + j;
    return {
      timestamp: BigInt(OLD + i * 1000),
      key: i % 11 === 0 ? null : i % 13 === 0 ? new Uint8Array() : b(`${tag}-key-${i % 17}`),
      value:
        i % 7 === 0 ? null : i % 19 === 0 ? new Uint8Array() : b(`${tag}-value-${i}-${'x'.repeat(i % 300)}`),
      headers: headerSets[i % headerSets.length]!,
    };
  });
}

async function transactions(topic: string, rounds: number, tag: string): Promise<void> {
  const producer = kafka('source').producer({
    transactionalId: uniqueName('it-copier-tx'),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  const loose = kafka('source').producer();
  await Promise.all([producer.connect(), loose.connect()]);
  try {
    for (let r = 0; r < rounds; r++) {
      const commit = r % 3 !== 1;
      const tx = await producer.transaction();
      await tx.send({
        topic,
        messages: Array.from({ length: 5 }, (_, i) => ({
          key: `tx-${r}-${i}`,
          value: `${tag}-${commit ? 'committed' : 'aborted'}-${r}-${i}`,
          headers: { round: String(r) },
        })),
      });
      if (commit) await tx.commit();
      else await tx.abort();
      await loose.send({ topic, messages: [{ key: `plain-${r}`, value: `${tag}-plain-${r}` }] });
    }
  } finally {
    await Promise.allSettled([producer.disconnect(), loose.disconnect()]);
  }
}

async function sourceEnds(refs: readonly PartitionRef[]): Promise<Map<string, bigint>> {
  const offsets = await dp.sourceReader.offsets(refs);
  return new Map([...offsets].map(([k, o]) => [k, o.highWatermark]));
}

describe('copier seed then tail (child processes, real stack)', () => {
  it('copies every partition exactly, stages segments and reports lag 0', async () => {
    // Arrange: source topics with realistic data, empty target topics with the same partition counts.
    const plainTopic = uniqueName('cp-plain');
    const txTopic = uniqueName('cp-tx');
    const compacted = uniqueName('cp-compacted');
    const specs: TopicSpec[] = [
      { name: plainTopic, partitions: 3, configs: { 'retention.ms': '-1' } },
      { name: txTopic, partitions: 1, configs: { 'retention.ms': '-1' } },
      { name: compacted, partitions: 2, configs: { 'cleanup.policy': 'compact', 'retention.ms': '-1' } },
    ];
    await createTopics('source', specs);
    await createTopics('target', specs);
    const refs: PartitionRef[] = specs.flatMap((s) =>
      Array.from({ length: s.partitions ?? 1 }, (_, partition) => ({ topic: s.name, partition })),
    );

    await dp.sourceWriter.write({ topic: plainTopic, partition: 0 }, varied(400, 0, 'p0'));
    await dp.sourceWriter.write({ topic: plainTopic, partition: 1 }, varied(300, 0, 'p1'));
    await withAdmin('source', async (admin) => {
      await admin.fetchTopicMetadata({ topics: [plainTopic] }); // kafkajs needs the topic's metadata loaded
      await admin.deleteTopicRecords({ topic: plainTopic, partitions: [{ partition: 1, offset: '120' }] });
    });
    // partition 2 of plainTopic stays empty during the seed
    await transactions(txTopic, 12, 'seed');
    for (const partition of [0, 1]) {
      await dp.sourceWriter.write(
        { topic: compacted, partition },
        Array.from({ length: 200 }, (_, i) => ({
          timestamp: BigInt(OLD + i),
          key: b(`user-${i % 25}`),
          value: i % 9 === 0 ? null : b(`state-${partition}-${i}`),
          headers: [],
        })),
      );
    }
    const m = await newMigration(uniqueName('mig'), { segment_max_bytes: 1_048_576 });

    // Act 1: the seed.
    const seed = await runCopierProcess(copierEnv(m, 'seed', refs));

    // Assert 1: exit 0, every partition complete, staged, checkpoint in phase tail at its boundary.
    expect(seed.stderr).toBe('');
    expect(seed.code).toBe(0);
    const seedStatus = await readStatus(m, 'seed');
    expect(seedStatus).toMatchObject({ state: 'complete', mode: 'seed', migration_id: m.id });
    expect(seedStatus!.totals.partitions_complete).toBe(refs.length);
    for (const ref of refs) {
      const cp = await loadCheckpointOf(m, ref);
      expect(cp.phase).toBe('tail');
      expect(cp.nextSourceOffset).toBe(cp.boundary);
      const source = await readPartition(dp.sourceReader, ref);
      const staged = await stagedRecords(m, cp);
      expect(staged.map((r) => r.offset)).toEqual(source.map((r) => r.offset));
      expect(partitionDigest(staged)).toEqual(partitionDigest(source));
    }
    const p1 = await loadCheckpointOf(m, { topic: plainTopic, partition: 1 });
    expect(p1.seedStart).toBe(120n);
    expect(p1.recordsCopied).toBe(180n);

    // Act 2: the tail, while the source keeps receiving records (also in the partition that was empty).
    const tail = startCopier(copierEnv(m, 'tail', undefined));
    await dp.sourceWriter.write({ topic: plainTopic, partition: 0 }, varied(150, 400, 'p0-tail'));
    await dp.sourceWriter.write({ topic: plainTopic, partition: 2 }, varied(60, 0, 'p2-tail'));
    await transactions(txTopic, 6, 'tail');
    await dp.sourceWriter.write({ topic: compacted, partition: 1 }, [
      { timestamp: BigInt(OLD), key: b('user-3'), value: null, headers: [] },
    ]);
    const caughtUp = await waitForCaughtUp(m, await sourceEnds(refs));
    tail.child.kill('SIGTERM');
    const tailExit = await tail.exited;

    // Assert 2: clean stop, lag 0 reported, and every partition equal on both sides.
    expect(tailExit.stderr).toBe('');
    expect(tailExit.code).toBe(0);
    expect(caughtUp.totals.lag).toBe('0');
    const stopped = await readStatus(m, 'tail');
    expect(stopped).toMatchObject({ state: 'stopped', mode: 'tail' });
    expect(stopped!.partitions.every((p) => p.lag === '0')).toBe(true);
    for (const ref of refs) {
      const cp = await loadCheckpointOf(m, ref);
      const source = await readPartition(dp.sourceReader, ref);
      const target = await readPartition(dp.targetReader, ref);
      const c = compare(source, target, cp);
      expect(c.target, partitionKey(ref)).toEqual(c.source);
      expect(c.mapMismatches, partitionKey(ref)).toBe(0);
      expect(cp.recordsCopied).toBe(BigInt(target.length));
      const targetEnd = (await dp.targetReader.offsets([ref])).get(partitionKey(ref))!.highWatermark;
      expect(cp.nextTargetOffset).toBe(targetEnd);
    }
    const txTarget = await readPartition(dp.targetReader, { topic: txTopic, partition: 0 });
    const values = txTarget.map((r) => Buffer.from(r.value!).toString('utf8'));
    expect(values.filter((v) => v.includes('aborted'))).toEqual([]);
    expect(values.filter((v) => v.includes('committed'))).toHaveLength((8 + 4) * 5);
    const p0 = await readPartition(dp.targetReader, { topic: plainTopic, partition: 0 });
    expect(p0[0]!.timestamp).toBe(BigInt(OLD));
    expect(
      p0[2]!.headers.map(([k, v]) => [Buffer.from(k).toString(), v && Buffer.from(v).toString()]),
    ).toEqual([
      ['dup', '1'],
      ['dup', '1'],
      ['empty', ''],
      ['dup', '2'],
    ]);
  });

  it.each([
    [
      'a seed shard without a plan in S3',
      {},
      'InvalidInputError COPIER_NO_SHARD_PLAN: the seed plan of shard 0 is missing',
    ],
    ['an unknown mode', { KRAFT_MIGRATE_MODE: 'copy' }, 'KRAFT_MIGRATE_MODE expected "seed" or "tail"'],
    [
      'partitions that are not JSON',
      { KRAFT_MIGRATE_PARTITIONS: '[{topic:' },
      'KRAFT_MIGRATE_PARTITIONS is not valid JSON',
    ],
    [
      'a config with an unknown key',
      { KRAFT_MIGRATE_CONFIG: '{"sourc":{}}' },
      'KRAFT_MIGRATE_CONFIG is invalid',
    ],
    ['no migration id', { KRAFT_MIGRATE_MIGRATION_ID: undefined }, 'KRAFT_MIGRATE_MIGRATION_ID is not set'],
  ])('exits 2 with one line naming the problem for %s', async (_name, overrides, message) => {
    const m = await newMigration(uniqueName('mig'));
    const env = { ...copierEnv(m, 'seed', undefined), ...overrides };

    const result = await runCopierProcess(env, 30_000);

    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });
});
