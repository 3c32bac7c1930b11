import { describe, expect, it } from 'vitest';
import {
  CUTOVER_STATES,
  freezeWindow,
  parseHistory,
  parsePartitionCounts,
  topicLayout,
} from '../../../scripts/bench/lib/freeze-window.ts';
import { parseOptions } from '../../../scripts/bench/lib/options.ts';

/** An execution history as the local runner writes it: entered/exited per state, one JSON per line. */
function history(extra: (t0: number) => object[] = () => []): string {
  const t0 = 1_796_609_243_755;
  const lines: object[] = [{ type: 'ExecutionStarted', timestamp: t0 - 20_000, input: {} }];
  let t = t0;
  // StartCutover 15 ms, FreezeProducers 165 ms, VerifyFreeze 3044 ms, … (a real demo run's spans)
  const spans = [15, 165, 3044, 114, 700, 137, 36];
  CUTOVER_STATES.forEach((state, i) => {
    lines.push({ type: 'StateEntered', timestamp: t, stateName: state, stateType: 'Task' });
    t += spans[i] ?? 0;
    lines.push({ type: 'StateExited', timestamp: t, stateName: state, stateType: 'Task' });
  });
  lines.push({ type: 'StateEntered', timestamp: t + 1, stateName: 'AwaitClientSwitch' });
  lines.push(...extra(t0));
  return lines.map((l) => JSON.stringify(l)).join('\n');
}

describe('freezeWindow', () => {
  it('gives every cutover state its span and the window from the freeze request to READY', () => {
    const w = freezeWindow(parseHistory(history()));
    expect(w.states.map((s) => [s.state, s.seconds, s.retries])).toEqual([
      ['StartCutover', 0.015, 0],
      ['FreezeProducers', 0.165, 0],
      ['VerifyFreeze', 3.044, 0],
      ['PlaceSentinels', 0.114, 0],
      ['FinalDrain', 0.7, 0],
      ['TranslateOffsets', 0.137, 0],
      ['LogStartGuard', 0.036, 0],
    ]);
    // FreezeProducers entered at t0 + 15 ms; AwaitClientSwitch entered at t0 + 4211 + 1 ms.
    expect(w.freeze_window_seconds).toBe(4.197);
    expect(w.cutover_to_ready_seconds).toBe(4.212);
  });

  it('counts a retried state from its first entry to its last exit, with its retries', () => {
    const events = parseHistory(history()).filter((e) => e.stateName !== 'FinalDrain');
    const entered = events.find(
      (e) => e.stateName === 'PlaceSentinels' && e.type === 'StateExited',
    )!.timestamp;
    events.push(
      { type: 'StateEntered', timestamp: entered, stateName: 'FinalDrain' },
      { type: 'StateRetried', timestamp: entered + 60_000, stateName: 'FinalDrain' },
      { type: 'StateExited', timestamp: entered + 61_500, stateName: 'FinalDrain' },
    );
    const drain = freezeWindow(events).states.find((s) => s.state === 'FinalDrain');
    expect(drain).toEqual({ state: 'FinalDrain', seconds: 61.5, retries: 1 });
  });

  it('names the states that never completed when the run did not reach READY_FOR_CLIENT_SWITCH', () => {
    const events = parseHistory(history()).filter(
      (e) =>
        !['TranslateOffsets', 'LogStartGuard', 'AwaitClientSwitch'].includes(e.stateName ?? '') ||
        (e.stateName === 'TranslateOffsets' && e.type === 'StateEntered'),
    );
    events.push({ type: 'StateFailed', timestamp: 1, stateName: 'TranslateOffsets' });
    expect(() => freezeWindow(events)).toThrow(
      'the execution did not reach READY_FOR_CLIENT_SWITCH: no complete TranslateOffsets, LogStartGuard, AwaitClientSwitch (StateFailed in TranslateOffsets)',
    );
  });

  it('refuses a history line that is not an event, naming the line', () => {
    expect(() => parseHistory('{"type":"ExecutionStarted","timestamp":1}\nnot json')).toThrow(
      'execution history line 2 is not JSON: not json',
    );
    expect(() => parseHistory('{"stateName":"X"}')).toThrow(
      'execution history line 1 has no type and timestamp',
    );
  });
});

describe('cutover partitions and topic layout', () => {
  it('parses --cutover-partitions and refuses what is not a list of positive integers', () => {
    expect(parsePartitionCounts('100, 1000')).toEqual([100, 1000]);
    expect(() => parsePartitionCounts('100,ten')).toThrow(
      '--cutover-partitions: expected a comma-separated list of integers ≥ 1, got "100,ten"',
    );
    expect(() => parsePartitionCounts('')).toThrow('--cutover-partitions');
  });

  it('spreads the partitions over a few wide topics', () => {
    expect(topicLayout(100, 250)).toEqual({ topics: 1, perTopic: 100 });
    expect(topicLayout(1000, 250)).toEqual({ topics: 4, perTopic: 250 });
    expect(topicLayout(300, 250)).toEqual({ topics: 2, perTopic: 150 });
    expect(() => topicLayout(301, 250)).toThrow('--cutover-partitions 301: must split evenly');
  });
});

describe('bench options of the cutover phase', () => {
  it('leaves the cutover out of the default phases and takes it by name', () => {
    expect(parseOptions([], {})).toMatchObject({
      phases: ['seed', 'mm2', 'ceiling', 'tail'],
      cutoverPartitions: [100, 1000],
      cutoverGroups: 3,
    });
    expect(parseOptions(['--phases', 'cutover', '--cutover-partitions', '100'], {})).toMatchObject({
      phases: ['cutover'],
      cutoverPartitions: [100],
    });
  });
});
