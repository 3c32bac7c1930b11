import { shardCount, splitIntoShards } from '../copy/shards.ts';
import { PreconditionError } from '../errors.ts';
import type { PartitionToCopy } from './topics.ts';

/**
 * The Seed Map's items (ItemsPath `$.topology.seed_shards`): the selected partitions split into
 * ceil(P / seed.max_concurrent_partitions) shards balanced by bytes (core/domain/copy/shards.ts),
 * each the partition list of one copier task (`KRAFT_MIGRATE_PARTITIONS`, `KRAFT_MIGRATE_SHARD_ID`).
 */

/**
 * How many copier tasks the Seed Map runs at once (its MaxConcurrency). Each copier connects to
 * every broker of both clusters; MSK with IAM accepts 100 new connections per second per broker,
 * and a handful of copiers already saturate a target's ingest.
 */
export const MAX_PARALLEL_COPIERS = 8;

export interface SeedShardItem {
  shard_id: string;
  partitions: { topic: string; partition: number }[];
}

export interface SeedSharding {
  readonly seed_shards: SeedShardItem[];
  readonly partition_count: number;
  readonly max_parallel_copiers: number;
}

export function seedSharding(
  partitions: readonly PartitionToCopy[],
  maxConcurrentPartitions: number,
): SeedSharding {
  const loads = partitions.map((p) => ({ topic: p.topic, partition: p.partition, bytes: p.bytes ?? 0n }));
  const shards = splitIntoShards(loads, Math.max(1, shardCount(loads, maxConcurrentPartitions)));
  return {
    seed_shards: shards.map((s) => ({
      shard_id: String(s.index),
      partitions: [...s.partitions]
        .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
        .map((p) => ({ topic: p.topic, partition: p.partition })),
    })),
    partition_count: partitions.length,
    max_parallel_copiers: Math.max(1, Math.min(shards.length, MAX_PARALLEL_COPIERS)),
  };
}

/**
 * AWS limits the seed plan must fit, checked before the topology step changes the target: the Seed
 * Map's items live in the execution state (at most 256 KiB, with the config and the other steps'
 * results), each Map iteration adds ~8 events to the execution history (at most 25,000), and each
 * copier task gets its shard as an environment variable of the ECS container overrides (at most
 * 8,192 characters, the config included).
 */
export const SEED_PLAN_LIMITS = {
  /** Bytes of the `seed_shards` JSON in the state: 256 KiB less room for the config and the rest. */
  stateBytes: 160 * 1024,
  /** Map iterations per execution (history events). */
  shards: 2_000,
  /** Characters of a copier task's container overrides (ECS RunTask). */
  overrideChars: 8_192,
} as const;

/** The override characters besides the config and the partition list: variable names, ids, JSON. */
const OVERRIDE_OVERHEAD_CHARS = 600;

/**
 * Refuses a seed plan that would fail in the middle of the workflow on one of `SEED_PLAN_LIMITS`,
 * naming the limit and the fix. `configChars`: length of the config as JSON (it goes into every
 * copier task's environment).
 */
export function checkSeedPlan(sharding: SeedSharding, configChars: number): void {
  const stateBytes = Buffer.byteLength(JSON.stringify(sharding.seed_shards));
  const widest = Math.max(0, ...sharding.seed_shards.map((s) => JSON.stringify(s.partitions).length));
  const problems: { problem: string; fix: string }[] = [];
  if (stateBytes > SEED_PLAN_LIMITS.stateBytes || sharding.seed_shards.length > SEED_PLAN_LIMITS.shards) {
    problems.push({
      problem:
        `the seed plan lists ${sharding.partition_count} partition(s) in ${sharding.seed_shards.length} shard(s) ` +
        `(${Math.ceil(stateBytes / 1024)} KiB); one Step Functions execution holds at most ` +
        `${SEED_PLAN_LIMITS.shards} shards and ${SEED_PLAN_LIMITS.stateBytes / 1024} KiB of them`,
      fix: 'Split the migration into several, each selecting part of the topics (topics.include / topics.exclude)',
    });
  }
  if (widest + configChars + OVERRIDE_OVERHEAD_CHARS > SEED_PLAN_LIMITS.overrideChars) {
    problems.push({
      problem:
        `a copier task's environment would be ${widest + configChars + OVERRIDE_OVERHEAD_CHARS} characters ` +
        `(its shard's partition list ${widest}, the config ${configChars}); ECS accepts at most ` +
        `${SEED_PLAN_LIMITS.overrideChars} in a task's container overrides`,
      fix: 'Lower seed.max_concurrent_partitions (fewer partitions per copier task), or shorten the config',
    });
  }
  if (problems.length > 0) {
    throw new PreconditionError(
      `the seed plan does not fit AWS limits: ${problems.map((p) => p.problem).join('; ')}`,
      {
        code: 'SEED_PLAN_TOO_LARGE',
        fix: `${problems.map((p) => p.fix).join('. ')}. Nothing was changed on the target.`,
      },
    );
  }
}
