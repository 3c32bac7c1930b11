import { describe, expect, it } from 'vitest';
import { parseHistory } from '../../../scripts/bench/lib/freeze-window.ts';
import { parseOptions } from '../../../scripts/bench/lib/options.ts';
import { migrationTimeline, spreadBySize, spreadOf } from '../../../scripts/bench/lib/timeline.ts';

type Line = Record<string, unknown>;

/**
 * A whole execution as the local runner writes its history (the states and events of a real run,
 * test/it tailkill's history, with round durations): two seed shards, one of them retried, three
 * drain polls, the cutover, validation and the signature.
 */
function execution(options: { approval?: 'auto' | 'gate'; stopAt?: string } = {}): Line[] {
  const lines: Line[] = [];
  let t = 1_796_626_189_000;
  lines.push({ type: 'ExecutionStarted', timestamp: t, input: {} });
  const state = (name: string, ms: number, extra: Line = {}) => {
    lines.push({ type: 'StateEntered', timestamp: t, stateName: name, ...extra });
    t += ms;
    lines.push({ type: 'StateExited', timestamp: t, stateName: name, ...extra });
  };
  state('ValidateInput', 1);
  state('Precheck', 1500);
  state('BlockersFound', 1);
  state('CopyTopology', 2500);
  lines.push({ type: 'StateEntered', timestamp: t, stateName: 'Seed' });
  const seedStart = t;
  for (const index of [0, 1]) {
    lines.push({ type: 'MapIterationStarted', timestamp: t, index });
    lines.push({ type: 'StateEntered', timestamp: t, stateName: 'SeedShard', index });
  }
  lines.push({ type: 'StateRetried', timestamp: t + 3000, stateName: 'SeedShard', index: 1 });
  lines.push({ type: 'StateExited', timestamp: t + 8000, stateName: 'SeedShard', index: 0 });
  lines.push({ type: 'StateExited', timestamp: t + 12_000, stateName: 'SeedShard', index: 1 });
  for (const index of [0, 1]) lines.push({ type: 'MapIterationSucceeded', timestamp: t + 12_000, index });
  t = seedStart + 12_000;
  lines.push({ type: 'StateExited', timestamp: t, stateName: 'Seed' });
  if (options.stopAt === 'Seed') {
    lines.push({ type: 'ExecutionFailed', timestamp: t });
    return lines;
  }
  state('StartTail', 10);
  state('InitDrain', 0);
  for (let poll = 0; poll < 3; poll++) {
    state('CheckDrain', 20);
    state('DrainReady', 0);
    if (poll < 2) state('WaitForDrain', 5000);
  }
  if (options.approval === 'gate') state('AwaitCutoverApproval', 60_000);
  else state('AutoApprove', 0);
  for (const [name, ms] of [
    ['StartCutover', 15],
    ['FreezeProducers', 165],
    ['VerifyFreeze', 3044],
    ['PlaceSentinels', 114],
    ['FinalDrain', 700],
    ['TranslateOffsets', 137],
    ['LogStartGuard', 36],
  ] as const)
    state(name, ms);
  t += 1;
  state('AwaitClientSwitch', 2000);
  state('ConfirmClientSwitch', 50);
  state('Validate', 900);
  state('SignEvidence', 120);
  state('ValidationPassed', 0);
  state('Finalized', 0);
  lines.push({ type: 'ExecutionSucceeded', timestamp: t });
  // Container and token events carry no stateName the timeline needs; they must be ignored.
  lines.push({ type: 'ContainerOutput', timestamp: t, text: 'x' });
  return lines;
}

const text = (lines: Line[]) => lines.map((l) => JSON.stringify(l)).join('\n');

