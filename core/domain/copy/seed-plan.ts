import { z } from 'zod';
import { TAIL_STARTS } from '../drain.ts';
import { PreconditionError } from '../errors.ts';
import { joinKey } from '../plan/storage-layout.ts';
import type { PartitionToCopy } from '../topology/topics.ts';
import { DRAIN_POLL_SECONDS } from '../workflow.ts';
import { copierCount, MAX_COPIERS, splitIntoShards } from './shards.ts';

/**
 * The seed plan (SPEC §6.2): the selected partitions split into `seed.copiers` shards balanced by
 * bytes (core/domain/copy/shards.ts), one per copier task. It lives in the segments bucket, not in
 * the execution state: CopyTopology writes one document per shard (`<id>/plan/shard-<n>.json`) and
 * an index (`<id>/plan/index.json`); the Seed Map iterates over the shard ids only and each copier
 * task reads its shard's document (KRAFT_MIGRATE_SHARD_ID). So the state, the history and the
 * container overrides stay the same size whatever the number of partitions.
 */

const decimal = z.string().regex(/^\d+$/);

/** One copier task's partitions, largest first (the order the copier starts them in). */
export const seedShardDocument = z.object({
  migration_id: z.string(),
  shard_id: z.string(),
  /** estimated bytes of the shard (sum of its partitions' DescribeLogDirs sizes) */
  bytes: decimal,
  partitions: z
    .array(z.object({ topic: z.string().min(1), partition: z.int().min(0), bytes: decimal }))
    .min(1),
});
export type SeedShardDocument = z.output<typeof seedShardDocument>;

export const seedPlanIndex = z.object({
  migration_id: z.string(),
  partition_count: z.int().min(0),
  seed_bytes: decimal,
  shards: z.array(
    z.object({ shard_id: z.string(), key: z.string(), partitions: z.int().min(1), bytes: decimal }),
  ),
});
export type SeedPlanIndex = z.output<typeof seedPlanIndex>;

export interface SeedPlan {
  readonly index: SeedPlanIndex;
  readonly shards: readonly SeedShardDocument[];
}

/** Key of the plan's index in the segments bucket (relative to its prefix). */
export function seedPlanIndexKey(migrationId: string): string {
  return joinKey(migrationId, 'plan', 'index.json');
}

/** Key of CopyTopology's whole result (the step's output carries counts). */
export function topologyReportKey(migrationId: string): string {
  return joinKey(migrationId, 'plan', 'topology.json');
}

/** Key of one shard's document in the segments bucket (relative to its prefix). */
export function seedShardKey(migrationId: string, shardId: string): string {
  return joinKey(migrationId, 'plan', `shard-${shardId}.json`);
}

/**
 * `copiers`: `seed.copiers` (undefined: the default of copierCount, at most `defaultCopierLimit`).
 */
export function seedPlan(
  migrationId: string,
  partitions: readonly PartitionToCopy[],
  copiers?: number,
  defaultCopierLimit?: number,
): SeedPlan {
  const loads = partitions.map((p) => ({ topic: p.topic, partition: p.partition, bytes: p.bytes ?? 0n }));
  const count = Math.max(1, copierCount(loads, copiers, defaultCopierLimit));
  const shards = splitIntoShards(loads, count).map((s) => ({
    migration_id: migrationId,
    shard_id: String(s.index),
    bytes: s.bytes.toString(),
    partitions: s.partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      bytes: p.bytes.toString(),
    })),
  }));
  return {
    index: {
      migration_id: migrationId,
      partition_count: partitions.length,
      seed_bytes: loads.reduce((sum, p) => sum + p.bytes, 0n).toString(),
      shards: shards.map((s) => ({
        shard_id: s.shard_id,
        key: seedShardKey(migrationId, s.shard_id),
        partitions: s.partitions.length,
        bytes: s.bytes,
      })),
    },
    shards,
  };
}

/** What the execution state carries of the plan (CopyTopology's output): ids and counts only. */
export interface SeedPlanSummary {
  /** The Seed Map's items. */
  readonly seed_shard_ids: string[];
  readonly partition_count: number;
  /** The Seed Map's MaxConcurrency: every copier task runs at once. */
  readonly max_parallel_copiers: number;
  readonly seed_plan_key: string;
  readonly seed_bytes: string;
}

