import { describe, expect, it } from 'vitest';
import { PreconditionError } from '../../../../core/domain/errors.ts';
import type { MigrationState } from '../../../../core/domain/journal/states.ts';
import { topologyJournalMoves } from '../../../../core/domain/topology/journal.ts';
import { MAX_PARALLEL_COPIERS, seedSharding } from '../../../../core/domain/topology/seed.ts';
import { journalThrough, TO_CLIENT_SWITCH } from '../journal/helpers.ts';

describe('topologyJournalMoves', () => {
  const moves = (path: readonly MigrationState[]) => topologyJournalMoves(journalThrough(path));

  it('enters copying_topology after precheck and leaves it for seeding', () => {
    expect(moves(['prechecking'])).toEqual({ enter: true, leave: true });
  });

  it('only leaves when a previous run entered copying_topology', () => {
    expect(moves(['prechecking', 'copying_topology'])).toEqual({ enter: false, leave: true });
  });

  it('moves nothing while the copy runs (a re-run only checks the topology)', () => {
    for (const s of ['seeding', 'tailing', 'drain_ready'] as const) {
      const path: MigrationState[] = ['prechecking', 'copying_topology', 'seeding', 'tailing', 'drain_ready'];
      expect(moves(path.slice(0, path.indexOf(s) + 1))).toEqual({ enter: false, leave: false });
    }
  });

  it('resumes a failed migration into copying_topology when the seed never started', () => {
    expect(moves(['prechecking', 'copying_topology', 'failed'])).toEqual({ enter: true, leave: true });
  });

  it('resumes a failed migration straight into seeding when the seed had started', () => {
    expect(moves(['prechecking', 'copying_topology', 'seeding', 'tailing', 'failed'])).toEqual({
      enter: false,
      leave: true,
    });
  });

  it('refuses before precheck, from cutover on, after the client switch and in terminal states', () => {
    const refused = (path: readonly MigrationState[]) => {
      try {
        moves(path);
      } catch (e) {
        expect(e).toBeInstanceOf(PreconditionError);
        expect((e as PreconditionError).code).toBe('TOPOLOGY_STATE');
        return (e as PreconditionError).message;
      }
      throw new Error(`not refused: ${path.join(' -> ')}`);
    };
    expect(refused([])).toContain('precheck has not run');
    expect(
      refused(['prechecking', 'copying_topology', 'seeding', 'tailing', 'drain_ready', 'cutting_over']),
    ).toContain('cutting_over');
    expect(refused([...TO_CLIENT_SWITCH, 'failed'])).toContain('reached awaiting_client_switch');
    expect(refused(['prechecking', 'rolled_back'])).toContain('rolled_back');
    expect(refused(['prechecking', 'failed'])).toContain('never reached');
  });
});

describe('seedSharding', () => {
  it('splits the partitions into ceil(P / max_concurrent_partitions) shards balanced by bytes', () => {
    const partitions = [
      { topic: 'a', partition: 0, bytes: 100n },
      { topic: 'a', partition: 1, bytes: 10n },
      { topic: 'b', partition: 0, bytes: 90n },
      { topic: 'b', partition: 1 },
      { topic: 'c', partition: 0, bytes: 5n },
    ];

    const s = seedSharding(partitions, 2);

    expect(s.partition_count).toBe(5);
    expect(s.seed_shards.map((x) => x.shard_id)).toEqual(['0', '1', '2']);
    expect(s.seed_shards.flatMap((x) => x.partitions).length).toBe(5);
    // the two largest never share a shard; items carry only topic and partition (the copier's schema)
    expect(s.seed_shards.map((x) => x.partitions)).toEqual([
      [{ topic: 'a', partition: 0 }],
      [{ topic: 'b', partition: 0 }],
      [
        { topic: 'a', partition: 1 },
        { topic: 'b', partition: 1 },
        { topic: 'c', partition: 0 },
      ],
    ]);
    expect(s.max_parallel_copiers).toBe(3);
  });

  it('spreads empty or unsized partitions over every shard (no shard without partitions)', () => {
    const empty = Array.from({ length: 8 }, (_, i) => ({
      topic: i < 5 ? 'a' : 'b',
      partition: i % 5,
      bytes: 0n,
    }));

    const s = seedSharding(empty, 4);

    expect(s.seed_shards.map((x) => x.partitions.length)).toEqual([4, 4]);
  });

  it('caps the copiers running at once and copes with nothing to copy', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ topic: 't', partition: i }));

    expect(seedSharding(many, 1).max_parallel_copiers).toBe(MAX_PARALLEL_COPIERS);
    expect(seedSharding([], 4)).toEqual({ seed_shards: [], partition_count: 0, max_parallel_copiers: 1 });
  });
});
