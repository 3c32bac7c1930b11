/**
 * Translation and commit for hundreds of groups on the real stack: a real seed and tail (child
 * processes) copy two topics, 220 consumer groups are committed on the source (at 0, in the middle, at
 * the end, some on part of the partitions only), then placeSentinels, finalDrain and
 * translateOffsets('cutover'). Every group's offsets on the target, read back per group by an
 * independent client (kafkajs), must be exactly the translated ones: the source offset (the copy is
 * 1:1 here) or, at the source end, the target end past the sentinel. The batched reads
 * (committedOffsetsOf: several groups per OffsetFetch) are what this runs through.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createAdapters } from '../../../core/adapters/factory.ts';
import { PlatformaticGroupAdmin } from '../../../core/adapters/kafka/group-offsets.ts';
import { finalDrain, placeSentinels, translateOffsets } from '../../../core/app/cutover/index.ts';
import { validateConfig } from '../../../core/domain/config/parse.ts';
import { cutoverKey, snapshotSchema } from '../../../core/domain/cutover/index.ts';
import { type PartitionRef, partitionKey } from '../../../core/ports.ts';
import {
  copierEnv,
  createTopics,
  kafka,
  newMigration,
  plain,
  type RunningCopier,
  runCopierProcess,
  STACK_ENV,
  startCopier,
  withAdmin,
} from '../copier/helpers.ts';
import { STACK, uniqueName } from '../stack.ts';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const GROUPS = 220;
let tail: RunningCopier | undefined;

afterAll(async () => {
  if (tail) {
    tail.child.kill('SIGTERM');
    await tail.exited;
  }
});

describe('cutover translation for hundreds of groups', () => {
  it('commits exactly the translated offsets of 220 groups on the target', async () => {
    // Arrange: two topics (4 + 2 partitions), records on the source, the copy running.
    const prefix = uniqueName('cutw');
    const specs = [
      { name: `${prefix}-a`, partitions: 4, configs: { 'retention.ms': '-1' } },
      { name: `${prefix}-b`, partitions: 2, configs: { 'retention.ms': '-1' } },
    ];
    await createTopics('source', specs);
    await createTopics('target', specs);
    const refs: PartitionRef[] = specs.flatMap((s) =>
      Array.from({ length: s.partitions }, (_, partition) => ({ topic: s.name, partition })),
    );
    const ends = new Map<string, bigint>();
    {
      const producer = kafka('source').producer();
      await producer.connect();
      try {
        await producer.sendBatch({
          topicMessages: refs.map((r, i) => {
            const count = 10 + 5 * i;
            ends.set(partitionKey(r), BigInt(count));
            return {
              topic: r.topic,
              messages: Array.from({ length: count }, (_, n) => ({
                partition: r.partition,
                key: `k${n}`,
                value: `v${n}`,
              })),
            };
          }),
        });
      } finally {
        await producer.disconnect();
      }
    }
    const m = await newMigration(uniqueName('mig'));
    const config = validateConfig({ ...m.config, groups: { include: [`${prefix}-g.*`] } }, {});
    const adapters = createAdapters(config, { env: STACK_ENV });
    const seed = await runCopierProcess(copierEnv(m, 'seed', refs));
    expect(seed.code, seed.stderr).toBe(0);
    tail = startCopier(copierEnv(m, 'tail', undefined));

    // 220 groups: group i commits on partition j at (i + 3j) mod (end + 1) — 0, middle and end all
    // occur; every fifth group leaves the last partition without a commit.
    const groups = Array.from({ length: GROUPS }, (_, i) => `${prefix}-g${String(i).padStart(3, '0')}`);
    const committedOnSource = new Map<string, Map<string, bigint>>();
    const sourceAdmin = await PlatformaticGroupAdmin.create(plain(STACK.source));
    try {
      for (const [i, g] of groups.entries()) {
        const offsets = refs
          .filter((_, j) => i % 5 !== 0 || j !== refs.length - 1)
          .map((r, j) => ({ ...r, offset: BigInt(i + 3 * j) % (ends.get(partitionKey(r))! + 1n) }));
        await sourceAdmin.commitOffsets(g, offsets);
        committedOnSource.set(g, new Map(offsets.map((o) => [partitionKey(o), o.offset])));
      }
    } finally {
      await sourceAdmin.close();
    }

    // Act: the cutover's data steps (producers are "frozen": nothing more is produced).
    await placeSentinels(config, adapters, m.id);
    await finalDrain(config, adapters, m.id, { timeoutMs: 120_000 });
    const result = await translateOffsets(config, adapters, m.id, 'cutover');

    // Assert
    const snapshot = snapshotSchema.parse(
      JSON.parse(Buffer.from((await m.segments.get(cutoverKey(m.id, 'snapshot')))!).toString('utf8')),
    );
    const targetEnd = new Map(snapshot.partitions.map((p) => [partitionKey(p), BigInt(p.target_end)]));
    for (const r of refs) expect(targetEnd.get(partitionKey(r))).toBe(ends.get(partitionKey(r))! + 1n);
    const expectedTotal = [...committedOnSource.values()].reduce((n, c) => n + c.size, 0);
    expect(result).toMatchObject({
      groups_selected: GROUPS,
      groups_committed: GROUPS,
      groups_without_commits: 0,
      partitions_committed: expectedTotal,
    });
    const topics = specs.map((s) => s.name);
    await withAdmin('target', async (admin) => {
      for (const g of groups) {
        const got: Record<string, bigint> = {};
        for (const t of await admin.fetchOffsets({ groupId: g, topics })) {
          for (const p of t.partitions) {
            if (BigInt(p.offset) >= 0n) got[`${t.topic}/${p.partition}`] = BigInt(p.offset);
          }
        }
        const want: Record<string, bigint> = {};
        for (const [key, c] of committedOnSource.get(g)!) {
          // 1:1 copy: the same offset; at the source end (the sentinel's offset): past it, the target end.
          want[key] = c === ends.get(key) ? targetEnd.get(key)! : c;
        }
        expect(got, g).toEqual(want);
      }
    });
  }, 240_000);
});
