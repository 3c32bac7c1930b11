/**
 * The whole migration's timeline, from the local runner's execution history (the same file and
 * events as freeze-window.ts): how long each stage of one execution took — Precheck, CopyTopology,
 * Seed, the tail until drain-ready, the freeze window, Validate, SignEvidence — and, over several
 * runs of one size, the spread of each figure. Pure: events in, figures out. The scale benchmark
 * (`npm run bench -- --phases scale`, scale.ts) prints and stores these; docs/performance.md, "Scale".
 */

import { STATE_NAMES } from '../../../core/domain/workflow.ts';
import { firstEntered, freezeWindow, type HistoryEvent, lastExited, seconds } from './freeze-window.ts';

/** The stages of one execution, in workflow order (the keys of {@link MigrationTimeline.stages}). */
export const TIMELINE_STAGES = [
  'precheck',
  'copy_topology',
  'seed',
  'tail_to_drain_ready',
  'freeze_window',
  'await_client_switch',
  'confirm_client_switch',
  'validate',
  'sign_evidence',
] as const;
export type TimelineStage = (typeof TIMELINE_STAGES)[number];

/** What each stage spans, for the report and the documentation. */
export const STAGE_SPANS: Readonly<Record<TimelineStage, string>> = {
  precheck: 'Precheck entered → exited',
  copy_topology: 'CopyTopology entered → exited (topics, configs, ACLs, the seed plan in S3)',
  seed: 'Seed (the Map over the shards) entered → exited',
  tail_to_drain_ready: 'StartTail entered → AutoApprove (or AwaitCutoverApproval) entered',
  freeze_window: 'FreezeProducers entered → AwaitClientSwitch entered (READY_FOR_CLIENT_SWITCH)',
  await_client_switch: 'AwaitClientSwitch entered → exited (the bench runs cutover-ack: not the product)',
  confirm_client_switch: 'ConfirmClientSwitch entered → exited',
  validate: 'Validate entered → exited',
  sign_evidence: 'SignEvidence entered → exited',
};

export interface MigrationTimeline {
  /** Seconds per stage. */
  readonly stages: Readonly<Record<TimelineStage, number>>;
  /** Copier tasks of the seed (Map iterations started, by index; a retried iteration counts once). */
  readonly seed_shards: number;
  /** SeedShard retries by the state machine (a copier that died and was started again). */
  readonly seed_retries: number;
  /** CheckDrain polls until drain-ready. */
  readonly drain_polls: number;
  /** RestartTail entries (the tail found gone and started again). */
  readonly tail_restarts: number;
  /** ExecutionStarted → ExecutionSucceeded (or the last event). */
  readonly execution_seconds: number;
  /** The cutover states one by one (freeze-window.ts). */
  readonly cutover: ReturnType<typeof freezeWindow>;
}

/**
 * The timeline of a finished execution. Throws naming the states that never ran or never ended
 * (and the failure, if the history has one) when the execution did not get through SignEvidence.
 */
export function migrationTimeline(events: readonly HistoryEvent[]): MigrationTimeline {
  const S = STATE_NAMES;
  const drainEnd = firstEntered(events, S.autoApprove) ?? firstEntered(events, S.awaitCutoverApproval);
  const span = (state: string): number | undefined => {
    const a = firstEntered(events, state);
    const b = lastExited(events, state);
    return a === undefined || b === undefined ? undefined : seconds(b - a);
  };
  const startTail = firstEntered(events, S.startTail);
  const cutover = freezeWindow(events);
  const measured: Record<TimelineStage, number | undefined> = {
    precheck: span(S.precheck),
    copy_topology: span(S.copyTopology),
    seed: span(S.seed),
    tail_to_drain_ready:
      startTail === undefined || drainEnd === undefined ? undefined : seconds(drainEnd - startTail),
    freeze_window: cutover.freeze_window_seconds,
    await_client_switch: span(S.awaitClientSwitch),
    confirm_client_switch: span(S.confirmClientSwitch),
    validate: span(S.validate),
    sign_evidence: span(S.signEvidence),
  };
  const missing = TIMELINE_STAGES.filter((s) => measured[s] === undefined);
  if (missing.length > 0) {
    const failed = events.findLast((e) => e.type === 'StateFailed' || e.type === 'ExecutionFailed');
    throw new Error(
      `the execution did not complete: no figure for ${missing.join(', ')}` +
        (failed ? ` (${failed.type}${failed.stateName ? ` in ${failed.stateName}` : ''})` : ''),
    );
  }
  const before = (t: number | undefined) => (e: HistoryEvent) => t === undefined || e.timestamp <= t;
  const started = events.find((e) => e.type === 'ExecutionStarted')?.timestamp ?? events[0]?.timestamp ?? 0;
  const ended =
    events.find((e) => e.type === 'ExecutionSucceeded')?.timestamp ?? events.at(-1)?.timestamp ?? started;
  return {
    stages: measured as Record<TimelineStage, number>,
    seed_shards: new Set(events.filter((e) => e.type === 'MapIterationStarted').map((e) => e.index)).size,
    seed_retries: events.filter((e) => e.type === 'StateRetried' && e.stateName === S.seedShard).length,
    drain_polls: events.filter(
      (e) => e.type === 'StateEntered' && e.stateName === S.checkDrain && before(drainEnd)(e),
    ).length,
    tail_restarts: events.filter((e) => e.type === 'StateEntered' && e.stateName === S.restartTail).length,
    execution_seconds: seconds(ended - started),
    cutover,
  };
}

export interface Spread {
  readonly runs: number;
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

/** min / median (the mean of the middle two for an even count) / max; NaN figures are left out. */
export function spreadOf(values: readonly number[]): Spread {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { runs: 0, min: Number.NaN, median: Number.NaN, max: Number.NaN };
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { runs: v.length, min: v[0]!, median: Math.round(median * 1000) / 1000, max: v.at(-1)! };
}

/** Per partition count, the spread of every figure over the runs of that size (input order kept). */
export function spreadBySize<T extends { partitions: number }>(
  runs: readonly T[],
  figures: Readonly<Record<string, (run: T) => number | undefined>>,
): { partitions: number; spread: Record<string, Spread> }[] {
  const sizes = [...new Set(runs.map((r) => r.partitions))];
  return sizes.map((partitions) => {
    const of = runs.filter((r) => r.partitions === partitions);
    return {
      partitions,
      spread: Object.fromEntries(
        Object.entries(figures).map(([name, get]) => [name, spreadOf(of.map((r) => get(r) ?? Number.NaN))]),
      ),
    };
  });
}