describe('migrationTimeline', () => {
  it('times every stage of a whole execution from its history', () => {
    const tl = migrationTimeline(parseHistory(text(execution())));
    expect(tl.stages).toEqual({
      precheck: 1.5,
      copy_topology: 2.5,
      seed: 12,
      // StartTail 10 ms, InitDrain 0, 3 × CheckDrain 20 ms, 2 × WaitForDrain 5 s → AutoApprove entered
      tail_to_drain_ready: 10.07,
      // FreezeProducers entered → AwaitClientSwitch entered: 165 + 3044 + 114 + 700 + 137 + 36 + 1 ms
      freeze_window: 4.197,
      await_client_switch: 2,
      confirm_client_switch: 0.05,
      validate: 0.9,
      sign_evidence: 0.12,
    });
    expect(tl.seed_shards).toBe(2);
    expect(tl.seed_retries).toBe(1);
    expect(tl.drain_polls).toBe(3);
    expect(tl.tail_restarts).toBe(0);
    expect(tl.cutover.states.find((s) => s.state === 'VerifyFreeze')?.seconds).toBe(3.044);
    // 1 + 1500 + 1 + 2500 + 12000 + 10070 + 15 + 4197 + 2000 + 50 + 900 + 120 ms
    expect(tl.execution_seconds).toBe(33.354);
  });

  it('ends the drain at the approval gate when auto_approve is off, without the gate’s wait', () => {
    const tl = migrationTimeline(parseHistory(text(execution({ approval: 'gate' }))));
    expect(tl.stages.tail_to_drain_ready).toBe(10.07);
    expect(tl.drain_polls).toBe(3);
  });

  it('names the stages an incomplete execution lacks, and its failure', () => {
    expect(() => migrationTimeline(parseHistory(text(execution({ stopAt: 'Seed' }))))).toThrow(
      /did not reach READY_FOR_CLIENT_SWITCH: no complete StartCutover.*\(ExecutionFailed\)/,
    );
  });
});

describe('spreadOf / spreadBySize', () => {
  it('gives min, median and max, the median of an even count the mean of the middle two', () => {
    expect(spreadOf([30, 10, 20])).toEqual({ runs: 3, min: 10, median: 20, max: 30 });
    expect(spreadOf([4, 1, 3, 2])).toEqual({ runs: 4, min: 1, median: 2.5, max: 4 });
    expect(spreadOf([Number.NaN, 5])).toEqual({ runs: 1, min: 5, median: 5, max: 5 });
    expect(spreadOf([]).runs).toBe(0);
  });

  it('groups runs by partitions in their first-seen order, a missing figure left out', () => {
    const runs = [
      { partitions: 1000, seed: 80, mm2: 40 },
      { partitions: 200, seed: 14, mm2: undefined },
      { partitions: 1000, seed: 100, mm2: 44 },
      { partitions: 200, seed: 18, mm2: 9 },
      { partitions: 1000, seed: 90, mm2: 42 },
    ];
    const out = spreadBySize(runs, { seed: (r) => r.seed, mm2: (r) => r.mm2 });
    expect(out.map((s) => s.partitions)).toEqual([1000, 200]);
    expect(out[0]?.spread['seed']).toEqual({ runs: 3, min: 80, median: 90, max: 100 });
    expect(out[1]?.spread['seed']).toEqual({ runs: 2, min: 14, median: 16, max: 18 });
    expect(out[1]?.spread['mm2']).toEqual({ runs: 1, min: 9, median: 9, max: 9 });
  });
});

describe('scale options', () => {
  it('reads --scale-partitions in order with repeats, --scale-copiers, and MM2 tasks 8 unless given', () => {
    const o = parseOptions(['--phases', 'scale', '--scale-partitions', '200,200,1000'], {});
    if (o === 'help') throw new Error('help');
    expect(o.phases).toEqual(['scale']);
    expect(o.scalePartitions).toEqual([200, 200, 1000]);
    expect(o.scaleCopiers).toBeUndefined();
    expect(o.scaleMm2Tasks).toBe(8);
    const p = parseOptions(['--scale-copiers', '4', '--mm2-tasks', '16'], {});
    if (p === 'help') throw new Error('help');
    expect(p.scaleCopiers).toBe(4);
    expect(p.scaleMm2Tasks).toBe(16);
    expect(p.scalePartitions).toEqual([200, 1000]);
  });

  it('refuses a bad --scale-partitions or --scale-copiers naming the flag', () => {
    expect(() => parseOptions(['--scale-partitions', '200,x'], {})).toThrow(
      '--scale-partitions: expected a comma-separated list of integers ≥ 1, got "200,x"',
    );
    expect(() => parseOptions(['--scale-copiers', '0'], {})).toThrow(
      '--scale-copiers: expected an integer ≥ 1, got "0"',
    );
  });
});
