/**
 * The cutover benchmark's figures, from the local runner's execution history
 * (`<state-dir>/executions/<name>.jsonl`, one RunnerEvent per line, cli/runner/events.ts): how long
 * each cutover state ran, and the freeze window — from the freeze request (FreezeProducers entered:
 * the webhook is called) to READY_FOR_CLIENT_SWITCH (AwaitClientSwitch entered: the journal's
 * `cutting_over -> awaiting_client_switch`). Pure: text in, figures out.
 */

/** The states from the cutover's start to READY_FOR_CLIENT_SWITCH, in workflow order. */
export const CUTOVER_STATES = [
  'StartCutover',
  'FreezeProducers',
  'VerifyFreeze',
  'PlaceSentinels',
  'FinalDrain',
  'TranslateOffsets',
  'LogStartGuard',
] as const;
const READY_STATE = 'AwaitClientSwitch';

/** Aims of issue 9 (seconds of freeze window, by partitions of the migration). */
export const FREEZE_WINDOW_AIMS: Readonly<Record<number, number>> = { 100: 10, 1000: 30 };

export interface HistoryEvent {
  readonly type: string;
  readonly timestamp: number;
  readonly stateName?: string;
  /** Map iteration events: the iteration's index. */
  readonly index?: number;
}

export interface StateSpan {
  readonly state: string;
  /** First StateEntered → last StateExited (retries included). */
  readonly seconds: number;
  readonly retries: number;
}

export interface FreezeWindow {
  readonly states: readonly StateSpan[];
  /** FreezeProducers entered → AwaitClientSwitch entered. */
  readonly freeze_window_seconds: number;
  /** StartCutover entered → AwaitClientSwitch entered. */
  readonly cutover_to_ready_seconds: number;
}

/** The events of an execution history file; a line that is not a JSON event is an error naming it. */
export function parseHistory(text: string): HistoryEvent[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      let e: unknown;
      try {
        e = JSON.parse(line);
      } catch {
        throw new Error(`execution history line ${i + 1} is not JSON: ${line.slice(0, 80)}`);
      }
      const { type, timestamp, stateName, index } = (e ?? {}) as Record<string, unknown>;
      if (typeof type !== 'string' || typeof timestamp !== 'number') {
        throw new Error(`execution history line ${i + 1} has no type and timestamp: ${line.slice(0, 80)}`);
      }
      return {
        type,
        timestamp,
        ...(typeof stateName === 'string' ? { stateName } : {}),
        ...(typeof index === 'number' ? { index } : {}),
      };
    });
}

export const seconds = (ms: number) => Math.round(ms) / 1000;

/** Timestamp of the first StateEntered of `state`, if it ran. */
export function firstEntered(events: readonly HistoryEvent[], state: string): number | undefined {
  return events.find((e) => e.type === 'StateEntered' && e.stateName === state)?.timestamp;
}

/** Timestamp of the last StateExited of `state` (after its retries), if it ended. */
export function lastExited(events: readonly HistoryEvent[], state: string): number | undefined {
  return events.findLast((e) => e.type === 'StateExited' && e.stateName === state)?.timestamp;
}

/**
 * Per cutover state its span and retries, and the freeze window. Throws naming the states that never
 * ran (or never ended) when the history does not reach READY_FOR_CLIENT_SWITCH.
 */
export function freezeWindow(events: readonly HistoryEvent[]): FreezeWindow {
  const entered = (state: string) => firstEntered(events, state);
  const lastExit = (state: string) => lastExited(events, state);
  const missing = [...CUTOVER_STATES, READY_STATE].filter(
    (s) => entered(s) === undefined || (s !== READY_STATE && lastExit(s) === undefined),
  );
  if (missing.length > 0) {
    const failed = events.findLast((e) => e.type === 'StateFailed' || e.type === 'ExecutionFailed');
    throw new Error(
      `the execution did not reach READY_FOR_CLIENT_SWITCH: no complete ${missing.join(', ')}` +
        (failed ? ` (${failed.type}${failed.stateName ? ` in ${failed.stateName}` : ''})` : ''),
    );
  }
  const states = CUTOVER_STATES.map((state) => ({
    state,
    seconds: seconds((lastExit(state) ?? 0) - (entered(state) ?? 0)),
    retries: events.filter((e) => e.type === 'StateRetried' && e.stateName === state).length,
  }));
  const ready = entered(READY_STATE) ?? 0;
  return {
    states,
    freeze_window_seconds: seconds(ready - (entered('FreezeProducers') ?? 0)),
    cutover_to_ready_seconds: seconds(ready - (entered('StartCutover') ?? 0)),
  };
}

/** `--cutover-partitions 100,1000` (or `--scale-partitions`): a comma-separated list of integers ≥ 1. */
export function parsePartitionCounts(text: string, flag = '--cutover-partitions'): number[] {
  const counts = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`${flag}: expected a comma-separated list of integers ≥ 1, got "${text}"`);
  }
  return counts;
}

/** Topics of at most `maxPerTopic` partitions holding `partitions` in all (few, wide topics). */
export function topicLayout(
  partitions: number,
  maxPerTopic: number,
  flag = '--cutover-partitions',
): { topics: number; perTopic: number } {
  const topics = Math.ceil(partitions / maxPerTopic);
  if (partitions % topics !== 0) {
    throw new Error(
      `${flag} ${partitions}: must split evenly into topics of at most ${maxPerTopic} partitions`,
    );
  }
  return { topics, perTopic: partitions / topics };
}
