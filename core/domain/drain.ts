import { z } from 'zod';
import { formatDuration, parseDuration } from './config/duration.ts';
import { configSchema, type MigrationConfig } from './config/schema.ts';
import { PreconditionError } from './errors.ts';

/**
 * WaitForDrain (SPEC §6.3): the workflow polls the tail copier's status documents until every
 * partition's lag ≤ cutover.drain_max_partition_lag has held for cutover.drain_stable_window, or
 * fails with the troubleshooting page's `drain_timeout exceeded — lag not within threshold after …`.
 * Pure: the CheckDrain handler reads the documents and the clock, this decides.
 */

/** What CheckDrain carries from one poll to the next (ResultPath `$.drain`). */
export const drainState = z.object({
  checks: z.int().min(0),
  /** When the first poll ran (ISO time); absent before it. */
  started_at: z.iso.datetime().optional(),
  /** Since when every partition has been under the threshold (ISO time), '' when not. */
  stable_since: z.string().optional(),
  /** How often the workflow restarted the tail (RestartTail); absent before the first. */
  tail_restarts: z.int().min(0).optional(),
  /** When the workflow last restarted the tail (ISO time), '' when it never did. */
  tail_restarted_at: z.string().optional(),
});

export const checkDrainInput = z.object({
  config: configSchema,
  migration_id: z.string().min(1),
  /** How many partitions the tail must report (from CopyTopology). */
  expected_partitions: z.int().min(0),
  drain: drainState,
});

export const checkDrainOutput = z.object({
  checks: z.int().min(1),
  started_at: z.iso.datetime(),
  stable_since: z.string(),
  ready: z.boolean(),
  max_partition_lag: z.string(),
  partitions_reporting: z.int().min(0),
  /** The tail is gone (failed, stopped, or silent): DrainReady routes to RestartTail. */
  restart_tail: z.boolean(),
  tail_restarts: z.int().min(0),
  tail_restarted_at: z.string(),
  /** One line for the timeline and `status`. */
  summary: z.string(),
});
export type CheckDrainOutput = z.output<typeof checkDrainOutput>;

/** The part of a tail status document the decision needs. */
export interface TailReport {
  readonly state: 'running' | 'complete' | 'stopped' | 'failed';
  readonly error?: string | undefined;
  readonly updatedAt: Date;
  readonly partitions: readonly {
    readonly topic: string;
    readonly partition: number;
    readonly lag: bigint;
  }[];
}

/** A tail that has not reported for this long is not running. */
export const TAIL_STALE_AFTER_MS = 30_000;

/** A (re)started tail that has not reported at all for this long is gone (a Fargate start takes ~1 min). */
export const TAIL_START_GRACE_MS = 180_000;

/**
 * How often the workflow starts the tail: StartTail, then RestartTail each time CheckDrain finds it
 * gone, until the budget is spent (then TAIL_FAILED fails the execution).
 */
export const TAIL_STARTS = 3;

/**
 * Why the tail is gone, or undefined while it runs: a status document written since the tail was
 * started (`since`: the first poll, or the last restart) that says failed or stopped; or no running
 * document fresher than TAIL_STALE_AFTER_MS although one was written since the start (a SIGKILLed or
 * lost task); or none at all TAIL_START_GRACE_MS after the start. Older documents are a previous
 * tail's (an earlier execution, the task before a restart).
 */
function tailGone(
  reports: readonly TailReport[],
  since: number,
  now: number,
  restarted: boolean,
): string | undefined {
  const ended = reports.find(
    (r) => r.updatedAt.getTime() >= since && (r.state === 'failed' || r.state === 'stopped'),
  );
  if (ended) return ended.state === 'failed' ? (ended.error ?? 'no reason given') : 'it stopped';
  if (reports.some((r) => r.state === 'running' && now - r.updatedAt.getTime() <= TAIL_STALE_AFTER_MS))
    return undefined;
  // Before a restart, a running document written up to TAIL_STALE_AFTER_MS before the first poll
  // is this tail's too (it reports from its start, which precedes the first poll).
  const slack = restarted ? 0 : TAIL_STALE_AFTER_MS;
  if (reports.some((r) => r.state === 'running' && r.updatedAt.getTime() >= since - slack))
    return `no status for ${Math.round(TAIL_STALE_AFTER_MS / 1000)} s`;
  if (now - since > TAIL_START_GRACE_MS)
    return `no status ${Math.round(TAIL_START_GRACE_MS / 1000)} s after its start`;
  return undefined;
}

