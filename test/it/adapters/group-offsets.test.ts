/**
 * PlatformaticGroupAdmin's batched calls on both clusters of the stack (the 3.9 ZooKeeper source and
 * the 4.1 KRaft target): `committedOffsetsOf` over more groups than one batch (GROUP_BATCH) returns
 * exactly what an independent client (kafkajs) reads per group, groups without commits included, and
 * `listGroupIds` lists them without describing them. The 2.8 broker (FindCoordinator ≤ v3, OffsetFetch
 * ≤ v7: one request per group) is in test/it/kafka-2.8.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { GROUP_BATCH, PlatformaticGroupAdmin } from '../../../core/adapters/kafka/group-offsets.ts';
import { createTopics, plain, withAdmin } from '../copier/helpers.ts';
import { STACK, uniqueName } from '../stack.ts';

for (const role of ['source', 'target'] as const) {
  describe(`batched group offsets on the ${role} (${role === 'source' ? 'Kafka 3.9 ZooKeeper' : 'Kafka 4.1 KRaft'})`, () => {
    it('reads the commits of more groups than one batch exactly, and lists the groups', async () => {
      // Arrange: GROUP_BATCH + 6 groups with distinct commits on 3 partitions of 2 topics, one group
      // with a commit on one partition only, and one id that has no commit at all.
      const prefix = uniqueName(`gof-${role}`);
      const topics = [`${prefix}-a`, `${prefix}-b`];
      await createTopics(role, [
        { name: topics[0]!, partitions: 2 },
        { name: topics[1]!, partitions: 1 },
      ]);
      const groups = Array.from({ length: GROUP_BATCH + 6 }, (_, i) => `${prefix}-g${i}`);
      const admin = await PlatformaticGroupAdmin.create(plain(STACK[role]));
      try {
        for (const [i, g] of groups.entries()) {
          await admin.commitOffsets(
            g,
            i === 5
              ? [{ topic: topics[1]!, partition: 0, offset: 42n }]
              : [
                  { topic: topics[0]!, partition: 0, offset: BigInt(i) },
                  { topic: topics[0]!, partition: 1, offset: BigInt(1000 + i) },
                  { topic: topics[1]!, partition: 0, offset: BigInt(7 * i) },
                ],
          );
        }
        const none = `${prefix}-none`;

        // Act
        const read = await admin.committedOffsetsOf([...groups, none]);
        const ids = await admin.listGroupIds();

        // Assert: against kafkajs, one group at a time
        expect(read.get(none)).toEqual([]);
        expect(read.size).toBe(groups.length + 1);
        const independent = await withAdmin(role, async (k) => {
          const out = new Map<string, [string, number, bigint][]>();
          for (const g of groups) {
            const rows: [string, number, bigint][] = [];
            for (const t of await k.fetchOffsets({ groupId: g, topics })) {
              for (const p of t.partitions)
                if (BigInt(p.offset) >= 0n) rows.push([t.topic, p.partition, BigInt(p.offset)]);
            }
            out.set(
              g,
              rows.sort((a, b) => a[0].localeCompare(b[0]) || a[1] - b[1]),
            );
          }
          return out;
        });
        for (const g of groups) {
          expect(
            read.get(g)!.map((c) => [c.topic, c.partition, c.offset]),
            g,
          ).toEqual(independent.get(g));
        }
        expect(read.get(groups[5]!)!.map((c) => c.offset)).toEqual([42n]);
        expect(read.get(groups[69]!)!.map((c) => c.offset)).toEqual([69n, 1069n, 483n]);
        expect(ids.filter((id) => id.startsWith(`${prefix}-`))).toEqual([...groups].sort());
        expect(ids).toEqual([...ids].sort());
      } finally {
        await admin.close();
      }
    });
  });
}
