import { describe, expect, it } from 'vitest';
import {
  checkSeedPlan,
  historyEventsEstimate,
  OVERRIDE_OVERHEAD_CHARS,
  seedPlan,
  seedPlanIndexKey,
  seedPlanSummary,
  seedShardDocument,
} from '../../../../core/domain/copy/seed-plan.ts';
import { PreconditionError } from '../../../../core/domain/errors.ts';
import type { MigrationState } from '../../../../core/domain/journal/states.ts';
import { topologyJournalMoves } from '../../../../core/domain/topology/journal.ts';
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

describe('seedPlan', () => {
  it('splits the partitions into seed.copiers shards balanced by bytes, each largest first', () => {
    const partitions = [
      { topic: 'a', partition: 0, bytes: 100n },
      { topic: 'a', partition: 1, bytes: 10n },
      { topic: 'b', partition: 0, bytes: 90n },
      { topic: 'b', partition: 1 },
      { topic: 'c', partition: 0, bytes: 5n },
    ];

    const plan = seedPlan('mig-1', partitions, 2);

    expect(plan.index).toEqual({
      migration_id: 'mig-1',
      partition_count: 5,
      seed_bytes: '205',
      shards: [
        { shard_id: '0', key: 'mig-1/plan/shard-0.json', partitions: 2, bytes: '105' },
        { shard_id: '1', key: 'mig-1/plan/shard-1.json', partitions: 3, bytes: '100' },
      ],
    });
    // the two largest never share a shard; the copier starts a shard's partitions in this order
    expect(plan.shards.map((s) => s.partitions.map((p) => `${p.topic}/${p.partition}:${p.bytes}`))).toEqual([
      ['a/0:100', 'c/0:5'],
      ['b/0:90', 'a/1:10', 'b/1:0'],
    ]);
    for (const shard of plan.shards) expect(seedShardDocument.parse(shard)).toEqual(shard);
    expect(seedPlanSummary(plan)).toEqual({
      seed_shard_ids: ['0', '1'],
      partition_count: 5,
      max_parallel_copiers: 2,
      seed_plan_key: seedPlanIndexKey('mig-1'),
      seed_bytes: '205',
    });
  });

  it('defaults to min(ceil(P / 64), 16) copiers and spreads empty partitions over all of them', () => {
    const empty = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ topic: 't', partition: i, bytes: 0n }));

    expect(seedPlan('m', empty(200)).shards.map((s) => s.partitions.length)).toEqual([50, 50, 50, 50]);
    expect(seedPlan('m', empty(5_000)).shards).toHaveLength(16);
    expect(seedPlan('m', empty(3), 8).shards).toHaveLength(3);
  });

  it('copes with nothing to copy', () => {
    const plan = seedPlan('m', []);

    expect(plan.shards).toEqual([]);
    expect(seedPlanSummary(plan)).toMatchObject({
      seed_shard_ids: [],
      partition_count: 0,
      max_parallel_copiers: 1,
    });
  });
});

describe('checkSeedPlan', () => {
  const topic = (i: number) => `orders.${String(i).padStart(4, '0')}.${'x'.repeat(40)}`;
  const partitions = (n: number, perTopic: number) =>
    Array.from({ length: n }, (_, i) => ({
      topic: topic(Math.floor(i / perTopic)),
      partition: i % perTopic,
      bytes: BigInt(1 + ((i * 7919) % 1_000_000)),
    }));

  it('accepts 30,000 partitions: the plan is in S3, the partition count is no limit', () => {
    expect(() => checkSeedPlan(seedPlan('m', partitions(30_000, 20)), 3_000, 1_800)).not.toThrow();
  });

  it("refuses a config that does not fit a copier task's container overrides, with the numbers", () => {
    const error = thrown(() =>
      checkSeedPlan(seedPlan('m', partitions(10, 10)), 7_700, 1_800),
    ) as PreconditionError;

    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.code).toBe('SEED_PLAN_TOO_LARGE');
    expect(error.message).toContain(
      `a copier task's environment would be ${7_700 + OVERRIDE_OVERHEAD_CHARS} characters (the config 7700); ECS accepts at most 8192`,
    );
    expect(error.fix).toContain('Shorten the config');
    expect(error.fix).toContain('Nothing was changed on the target.');
  });

  it('refuses a drain so long that the execution history could pass 25,000 events', () => {
    const plan = seedPlan('m', partitions(1_000, 10), 40);
    // 400 + 40 × 3 × 8 + 3 × 8 = 1,384 events besides the drain polls (9 per 5 s poll)
    expect(historyEventsEstimate(40, 0)).toBe(1_384);
    expect(historyEventsEstimate(40, 3 * 3_600)).toBe(1_384 + 2_160 * 9);
    expect(() => checkSeedPlan(plan, 3_000, 3 * 3_600)).not.toThrow();

    const error = thrown(() => checkSeedPlan(plan, 3_000, 4 * 3_600)) as PreconditionError;

    expect(error.code).toBe('SEED_PLAN_TOO_LARGE');
    expect(error.message).toContain(
      'the execution history could reach 27304 events (40 copier(s) × 3 attempts, a drain polled every 5 s for 14400 s); one Step Functions execution holds at most 25000',
    );
    expect(error.fix).toContain('Lower cutover.drain_timeout');
  });
});
