/**
 * The copiers' progress during `execute`, from what the run already shows: each copier's JSON
 * status lines (fargate-copier/log.ts, every 10 s) and CopyTopology's `seed_bytes` (the selected
 * partitions' sizes on disk). The ETA is the seed bytes still to copy over the bytes per second
 * the seed copiers report together.
 */
import { formatBytes, formatCount, formatHumanDuration } from '../core/domain/format.ts';
import { STATE_NAMES } from '../core/domain/workflow.ts';
import type { RunnerEvent } from './runner/events.ts';

/** One copier's latest status line. */
interface CopierLine {
  readonly mode: 'seed' | 'tail';
  readonly state: string;
  readonly partitions: number;
  readonly partitionsComplete: number;
  readonly records: bigint;
  readonly bytes: bigint;
  readonly lag: bigint;
  readonly bytesPerSecond: number;
  readonly recordsPerSecond: number;
}

export interface Progress {
  readonly mode: 'seed' | 'tail';
  readonly copiers: number;
  readonly partitions: number;
  readonly partitions_complete: number;
  readonly records_copied: string;
  readonly bytes_copied: string;
  /** Seed: the bytes the seed copies in all (CopyTopology), when known. */
  readonly bytes_total: string | null;
  readonly lag: string;
  readonly bytes_per_second: number;
  readonly records_per_second: number;
  /** Seed: seconds until every byte is copied at the current rate; null without a rate or total. */
  readonly eta_seconds: number | null;
}

export class ProgressTracker {
  readonly #copiers = new Map<string, CopierLine>();
  #seedBytes: bigint | undefined;
  #seedPartitions: number | undefined;

  /** Takes what it needs from a runner event; true when the progress changed. */
  observe(e: RunnerEvent): boolean {
    if (e.type === 'StateExited' && e.stateName === STATE_NAMES.copyTopology) {
      const topology = (e.output as { topology?: { seed_bytes?: unknown; partition_count?: unknown } })
        ?.topology;
      const bytes = topology?.seed_bytes;
      if (typeof bytes === 'string' && /^\d+$/.test(bytes)) this.#seedBytes = BigInt(bytes);
      if (typeof topology?.partition_count === 'number') this.#seedPartitions = topology.partition_count;
      return false;
    }
    if (e.type !== 'ContainerOutput' || e.stream !== 'stdout' || !e.line || !e.taskArn) return false;
    const line = parseStatusLine(e.line, e.stateName === STATE_NAMES.seedShard ? 'seed' : 'tail');
    if (!line) return false;
    this.#copiers.set(e.taskArn, line);
    return true;
  }

  /** The seed's progress while a seed copier has reported, then the tail's; undefined before. */
  current(): Progress | undefined {
    const all = [...this.#copiers.values()];
    const tail = all.filter((c) => c.mode === 'tail');
    const seed = all.filter((c) => c.mode === 'seed');
    const shown = tail.length > 0 ? tail : seed;
    if (shown.length === 0) return undefined;
    const mode = shown === tail ? 'tail' : 'seed';
    const sum = (f: (c: CopierLine) => bigint) => shown.reduce((s, c) => s + f(c), 0n);
    const running = shown.filter((c) => c.state === 'running');
    const bytes = sum((c) => c.bytes);
    const bytesPerSecond = running.reduce((s, c) => s + c.bytesPerSecond, 0);
    const total = mode === 'seed' ? this.#seedBytes : undefined;
    return {
      mode,
      copiers: shown.length,
      // Seed shards not started yet have not reported: the total comes from CopyTopology.
      partitions: Math.max(
        shown.reduce((s, c) => s + c.partitions, 0),
        mode === 'seed' ? (this.#seedPartitions ?? 0) : 0,
      ),
      partitions_complete: shown.reduce((s, c) => s + c.partitionsComplete, 0),
      records_copied: sum((c) => c.records).toString(),
      bytes_copied: bytes.toString(),
      bytes_total: total === undefined ? null : total.toString(),
      lag: sum((c) => c.lag).toString(),
      bytes_per_second: bytesPerSecond,
      records_per_second: running.reduce((s, c) => s + c.recordsPerSecond, 0),
      eta_seconds:
        total !== undefined && bytesPerSecond > 0
          ? Math.max(0, Number(total - bytes)) / bytesPerSecond
          : null,
    };
  }
}

function parseStatusLine(text: string, mode: 'seed' | 'tail'): CopierLine | undefined {
  if (!text.includes('"event":"status"')) return undefined;
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (j['event'] !== 'status') return undefined;
  const int = (k: string) => (typeof j[k] === 'string' && /^\d+$/.test(j[k]) ? BigInt(j[k]) : 0n);
  const num = (k: string) => (typeof j[k] === 'number' ? j[k] : 0);
  return {
    mode,
    state: typeof j['state'] === 'string' ? j['state'] : 'running',
    partitions: num('partitions'),
    partitionsComplete: num('partitions_complete'),
    records: int('records_copied'),
    bytes: int('bytes_copied'),
    lag: int('lag'),
    bytesPerSecond: num('bytes_per_second'),
    recordsPerSecond: num('records_per_second'),
  };
}

/**
 * One line: `seed 3/8 partitions · 1.2 GiB of 4.0 GiB (30%) · 1,234,567 records · 45.6 MiB/s · ETA 1m 10s`,
 * `tail 8 partitions · lag 12 · 1,234,567 records · 2.0 MiB/s`.
 */
export function renderProgress(p: Progress): string {
  const rate = `${formatBytes(Math.round(p.bytes_per_second))}/s`;
  const records = `${formatCount(BigInt(p.records_copied))} records`;
  if (p.mode === 'tail') {
    return `tail ${p.partitions} partitions · lag ${formatCount(BigInt(p.lag))} · ${records} · ${rate}`;
  }
  const bytes = BigInt(p.bytes_copied);
  const total = p.bytes_total === null ? undefined : BigInt(p.bytes_total);
  const share =
    total !== undefined && total > 0n
      ? ` of ${formatBytes(total)} (${Math.min(100, Number((bytes * 100n) / total))}%)`
      : '';
  const eta =
    p.partitions_complete === p.partitions
      ? 'done'
      : p.eta_seconds === null
        ? 'ETA –'
        : `ETA ${formatHumanDuration(p.eta_seconds * 1000)}`;
  return `seed ${p.partitions_complete}/${p.partitions} partitions · ${formatBytes(bytes)}${share} · ${records} · ${rate} · ${eta}`;
}
