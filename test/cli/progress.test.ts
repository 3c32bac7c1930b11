import { describe, expect, it } from 'vitest';
import { type Progress, ProgressTracker, renderProgress } from '../../cli/progress.ts';
import type { RunnerEvent } from '../../cli/runner/events.ts';

const T = Date.parse('2026-12-07T01:00:00Z');

function statusLine(taskArn: string, stateName: string, fields: Record<string, unknown>): RunnerEvent {
  return {
    type: 'ContainerOutput',
    timestamp: T,
    stateName,
    taskArn,
    stream: 'stdout',
    line: JSON.stringify({ ts: '2026-12-07T01:00:00Z', level: 'info', event: 'status', ...fields }),
  };
}

const running = (bytes: number, records: number, complete: number, rate: number) => ({
  state: 'running',
  partitions: 2,
  partitions_complete: complete,
  records_copied: String(records),
  bytes_copied: String(bytes),
  lag: '10',
  records_per_second: rate / 100,
  bytes_per_second: rate,
});

describe('ProgressTracker', () => {
  it('adds the seed shards up and takes the ETA from the bytes left over their rate', () => {
    const t = new ProgressTracker();
    t.observe({
      type: 'StateExited',
      timestamp: T,
      stateName: 'CopyTopology',
      output: { topology: { seed_bytes: '10485760', partition_count: 6 } },
    });
    expect(t.current()).toBeUndefined();
    expect(t.observe(statusLine('a', 'SeedShard', running(1_048_576, 1000, 1, 524_288)))).toBe(true);
    expect(t.observe(statusLine('b', 'SeedShard', running(2_097_152, 3000, 0, 524_288)))).toBe(true);
    expect(t.observe(statusLine('b', 'SeedShard', running(3_145_728, 4000, 1, 524_288)))).toBe(true);
    expect(t.current()).toEqual({
      mode: 'seed',
      copiers: 2,
      partitions: 6,
      partitions_complete: 2,
      records_copied: '5000',
      bytes_copied: '4194304',
      bytes_total: '10485760',
      lag: '20',
      bytes_per_second: 1_048_576,
      records_per_second: 10_485.76,
      eta_seconds: 6,
    });
  });

  it('ignores lines that are not status lines, and shows the tail once it reports', () => {
    const t = new ProgressTracker();
    expect(t.observe({ ...statusLine('a', 'SeedShard', {}), line: 'not json "event":"status"' })).toBe(false);
    expect(t.observe({ ...statusLine('a', 'SeedShard', {}), line: '{"event":"progress"}' })).toBe(false);
    t.observe(statusLine('a', 'SeedShard', { ...running(100, 1, 2, 0), state: 'complete' }));
    t.observe(statusLine('t', 'StartTail', running(50, 5, 0, 2048)));
    expect(t.current()?.mode).toBe('tail');
  });
});

describe('renderProgress', () => {
  const seed: Progress = {
    mode: 'seed',
    copiers: 2,
    partitions: 8,
    partitions_complete: 3,
    records_copied: '1234567',
    bytes_copied: String(1288490189),
    bytes_total: String(4294967296),
    lag: '99',
    bytes_per_second: 47_815_065,
    records_per_second: 1000,
    eta_seconds: 70,
  };

  it.each<[string, Progress, string]>([
    [
      'the seed with its total and ETA',
      seed,
      'seed 3/8 partitions · 1.20 GiB of 4.00 GiB (30%) · 1,234,567 records · 45.6 MiB/s · ETA 1m 10s',
    ],
    [
      'the seed without a total or rate',
      { ...seed, bytes_total: null, eta_seconds: null, bytes_per_second: 0 },
      'seed 3/8 partitions · 1.20 GiB · 1,234,567 records · 0 B/s · ETA –',
    ],
    [
      'a finished seed',
      { ...seed, partitions_complete: 8, bytes_copied: seed.bytes_total ?? '0', eta_seconds: 0 },
      'seed 8/8 partitions · 4.00 GiB of 4.00 GiB (100%) · 1,234,567 records · 45.6 MiB/s · done',
    ],
    [
      'the tail',
      { ...seed, mode: 'tail', bytes_total: null, eta_seconds: null, lag: '12', bytes_per_second: 2_097_152 },
      'tail 8 partitions · lag 12 · 1,234,567 records · 2.00 MiB/s',
    ],
  ])('%s', (_name, p, line) => {
    expect(renderProgress(p)).toBe(line);
  });
});
