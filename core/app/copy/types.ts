import type { ObjectStore, PartitionRef, RecordReader, RecordWriter } from '../../ports.ts';

/**
 * What the copy engine (seed and tail, SPEC §6.2–6.3) needs from the outside: ports only. The
 * composition root (fargate-copier/main.ts) wires the Kafka and S3 adapters; unit tests pass fakes.
 */
export interface CopyDeps {
  /** Reads the source partitions (isolation per `seed.isolation_level`). */
  readonly source: RecordReader;
  /**
   * Reads the target partitions: their log start and end offsets (reconciliation) and the last
   * record (the tail check after adopting already-written records).
   */
  readonly target: RecordReader;
  readonly writer: RecordWriter;
  /** The segments store: checkpoints, segment objects and status documents. */
  readonly segments: ObjectStore;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** @default setTimeout-based; tests may make time pass faster. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export type CopyMode = 'seed' | 'tail';

export interface CopyOptions {
  readonly migrationId: string;
  /**
   * `seed`: copy (and stage) up to the boundary, mark the partition `tail`, return.
   * `tail`: continue from the checkpoint (finishing the seed first when it was not complete) until
   * the stop signal.
   */
  readonly mode: CopyMode;
  /** `seed.isolation_level`: the boundary is the last stable offset under read_committed, else the high watermark. */
  readonly isolationLevel: 'read_committed' | 'read_uncommitted';
  /** `seed.segment_max_bytes`: a segment is closed once its records reach about this many bytes. */
  readonly segmentMaxBytes: number;
  /** Max bytes of one partition fetch. @default 1 MiB */
  readonly fetchMaxBytes?: number;
  /** Broker-side wait of a seed fetch. @default 100 */
  readonly seedMaxWaitMs?: number;
  /** Broker-side wait of a tail fetch (latency vs. idle requests). @default 200 */
  readonly tailMaxWaitMs?: number;
  /** At most one checkpoint put per partition per this interval after writes. @default 1000 */
  readonly checkpointIntervalMs?: number;
  /** Segment uploads in flight per partition (more → staging waits). @default 2 */
  readonly maxUploadsInFlight?: number;
  /** Gzip level of segment objects, 1–9. @default 1 (fast; staging must keep up with producing) */
  readonly segmentGzipLevel?: number;
  /**
   * Batch pass-through (ports.ts RawBatch, docs/performance.md): source batches of at least this many
   * bytes are copied as they are; smaller ones are decoded and re-batched. -1 switches it off.
   * @default 16384
   */
  readonly passThroughMinBatchBytes?: number;
  /** Zombie-write protection on restart: see `waitForStableEnd`. */
  readonly stableEnd?: StableEndOptions;
  /** In-process recoveries of one partition after transient errors, in a row. @default 5 */
  readonly transientRetries?: number;
  /** First backoff before such a recovery, doubled each time (max 30 s). @default 1000 */
  readonly transientBackoffMs?: number;
}

export interface StableEndOptions {
  /** Delay between two reads of the target end offset. @default 500 */
  readonly intervalMs?: number;
  /** Consecutive equal reads that make the end offset stable (≥ 2). @default 3 */
  readonly equalReads?: number;
  /** Give up (TransientError) when the end offset keeps moving this long. @default 120000 */
  readonly timeoutMs?: number;
}

export const COPY_DEFAULTS = {
  fetchMaxBytes: 1_048_576,
  seedMaxWaitMs: 100,
  tailMaxWaitMs: 200,
  checkpointIntervalMs: 1000,
  maxUploadsInFlight: 2,
  segmentGzipLevel: 1,
  passThroughMinBatchBytes: 16_384,
  stableEnd: { intervalMs: 500, equalReads: 3, timeoutMs: 120_000 },
  transientRetries: 5,
  transientBackoffMs: 1000,
} as const;

/** Per-partition phase as reported: not started yet, seeding, tailing, or seed done (seed mode). */
export type PartitionPhase = 'pending' | 'seed' | 'tail';

/**
 * Events of the engine, one JSON line each in the copier's log. Offsets and counters are decimal
 * strings (they are bigint), durations and rates numbers.
 */
export type CopyEvent =
  | ({ readonly type: 'partition_started' } & PartitionEventBase & {
        readonly resumed: boolean;
        readonly seed_start: string;
        readonly boundary: string;
        readonly next_source_offset: string;
        readonly next_target_offset: string;
      })
  | ({ readonly type: 'reconciled' } & PartitionEventBase & {
        readonly target_end: string;
        readonly already_written: string;
        readonly waited_ms: number;
      })
  | ({ readonly type: 'progress' } & PartitionEventBase & ProgressFields)
  | ({ readonly type: 'gap' } & PartitionEventBase & {
        readonly from: string;
        readonly to: string;
        readonly reason: string;
        /** `copy`: records lost for good; `staging`: written to the target but not staged (aged out). */
        readonly scope: 'copy' | 'staging';
      })
  | ({ readonly type: 'segment_staged' } & PartitionEventBase & {
        readonly key: string;
        readonly first_offset: string;
        readonly last_offset: string;
        readonly records: number;
        readonly bytes: number;
      })
  | ({ readonly type: 'seed_complete' } & PartitionEventBase & ProgressFields)
  | ({ readonly type: 'partition_stopped' } & PartitionEventBase & ProgressFields)
  | ({ readonly type: 'recovering' } & PartitionEventBase & {
        readonly attempt: number;
        readonly error: string;
        readonly backoff_ms: number;
      })
  | {
      readonly type: 'warning';
      readonly message: string;
      readonly topic?: string;
      readonly partition?: number;
    };

export interface PartitionEventBase {
  readonly topic: string;
  readonly partition: number;
  readonly phase: PartitionPhase;
}

export interface ProgressFields {
  readonly next_source_offset: string;
  readonly source_high_watermark: string;
  readonly boundary: string;
  readonly lag: string;
  readonly records_copied: string;
  readonly bytes_copied: string;
}

export type CopyEventSink = (event: CopyEvent) => void;

/** Live numbers of one partition, read by the status publisher. */
export interface PartitionProgress extends PartitionRef {
  phase: PartitionPhase;
  nextSourceOffset: bigint | undefined;
  /**
   * `nextSourceOffset` of the newest checkpoint persisted in S3 (the copy runs up to one checkpoint
   * interval ahead of it): FinalDrain loads a partition's checkpoint only once this passed its sentinel.
   */
  checkpointedSourceOffset: bigint | undefined;
  sourceHighWatermark: bigint | undefined;
  boundary: bigint | undefined;
  recordsCopied: bigint;
  bytesCopied: bigint;
  gaps: { from: bigint; to: bigint; reason: string }[];
  /** Seed mode: the partition reached its boundary; tail mode: never. */
  complete: boolean;
  updatedAt: Date;
}

export function lagOf(p: Pick<PartitionProgress, 'nextSourceOffset' | 'sourceHighWatermark'>): bigint {
  if (p.sourceHighWatermark === undefined || p.nextSourceOffset === undefined) return 0n;
  const lag = p.sourceHighWatermark - p.nextSourceOffset;
  return lag > 0n ? lag : 0n;
}

export function progressFields(p: PartitionProgress): ProgressFields {
  return {
    next_source_offset: String(p.nextSourceOffset ?? ''),
    source_high_watermark: String(p.sourceHighWatermark ?? ''),
    boundary: String(p.boundary ?? ''),
    lag: String(lagOf(p)),
    records_copied: String(p.recordsCopied),
    bytes_copied: String(p.bytesCopied),
  };
}