export function seedPlanSummary(plan: SeedPlan): SeedPlanSummary {
  return {
    seed_shard_ids: plan.index.shards.map((s) => s.shard_id),
    partition_count: plan.index.partition_count,
    max_parallel_copiers: Math.max(1, plan.index.shards.length),
    seed_plan_key: seedPlanIndexKey(plan.index.migration_id),
    seed_bytes: plan.index.seed_bytes,
  };
}

/**
 * How often the state machine starts a seed copier task for a shard: 1 + retries on
 * States.TaskFailed with backoff (infra/state-machine.ts). The tail's budget is TAIL_STARTS.
 */
export const SEED_COPIER_ATTEMPTS = 3;
/** Seconds before the first retry of a seed copier task; doubled for the next. */
export const SEED_RETRY_INTERVAL_SECONDS = 5;

/**
 * AWS limits one execution must fit, checked before the topology step changes the target. The plan
 * itself is in S3, so the partition count is not one of them: what remains is the copier task's
 * environment (the config travels in every task's container overrides) and the history events (the
 * Seed Map's iterations and their retries, the drain loop's polls).
 */
export const SEED_PLAN_LIMITS = {
  /** Characters of a copier task's container overrides (ECS RunTask). */
  overrideChars: 8_192,
  /** Events of one Standard execution's history. */
  historyEvents: 25_000,
  /** Iterations an inline Map runs at once (the Seed Map runs every copier at once). */
  copiers: MAX_COPIERS,
} as const;

/** The override characters besides the config: variable names, migration and shard ids, JSON. */
export const OVERRIDE_OVERHEAD_CHARS = 600;

/**
 * History events, upper bounds per unit (AWS Standard workflows): a Map iteration attempt is at most
 * 8 (MapIterationStarted, TaskStateEntered, TaskScheduled, TaskStarted, TaskSubmitted,
 * TaskSucceeded/TaskFailed, TaskStateExited, MapIterationSucceeded), a drain poll 9 (CheckDrain's 5,
 * DrainReady's 2, WaitForDrain's 2), the tail's (re)start 8 (StartTail and its check); everything
 * else of the execution (validation, precheck, topology, cutover, validation) is bounded by 400.
 */
export const HISTORY_EVENTS = { perCopierAttempt: 8, perDrainPoll: 9, perTailStart: 8, rest: 400 } as const;

/** The history of an execution that uses every retry and polls the drain until its timeout. */
export function historyEventsEstimate(copiers: number, drainTimeoutSeconds: number): number {
  return (
    HISTORY_EVENTS.rest +
    copiers * SEED_COPIER_ATTEMPTS * HISTORY_EVENTS.perCopierAttempt +
    TAIL_STARTS * HISTORY_EVENTS.perTailStart +
    Math.ceil(drainTimeoutSeconds / DRAIN_POLL_SECONDS) * HISTORY_EVENTS.perDrainPoll
  );
}

/**
 * Refuses an execution that would fail in the middle of the workflow on one of `SEED_PLAN_LIMITS`,
 * naming the limit and the fix. `configChars`: length of the copier's config as JSON (it goes into
 * every copier task's environment); `drainTimeoutSeconds`: cutover.drain_timeout.
 */
export function checkSeedPlan(plan: SeedPlan, configChars: number, drainTimeoutSeconds: number): void {
  const copiers = plan.index.shards.length;
  const problems: { problem: string; fix: string }[] = [];
  const events = historyEventsEstimate(copiers, drainTimeoutSeconds);
  if (events > SEED_PLAN_LIMITS.historyEvents) {
    problems.push({
      problem:
        `the execution history could reach ${events} events (${copiers} copier(s) × ${SEED_COPIER_ATTEMPTS} attempts, ` +
        `a drain polled every ${DRAIN_POLL_SECONDS} s for ${drainTimeoutSeconds} s); one Step Functions execution holds at most ` +
        `${SEED_PLAN_LIMITS.historyEvents}`,
      fix: 'Lower cutover.drain_timeout (or seed.copiers)',
    });
  }
  const overrideChars = configChars + OVERRIDE_OVERHEAD_CHARS;
  if (overrideChars > SEED_PLAN_LIMITS.overrideChars) {
    problems.push({
      problem:
        `a copier task's environment would be ${overrideChars} characters (the config ${configChars}); ` +
        `ECS accepts at most ${SEED_PLAN_LIMITS.overrideChars} in a task's container overrides`,
      fix: 'Shorten the config (topic selection patterns instead of long lists, secrets by ARN)',
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
