import { describe, expect, it } from 'vitest';
import { PreconditionError } from '../../../../core/domain/errors.ts';
import type { MigrationState } from '../../../../core/domain/journal/states.ts';
import { topologyJournalMoves } from '../../../../core/domain/topology/journal.ts';
import {
  checkSeedPlan,
  MAX_PARALLEL_COPIERS,
  SEED_PLAN_LIMITS,
  seedSharding,
} from '../../../../core/domain/topology/seed.ts';
import { thrown } from '../copy/helpers.ts';
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

describe('checkSeedPlan', () => {
  const topic = (i: number) => `orders.${String(i).padStart(4, '0')}.${'x'.repeat(40)}`;
  const partitions = (n: number, perTopic: number) =>
    Array.from({ length: n }, (_, i) => ({
      topic: topic(Math.floor(i / perTopic)),
      partition: i % perTopic,
    }));

  it('accepts a plan that fits: 1,000 partitions in 250 shards, a 3 KiB config', () => {
    const plan = seedSharding(partitions(1_000, 10), 4);

    expect(() => checkSeedPlan(plan, 3_000)).not.toThrow();
  });

  it('refuses more partitions than one execution state holds, naming the split as the fix', () => {
    const plan = seedSharding(partitions(4_000, 10), 4); // ~70 bytes each → ~270 KiB

    const error = thrown(() => checkSeedPlan(plan, 3_000)) as PreconditionError;

    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.code).toBe('SEED_PLAN_TOO_LARGE');
    expect(error.message).toMatch(
      new RegExp(
        `4000 partition\\(s\\) in 1000 shard\\(s\\) \\(\\d+ KiB\\); .* ${SEED_PLAN_LIMITS.stateBytes / 1024} KiB`,
      ),
    );
    expect(error.fix).toContain('Split the migration into several');
    expect(error.fix).toContain('Nothing was changed on the target.');
  });

  it("refuses more shards than one execution's history holds, however short the names", () => {
    const plan = seedSharding(
      Array.from({ length: SEED_PLAN_LIMITS.shards + 1 }, (_, i) => ({ topic: 't', partition: i })),
      1,
    );

    expect(() => checkSeedPlan(plan, 100)).toThrow(/one Step Functions execution holds at most 2000 shards/);
  });

  it('refuses a shard whose copier task environment exceeds the ECS override limit, naming the lower concurrency', () => {
    const wide = seedSharding(partitions(64, 64), 64); // one shard, 64 × ~75 characters
    const narrow = seedSharding(partitions(64, 64), 16);

    const error = thrown(() => checkSeedPlan(wide, 3_000)) as PreconditionError;

    expect(error.message).toMatch(
      /a copier task's environment would be \d+ characters \(its shard's partition list \d+, the config 3000\)/,
    );
    expect(error.fix).toContain('Lower seed.max_concurrent_partitions');
    expect(() => checkSeedPlan(narrow, 3_000)).not.toThrow();
  });
});
