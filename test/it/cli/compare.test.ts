/**
 * `kraft-migrate compare` against the real brokers: the same records written to the source (Kafka
 * 3.9, ZooKeeper) and the target (Kafka 4.1, KRaft) with fixed timestamps, then differences made on
 * purpose. The comparison reads only the edges of each partition and trusts no offset map.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../cli-run.ts';
import { createTopics, kafka, stackConfig, tempDir, writeConfig } from '../fixtures.ts';
import { uniqueName } from '../stack.ts';

interface Rec {
  readonly key: string;
  readonly value: string;
  readonly timestamp: string;
  readonly headers?: Record<string, string>;
}

const records = (partition: number, n: number): Rec[] =>
  Array.from({ length: n }, (_, i) => ({
    key: `k${partition}-${i}`,
    value: `value-${partition}-${i}`,
    timestamp: String(1_700_000_000_000 + i * 1000),
    headers: { trace: `t${i}` },
  }));

async function write(role: 'source' | 'target', topic: string, partition: number, recs: readonly Rec[]) {
  const producer = kafka(role).producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: recs.map((r) => ({ ...r, partition })) });
  } finally {
    await producer.disconnect();
  }
}

/** One committed transaction of `recs` on the source (markers after it), one aborted one after that. */
async function writeTransactional(topic: string, partition: number, recs: readonly Rec[]) {
  const producer = kafka('source').producer({
    transactionalId: uniqueName('cmp-tx'),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    const committed = await producer.transaction();
    await committed.send({ topic, messages: recs.map((r) => ({ ...r, partition })) });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ key: 'aborted', value: 'aborted', partition }] });
    await aborted.abort();
  } finally {
    await producer.disconnect();
  }
}

let dir: string;
beforeAll(async () => {
  dir = await tempDir('compare-it-');
});

/**
 * The records carry fixed CreateTimes of 2023: without retention.ms=-1 the target (retention
 * checked every second, scripts/stack/conf/target.properties) deletes them before compare reads.
 */
const KEEP = { 'retention.ms': '-1' };

async function compare(prefix: string, json = false) {
  const path = await writeConfig(
    dir,
    stackConfig({
      topics: { include: [`${prefix}\\..*`] },
      storage: { segments: 's3://compare-unused-segments', evidence: 's3://compare-unused-evidence' },
    }),
  );
  return cli(['compare', '--config', path, ...(json ? ['--json'] : [])]);
}

describe('kraft-migrate compare', () => {
  it('finds no mismatch when every partition holds the same records (a committed transaction included)', async () => {
    // Arrange
    const p = uniqueName('cmp-same');
    const topic = `${p}.orders`;
    await Promise.all([
      createTopics('source', [{ name: topic, partitions: 3, configs: KEEP }]),
      createTopics('target', [{ name: topic, partitions: 3, configs: KEEP }]),
    ]);
    for (const partition of [0, 1]) {
      await write('source', topic, partition, records(partition, 20));
      await write('target', topic, partition, records(partition, 20));
    }
    await write('source', topic, 2, records(2, 5));
    await writeTransactional(topic, 2, records(2, 8).slice(5));
    await write('target', topic, 2, records(2, 8));

    // Act
    const r = await compare(p);

    // Assert
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual([
      'partitions_checked=3',
      'target_behind_or_missing=0',
      'earliest_partitions_checked=3',
      'earliest_mismatches=0',
      'latest_partitions_checked=3',
      'latest_mismatches=0',
    ]);
    expect(r.code).toBe(0);
  });

  it('counts an extra record, a different first record, a target that stops short and a missing topic', async () => {
    // Arrange
    const p = uniqueName('cmp-diff');
    const topic = `${p}.orders`;
    const onlySource = `${p}.audit`;
    await Promise.all([
      createTopics('source', [
        { name: topic, partitions: 4, configs: KEEP },
        { name: onlySource, partitions: 1, configs: KEEP },
      ]),
      createTopics('target', [{ name: topic, partitions: 4, configs: KEEP }]),
    ]);
    for (const partition of [0, 1, 2, 3]) await write('source', topic, partition, records(partition, 10));
    await write('source', onlySource, 0, records(9, 3));
    await write('target', topic, 0, records(0, 10));
    await write('target', topic, 1, [
      ...records(1, 10),
      { key: 'extra', value: 'x', timestamp: '1700000099000' },
    ]);
    const changedFirst = records(2, 10).map((r, i) => (i === 0 ? { ...r, value: 'tampered' } : r));
    await write('target', topic, 2, changedFirst);
    await write('target', topic, 3, records(3, 8));

    // Act
    const r = await compare(p);
    const json = await compare(p, true);

    // Assert
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(-6)).toEqual([
      'partitions_checked=5',
      'target_behind_or_missing=2',
      'earliest_partitions_checked=4',
      'earliest_mismatches=1',
      'latest_partitions_checked=4',
      'latest_mismatches=2',
    ]);
    expect(lines.slice(0, -6)).toEqual([
      `${onlySource}/0 missing on the target`,
      `${topic}/1 latest mismatch (key, value, headers, timestamp) source@9 target@10`,
      `${topic}/2 earliest mismatch (value) source@0 target@0`,
      `${topic}/3 latest mismatch (key, value, headers, timestamp) source@9 target@7`,
      `${topic}/3 target behind: its last record is 2 record(s) before the source's last`,
    ]);
    expect(r.code).toBe(1);
    expect(json.code).toBe(1);
    const data = JSON.parse(json.stdout);
    expect(data).toMatchObject({ partitions_checked: 5, latest_mismatches: 2, ok: false });
    expect(
      data.partitions.find(
        (x: { partition: number; topic: string }) => x.topic === topic && x.partition === 3,
      ),
    ).toMatchObject({ behindOrMissing: true, behindBy: 2 });
  });
});
