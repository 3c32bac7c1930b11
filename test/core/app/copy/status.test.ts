import { describe, expect, it } from 'vitest';
import { newProgress } from '../../../../core/app/copy/partition-copy.ts';
import { buildStatus, parseCopierStatus, statusKey } from '../../../../core/app/copy/status.ts';

describe('copier status document', () => {
  it('reports per-partition lag, totals and throughput over the last interval', () => {
    const a = newProgress({ topic: 't', partition: 0 }, new Date(0));
    Object.assign(a, {
      phase: 'tail',
      nextSourceOffset: 90n,
      sourceHighWatermark: 100n,
      boundary: 50n,
      recordsCopied: 1500n,
      bytesCopied: 30_000n,
    });
    const b = newProgress({ topic: 't', partition: 1 }, new Date(0));
    Object.assign(b, {
      phase: 'tail',
      nextSourceOffset: 7n,
      checkpointedSourceOffset: 5n,
      sourceHighWatermark: 7n,
      recordsCopied: 500n,
    });

    const status = buildStatus({
      migrationId: 'm1',
      mode: 'tail',
      shardId: '0',
      state: 'running',
      startedAt: new Date(0),
      now: new Date(2000),
      partitions: [a, b],
      previous: { at: new Date(1000), records: 1000n, bytes: 10_000n },
    });

    expect(status.partitions.map((p) => p.lag)).toEqual(['10', '0']);
    expect(status.partitions.map((p) => p.checkpointed_source_offset)).toEqual([null, '5']);
    expect(status.totals).toEqual({
      partitions: 2,
      partitions_complete: 0,
      records_copied: '2000',
      bytes_copied: '30000',
      lag: '10',
      max_partition_lag: '10',
    });
    expect(status.throughput).toEqual({
      interval_ms: 1000,
      records_per_second: 1000,
      bytes_per_second: 20_000,
    });
    expect(parseCopierStatus(JSON.stringify(status))).toEqual(status);
    expect(statusKey('m1', 'tail', '0')).toBe('m1/status/tail-0.json');
  });

  it('shows a partition not started yet as pending, with unknown offsets as null', () => {
    const p = newProgress({ topic: 't', partition: 0 }, new Date(0));

    const status = buildStatus({
      migrationId: 'm1',
      mode: 'seed',
      shardId: '3',
      state: 'running',
      startedAt: new Date(0),
      now: new Date(0),
      partitions: [p],
    });

    expect(status.partitions[0]).toMatchObject({ phase: 'pending', next_source_offset: null, lag: '0' });
    expect(status.throughput.records_per_second).toBe(0);
  });
});
