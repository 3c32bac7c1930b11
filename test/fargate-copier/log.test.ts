/**
 * The copier's JSON log lines: with KRAFT_MIGRATE_METRICS_NAME the status lines are CloudWatch
 * embedded metric format documents (namespace KraftMigrate, dimension MigrationName) that the
 * dashboard and alarms of infra/monitoring.ts read.
 */
import { describe, expect, it } from 'vitest';
import type { CopierStatus } from '../../core/app/copy/status.ts';
import { COPIER_METRICS } from '../../core/domain/metrics.ts';
import { createLog } from '../../fargate-copier/log.ts';

const AT = new Date('2026-11-25T12:00:00.000Z');

function status(mode: 'seed' | 'tail'): CopierStatus {
  return {
    version: 1,
    migration_id: 'mig-1',
    mode,
    shard_id: '0',
    state: 'running',
    started_at: AT.toISOString(),
    updated_at: AT.toISOString(),
    partitions: [],
    totals: {
      partitions: 2,
      partitions_complete: 1,
      records_copied: '1000',
      bytes_copied: '1048576',
      lag: '30',
      max_partition_lag: '25',
    },
    throughput: { records_per_second: 500, bytes_per_second: 524288 },
  } as unknown as CopierStatus;
}

function lines(metricsName: string | undefined, s: CopierStatus): Record<string, unknown>[] {
  const out: string[] = [];
  const stream = { write: (chunk: string) => out.push(chunk) } as unknown as NodeJS.WriteStream;
  createLog(stream, false, () => AT, { metricsName }).status(s);
  return out
    .join('')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('copier JSON status lines', () => {
  it('embed PartitionLagMax and SeedBytesPerSecond in CloudWatch EMF when a metrics name is set', () => {
    // Act
    const [line] = lines('orders', status('seed'));

    // Assert
    expect(line).toMatchObject({
      event: 'status',
      _aws: {
        Timestamp: AT.getTime(),
        CloudWatchMetrics: [
          {
            Namespace: COPIER_METRICS.namespace,
            Dimensions: [[COPIER_METRICS.dimension]],
            Metrics: [
              { Name: 'PartitionLagMax', Unit: 'Count' },
              { Name: 'SeedBytesPerSecond', Unit: 'Bytes/Second' },
            ],
          },
        ],
      },
      MigrationName: 'orders',
      PartitionLagMax: 25,
      SeedBytesPerSecond: 524288,
    });
  });

  it('publish only the lag from the tail, and no metrics at all without a metrics name', () => {
    // Act
    const [tail] = lines('orders', status('tail'));
    const [plain] = lines(undefined, status('seed'));

    // Assert
    expect(tail).toMatchObject({ PartitionLagMax: 25 });
    expect(tail).not.toHaveProperty('SeedBytesPerSecond');
    expect(
      (tail!._aws as { CloudWatchMetrics: { Metrics: unknown[] }[] }).CloudWatchMetrics[0]?.Metrics,
    ).toHaveLength(1);
    expect(plain).not.toHaveProperty('_aws');
    expect(plain).toMatchObject({ event: 'status', lag: '30', bytes_per_second: 524288 });
  });
});

describe('copier progress line on a terminal', () => {
  it('renders bytes, counts and the ETA with the shared formatters', () => {
    // Arrange: 1 MiB and 1,000 records copied, 30 records of lag at 500 records/s; 1,234,567 behind
    const out: string[] = [];
    const stream = { write: (chunk: string) => out.push(chunk) } as unknown as NodeJS.WriteStream;
    const s = status('seed');
    const behind = {
      ...s,
      totals: { ...s.totals, records_copied: '1234567', lag: '3990000' },
    } as CopierStatus;

    // Act
    createLog(stream, true, () => AT).status(s);
    createLog(stream, true, () => AT).status(behind);

    // Assert
    expect(out[0]).toBe(
      '\r\u001b[2Kseed 1/2 partitions · 1.00 MiB · 1,000 records · 512 KiB/s · lag 30 · ETA <1s',
    );
    expect(out[1]).toBe(
      '\r\u001b[2Kseed 1/2 partitions · 1.00 MiB · 1,234,567 records · 512 KiB/s · lag 3,990,000 · ETA 2h 13m',
    );
  });
});
