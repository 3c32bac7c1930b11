import { describe, expect, it } from 'vitest';
import { buildStatus, statusKey } from '../../../core/app/copy/status.ts';
import { readTailStatuses } from '../../../core/app/drain.ts';
import type { Adapters, ObjectHead } from '../../../core/ports.ts';
import { MemoryStore } from './copy/fakes.ts';

/** A store that remembers the prefixes it was asked to list. */
class ListingStore extends MemoryStore {
  readonly listed: string[] = [];
  override list(prefix: string): Promise<ObjectHead[]> {
    this.listed.push(prefix);
    return super.list(prefix);
  }
}

const status = (mode: 'seed' | 'tail', shardId: string) =>
  `${JSON.stringify(
    buildStatus({
      migrationId: 'm1',
      mode,
      shardId,
      state: 'running',
      startedAt: new Date(0),
      now: new Date(1000),
      partitions: [],
    }),
  )}\n`;

describe('readTailStatuses', () => {
  it('lists only the tail status documents (prefix status/tail-), not the seed shards', async () => {
    const store = new ListingStore();
    for (let shard = 0; shard < 50; shard++)
      await store.put(statusKey('m1', 'seed', String(shard)), status('seed', String(shard)));
    await store.put(statusKey('m1', 'tail', '0'), status('tail', '0'));
    await store.put(statusKey('m2', 'tail', '0'), status('tail', '0'));
    const adapters = { objectStore: () => store } as unknown as Adapters;

    const statuses = await readTailStatuses(adapters, 'm1');

    expect(statuses.map((s) => [s.mode, s.shard_id, s.migration_id])).toEqual([['tail', '0', 'm1']]);
    expect(store.listed).toEqual(['m1/status/tail-']);
  });
});
