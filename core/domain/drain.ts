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

  const failed = reports.find((r) => r.state === 'failed');
  if (failed) {
    throw new PreconditionError(`the tail copier failed: ${failed.error ?? 'no reason given'}`, {
      code: 'TAIL_FAILED',
      fix: 'Read the copier log (local: the execute output; AWS: the copier log group), fix the cause and run execute again: the tail resumes from its checkpoints.',
    });
  }
  const live = reports.filter((r) => now.getTime() - r.updatedAt.getTime() <= TAIL_STALE_AFTER_MS);
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
