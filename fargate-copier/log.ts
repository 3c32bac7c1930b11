import type { CopierStatus } from '../core/app/copy/status.ts';
import type { CopyEvent } from '../core/app/copy/types.ts';
import { formatBytes, formatCount, formatHumanDuration } from '../core/domain/format.ts';
import { COPIER_METRICS } from '../core/domain/metrics.ts';

/**
 * The copier's output. Not a TTY (Fargate → CloudWatch Logs, the local runner, tests): one JSON object
 * per line on stdout, `{"ts","level","event",…}`. A TTY: a progress line (records, bytes, rate, ETA)
 * rewritten in place, and only warnings, gaps and the end as separate lines.
 */
export interface CopierLog {
  event(e: CopyEvent): void;
  status(s: CopierStatus): void;
  line(level: 'info' | 'warn' | 'error', event: string, fields?: Record<string, unknown>): void;
  /** Ends the progress line (TTY). */
  close(): void;
}

export interface LogOptions {
  /**
   * The `MigrationName` dimension of the copier's CloudWatch metrics (infra/monitoring.ts
   * COPIER_METRICS). When set, every JSON status line is also a CloudWatch embedded metric format
   * document: CloudWatch Logs turns `PartitionLagMax` and (seed) `SeedBytesPerSecond` into metrics of
   * namespace `KraftMigrate` without an API call. The Fargate task sets it (KRAFT_MIGRATE_METRICS_NAME).
   */
  readonly metricsName?: string | undefined;
}

export function createLog(
  stream: NodeJS.WriteStream,
  isTty: boolean,
  now: () => Date = () => new Date(),
  options: LogOptions = {},
): CopierLog {
  return isTty ? new TtyLog(stream, now) : new JsonLog(stream, now, options.metricsName);
}

/** The embedded-metric-format members of a status line (CloudWatch EMF specification). */
function emf(s: CopierStatus, name: string, at: Date): Record<string, unknown> {
  const metrics: { Name: string; Unit: string }[] = [{ Name: COPIER_METRICS.partitionLagMax, Unit: 'Count' }];
  const values: Record<string, number> = {
    [COPIER_METRICS.partitionLagMax]: Number(s.totals.max_partition_lag),
  };
  if (s.mode === 'seed') {
    metrics.push({ Name: COPIER_METRICS.seedBytesPerSecond, Unit: 'Bytes/Second' });
    values[COPIER_METRICS.seedBytesPerSecond] = s.throughput.bytes_per_second;
  }
  return {
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        { Namespace: COPIER_METRICS.namespace, Dimensions: [[COPIER_METRICS.dimension]], Metrics: metrics },
      ],
    },
    [COPIER_METRICS.dimension]: name,
    ...values,
  };
}

class JsonLog implements CopierLog {
  readonly #out: NodeJS.WriteStream;
  readonly #now: () => Date;
  readonly #metricsName: string | undefined;

  constructor(out: NodeJS.WriteStream, now: () => Date, metricsName: string | undefined) {
    this.#out = out;
    this.#now = now;
    this.#metricsName = metricsName;
  }

  event(e: CopyEvent): void {
    const { type, ...fields } = e;
    const level = type === 'warning' || type === 'gap' || type === 'recovering' ? 'warn' : 'info';
    this.line(level, type, fields);
  }

  status(s: CopierStatus): void {
    this.line('info', 'status', {
      state: s.state,
      partitions: s.totals.partitions,
      partitions_complete: s.totals.partitions_complete,
      records_copied: s.totals.records_copied,
      bytes_copied: s.totals.bytes_copied,
      lag: s.totals.lag,
      records_per_second: s.throughput.records_per_second,
      bytes_per_second: s.throughput.bytes_per_second,
      ...(this.#metricsName ? emf(s, this.#metricsName, this.#now()) : {}),
    });
  }

  line(level: string, event: string, fields: Record<string, unknown> = {}): void {
    this.#out.write(`${JSON.stringify({ ts: this.#now().toISOString(), level, event, ...fields })}\n`);
  }

  close(): void {}
}

class TtyLog implements CopierLog {
  readonly #out: NodeJS.WriteStream;
  readonly #now: () => Date;
  #progressShown = false;

  constructor(out: NodeJS.WriteStream, now: () => Date) {
    this.#out = out;
    this.#now = now;
  }

  event(e: CopyEvent): void {
    if (e.type === 'warning') this.line('warn', 'warning', { message: e.message });
    else if (e.type === 'gap')
      this.line('warn', 'gap', {
        partition: `${e.topic}/${e.partition}`,
        from: e.from,
        to: e.to,
        scope: e.scope,
      });
    else if (e.type === 'recovering')
      this.line('warn', 'recovering', { partition: `${e.topic}/${e.partition}`, error: e.error });
  }

  status(s: CopierStatus): void {
    const t = s.totals;
    const rate = s.throughput.bytes_per_second;
    const recordRate = s.throughput.records_per_second;
    const eta = recordRate > 0 ? formatHumanDuration((Number(BigInt(t.lag)) / recordRate) * 1000) : '–';
    const text =
      `${s.mode} ${t.partitions_complete}/${t.partitions} partitions · ${formatBytes(t.bytes_copied)} · ` +
      `${formatCount(t.records_copied)} records · ${formatBytes(rate)}/s · ` +
      `lag ${formatCount(t.lag)}${s.mode === 'seed' ? ` · ETA ${eta}` : ''}`;
    this.#out.write(`\r\u001b[2K${text}`);
    this.#progressShown = true;
  }

  line(level: string, event: string, fields: Record<string, unknown> = {}): void {
    this.#endProgress();
    const details = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    this.#out.write(`${this.#now().toISOString()} ${level} ${event}${details ? ` ${details}` : ''}\n`);
  }

  close(): void {
    this.#endProgress();
  }

  #endProgress(): void {
    if (this.#progressShown) this.#out.write('\n');
    this.#progressShown = false;
  }
}