export const DRAIN_TIMEOUT_MESSAGE = (elapsed: string) =>
  `drain_timeout exceeded — lag not within threshold after ${elapsed}`;

export function evaluateDrain(
  config: MigrationConfig,
  previous: z.output<typeof drainState>,
  reports: readonly TailReport[],
  expectedPartitions: number,
  now: Date,
): CheckDrainOutput {
  const startedAt = previous.started_at ?? now.toISOString();
  const elapsedMs = now.getTime() - Date.parse(startedAt);
  const threshold = BigInt(config.cutover.drain_max_partition_lag);
  const windowMs = parseDuration(config.cutover.drain_stable_window)?.ms ?? 30_000;
  const timeoutMs = parseDuration(config.cutover.drain_timeout)?.ms ?? 1_800_000;

  const restarts = previous.tail_restarts ?? 0;
  const restartedAt = previous.tail_restarted_at ?? '';
  const since = Date.parse(restartedAt || startedAt);
  const gone = tailGone(reports, since, now.getTime(), restartedAt !== '');
  if (gone !== undefined) {
    if (restarts + 1 >= TAIL_STARTS) {
      throw new PreconditionError(
        `the tail copier failed: ${gone} (started ${restarts + 1} time(s), the most the workflow does)`,
        {
          code: 'TAIL_FAILED',
          fix: 'Read the copier log (local: the execute output; AWS: the copier log group), fix the cause and run execute again: the tail resumes from its checkpoints.',
        },
      );
    }
    return {
      checks: previous.checks + 1,
      started_at: startedAt,
      stable_since: '',
      ready: false,
      max_partition_lag: '0',
      partitions_reporting: 0,
      restart_tail: true,
      tail_restarts: restarts + 1,
      tail_restarted_at: now.toISOString(),
      summary: `the tail copier is gone (${gone}): restarting it (restart ${restarts + 1} of ${TAIL_STARTS - 1})`,
    };
  }
  const live = reports.filter(
    (r) =>
      now.getTime() - r.updatedAt.getTime() <= TAIL_STALE_AFTER_MS &&
      (!restartedAt || r.updatedAt.getTime() >= since),
  );
  const lags = new Map<string, bigint>();
  for (const r of live) for (const p of r.partitions) lags.set(`${p.topic}/${p.partition}`, p.lag);
  const maxLag = [...lags.values()].reduce((m, l) => (l > m ? l : m), 0n);
  const allReporting = lags.size >= expectedPartitions;
  const under = allReporting && maxLag <= threshold;
  const stableSince = under ? previous.stable_since || now.toISOString() : '';
  const stableMs = stableSince ? now.getTime() - Date.parse(stableSince) : 0;
  const ready = under && stableMs >= windowMs;

  if (!ready && elapsedMs > timeoutMs) {
    throw new PreconditionError(DRAIN_TIMEOUT_MESSAGE(formatDuration(timeoutMs)), {
      code: 'DRAIN_TIMEOUT',
      fix: 'Increase cutover.drain_timeout in config, or reduce cutover.drain_max_partition_lag threshold. Run execute again to resume: the tail keeps its position.',
    });
  }
  const summary = !allReporting
    ? `waiting for the tail: ${lags.size} of ${expectedPartitions} partition(s) reporting`
    : under
      ? `max partition lag ${maxLag} ≤ ${threshold} for ${formatDuration(Math.floor(stableMs / 1000) * 1000 || 0)} of ${config.cutover.drain_stable_window}${ready ? ': drain ready' : ''}`
      : `max partition lag ${maxLag} > ${threshold}`;
  return {
    checks: previous.checks + 1,
    started_at: startedAt,
    stable_since: stableSince,
    ready,
    max_partition_lag: maxLag.toString(),
    partitions_reporting: lags.size,
    restart_tail: false,
    tail_restarts: restarts,
    tail_restarted_at: restartedAt,
    summary,
  };
}

export const awaitApprovalInput = z.object({
  config: configSchema,
  migration_id: z.string().min(1),
  task_token: z.string().min(1),
});

export const awaitApprovalOutput = z.object({ gate: z.string(), registered_at: z.iso.datetime() });

/** What `kraft-migrate cutover` (or SendTaskSuccess) hands the workflow. */
export const approvalResult = z.object({ approved_by: z.string(), approved_at: z.iso.datetime() });

/** Where a pending gate's task token is kept, relative to the evidence store. */
export function gateKey(migrationId: string, gate: string): string {
  return `migrations/${migrationId}/gates/${gate}.json`;
}
