import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CheckpointWriter, checkpointedPartitions } from '../../../../core/app/copy/checkpoint-writer.ts';
import {
  advanceCheckpoint,
  checkpointKey,
  initialCheckpoint,
  type PartitionCheckpoint,
  parseCheckpoint,
} from '../../../../core/domain/copy/index.ts';
import { MemoryStore } from './fakes.ts';

const REF = { topic: 'orders', partition: 3 };

function checkpoints(n: number): PartitionCheckpoint[] {
  let cp = initialCheckpoint({
    migrationId: 'm1',
    ref: REF,
    seedStart: 0n,
    boundary: 1000n,
    targetNextOffset: 0n,
    now: new Date(0),
  });
  const out = [cp];
  for (let i = 0; i < n; i++) {
    cp = advanceCheckpoint(cp, {
      sourceOffsets: [BigInt(i)],
      targetFirst: BigInt(i),
      bytes: 1n,
      now: new Date(i),
    });
    out.push(cp);
  }
  return out;
}

/** A store whose puts take `ms` and that records how many were in flight at once. */
class SlowStore extends MemoryStore {
  inFlight = 0;
  maxInFlight = 0;
  readonly ms: number;
  constructor(ms: number) {
    super();
    this.ms = ms;
  }
  override async put(key: string, body: Uint8Array | string): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await sleep(this.ms);
    await super.put(key, body);
    this.inFlight--;
  }
}

describe('CheckpointWriter', () => {
  it('puts one at a time, at most once per interval, and flush persists the newest checkpoint', async () => {
    const store = new SlowStore(5);
    const all = checkpoints(200);
    const writer = new CheckpointWriter(store, 'm1', all[0]!, { intervalMs: 60_000, persisted: false });

    for (const cp of all) writer.update(cp);
    await writer.flush();

    expect(store.maxInFlight).toBe(1);
    expect(store.puts.length).toBeLessThanOrEqual(2);
    const persisted = parseCheckpoint(store.text(checkpointKey('m1', REF))!);
    expect(persisted.recordsCopied).toBe(200n);
  });

  it('reports a checkpoint as persisted only once its put succeeded (what the tail status and FinalDrain rely on)', async () => {
    const store = new SlowStore(2);
    const all = checkpoints(3);
    const reported: bigint[] = [];
    const writer = new CheckpointWriter(store, 'm1', all[0]!, {
      intervalMs: 0,
      persisted: true,
      onPersisted: (cp) => reported.push(cp.nextSourceOffset),
    });
    expect(reported).toEqual([0n]); // already in S3 (read at start)

    writer.update(all[1]!);
    expect(reported).toEqual([0n]); // put in flight: not in S3 yet
    await writer.flush();
    expect(reported).toEqual([0n, 1n]);

    store.failPut = () => true;
    writer.update(all[2]!);
    await expect(writer.flush()).rejects.toThrow('failed');
    expect(reported).toEqual([0n, 1n]);
  });

  it('never lets an older checkpoint land after a newer one', async () => {
    const store = new SlowStore(2);
    const all = checkpoints(30);
    const writer = new CheckpointWriter(store, 'm1', all[0]!, { intervalMs: 0, persisted: false });

    for (const cp of all) {
      writer.update(cp, { soon: true });
      await sleep(1);
    }
    await writer.flush();

    const copied = store.puts.map((p) => parseCheckpoint(String(p.body)).recordsCopied);
    expect(copied).toEqual([...copied].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(copied.at(-1)).toBe(30n);
    expect(store.maxInFlight).toBe(1);
  });

  it('surfaces a failed background put on the next update', async () => {
    const store = new MemoryStore();
    store.failPut = () => true;
    const [first, second] = checkpoints(1);
    const writer = new CheckpointWriter(store, 'm1', first!, { intervalMs: 0, persisted: false });

    writer.update(first!);
    await sleep(5);

    expect(() => writer.update(second!)).toThrow(/put .* failed/);
  });
});

describe('checkpointedPartitions', () => {
  it('lists the partitions of this migration that have a checkpoint, ignoring segments and other migrations', async () => {
    const store = new MemoryStore();
    await store.put(checkpointKey('m1', { topic: 'b', partition: 10 }), '{}');
    await store.put(checkpointKey('m1', { topic: 'b', partition: 2 }), '{}');
    await store.put(checkpointKey('m1', { topic: 'a', partition: 0 }), '{}');
    await store.put('m1/topics/a/partition=1/00000000000000000000-00000000000000000009.kmseg', 'x');
    await store.put(checkpointKey('m2', { topic: 'c', partition: 0 }), '{}');

    const refs = await checkpointedPartitions(store, 'm1');

    expect(refs).toEqual([
      { topic: 'a', partition: 0 },
      { topic: 'b', partition: 2 },
      { topic: 'b', partition: 10 },
    ]);
  });
});
