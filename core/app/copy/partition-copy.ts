import { setTimeout as sleep } from 'node:timers/promises';
import {
  addSegment,
  adoptAlreadyWritten,
  advanceCheckpoint,
  enterTail,
  initialCheckpoint,
  type PartitionCheckpoint,
  payloadBytes,
  reconcile,
  recordGap,
  type SegmentManifestEntry,
  verifyTailOfTarget,
} from '../../domain/copy/index.ts';
import { causeText, InvariantError, isKraftMigrateError, TransientError } from '../../domain/errors.ts';
import {
  asRuns,
  type BatchFetchResult,
  type FetchResult,
  type PartitionRef,
  partitionKey,
  type RawBatch,
  type SourceRecord,
} from '../../ports.ts';
import { CheckpointWriter, loadCheckpoint } from './checkpoint-writer.ts';
import { waitForStableEnd } from './stable-end.ts';
import { SegmentStager } from './stager.ts';
import {
  COPY_DEFAULTS,
  type CopyDeps,
  type CopyEvent,
  type CopyEventSink,
  type CopyOptions,
  type PartitionProgress,
  progressFields,
} from './types.ts';

/**
 * Copies one partition (SPEC §6.2 seed, §6.3 tail), exactly once also across kill -9:
 *
 * - First start (no checkpoint): capture the boundary (last stable offset under read_committed —
 *   everything below it is decided — else the high watermark) and the seed start (log start); the
 *   target partition must be empty; persist checkpoint zero BEFORE the first write.
 * - Restart (checkpoint found): wait until the target's end offset is stable (no produce request of
 *   the killed process can still land), `reconcile`, re-read the records written after the checkpoint
 *   and `adoptAlreadyWritten` them without writing, check the target's last record against its source
 *   record (`verifyTailOfTarget`), persist.
 * - Loop: fetch from the next source offset with one fetch ahead (the next fetch is in flight while
 *   the current write is); write; the writer's first offset must be the checkpoint's next target
 *   offset; `advanceCheckpoint`; persist at most once per `checkpointIntervalMs` in the background.
 *   OFFSET_OUT_OF_RANGE → `recordGap` up to the new log start, persisted before anything is written
 *   past it.
 * - Seed staging: records go into a segment buffer too, closed at `segmentMaxBytes` and at the
 *   boundary, uploaded in the background (SegmentStager) and added to the checkpoint in order.
 *   After a restart staging resumes after the last segment in the checkpoint: the source range that
 *   was written but not staged is read again and only staged.
 * - At the boundary: the last segment is flushed, the checkpoint enters `tail` and is persisted. Seed
 *   mode returns; tail mode goes on with the same loop (short fetch waits, no staging) until `signal`.
 * - Transient errors (Kafka, S3) are recovered in-process: the same reconciliation as a restart
 *   (stable end, reconcile, adopt) from the newest acknowledged checkpoint, with backoff.
 * - Stop (`signal`): no new fetch, the write in flight completes, uploads in flight complete, the
 *   checkpoint is persisted.
 */
export interface PartitionCopyHooks {
  readonly signal: AbortSignal;
  readonly onEvent?: CopyEventSink | undefined;
  /** Updated in place (status publisher); created when not given. */
  readonly progress?: PartitionProgress | undefined;
  /**
   * The copier listed the migration's checkpoints when it started and this partition had none: the
   * first start skips its checkpoint GET (a wide seed would otherwise ask S3 once per partition for
   * an object that is not there). Only the first start: a retried start reads the checkpoint.
   */
  readonly knownWithoutCheckpoint?: boolean | undefined;
}

export interface PartitionCopyResult {
  readonly ref: PartitionRef;
  /** Seed mode: the partition reached its boundary (its checkpoint is in phase `tail`). */
  readonly complete: boolean;
  readonly checkpoint: PartitionCheckpoint;
}

export function copyPartition(
  ref: PartitionRef,
  deps: CopyDeps,
  options: CopyOptions,
  hooks: PartitionCopyHooks,
): Promise<PartitionCopyResult> {
  return new PartitionCopy(ref, deps, options, hooks).run();
}

export function newProgress(ref: PartitionRef, now: Date): PartitionProgress {
  return {
    topic: ref.topic,
    partition: ref.partition,
    phase: 'pending',
    nextSourceOffset: undefined,
    checkpointedSourceOffset: undefined,
    sourceHighWatermark: undefined,
    boundary: undefined,
    recordsCopied: 0n,
    bytesCopied: 0n,
    gaps: [],
    complete: false,
    updatedAt: now,
  };
}

const OFFSET_OUT_OF_RANGE = 'OFFSET_OUT_OF_RANGE';
const MAX_BACKOFF_MS = 30_000;
const PROGRESS_EVENT_INTERVAL_MS = 1000;

type FetchOutcome =
  | { readonly ok: true; readonly result: BatchFetchResult }
  | { readonly ok: false; readonly error: unknown };

function isOutOfRange(e: unknown): boolean {
  return isKraftMigrateError(e) && e.code === OFFSET_OUT_OF_RANGE;
}

function isTransient(e: unknown): boolean {
  return isKraftMigrateError(e) ? e.canRetry : false;
}

function minOffset(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function maxOffset(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

class PartitionCopy {
  readonly #ref: PartitionRef;
  readonly #where: string;
  readonly #deps: CopyDeps;
  readonly #o: ResolvedOptions;
  readonly #signal: AbortSignal;
  readonly #emit: CopyEventSink;
  readonly #progress: PartitionProgress;
  readonly #now: () => Date;
  readonly #sleep: (ms: number) => Promise<void>;
  /** The newest acknowledged state. Read it fresh after every await (segment uploads update it). */
  #cp!: PartitionCheckpoint;
  #checkpoints!: CheckpointWriter;
  #stager: SegmentStager | undefined;
  #lastProgressEventAt = 0;
  #advancedSinceRecovery = false;
  #knownWithoutCheckpoint: boolean;
  /** The seed's last segments are uploading: their checkpoint goes with the tail checkpoint, in one put. */
  #finishingSeed = false;

  constructor(ref: PartitionRef, deps: CopyDeps, options: CopyOptions, hooks: PartitionCopyHooks) {
    this.#ref = ref;
    this.#where = `${ref.topic} partition ${ref.partition}`;
    this.#deps = deps;
    this.#o = resolveOptions(options);
    this.#signal = hooks.signal;
    this.#emit = hooks.onEvent ?? (() => undefined);
    this.#now = deps.now ?? (() => new Date());
    this.#sleep = deps.sleep ?? sleep;
    this.#progress = hooks.progress ?? newProgress(ref, this.#now());
    this.#knownWithoutCheckpoint = hooks.knownWithoutCheckpoint === true;
  }

  async run(): Promise<PartitionCopyResult> {
    let started = false;
    let recovering = false;
    try {
      for (let attempt = 0; ; ) {
        try {
          if (!started) {
            await this.#start();
            started = true;
          } else if (recovering) {
            await this.#reconcileAgain();
          }
          recovering = false;
          return await this.#loop();
        } catch (e) {
          await this.#stager?.settle();
          this.#stager = undefined;
          if (this.#advancedSinceRecovery) attempt = 0;
          attempt++;
          if (!isTransient(e) || attempt > this.#o.transientRetries) throw e;
          if (!this.#signal.aborted) await this.#backoff(e, attempt);
          if (this.#signal.aborted) return await this.#stopAfterError(e, started);
          this.#advancedSinceRecovery = false;
          recovering = started;
        }
      }
    } finally {
      this.#checkpoints?.close();
    }
  }

  /* ------------------------------------------ start ------------------------------------------ */

  async #start(): Promise<void> {
    const known = this.#knownWithoutCheckpoint;
    this.#knownWithoutCheckpoint = false;
    const found = known
      ? undefined
      : await loadCheckpoint(this.#deps.segments, this.#o.migrationId, this.#ref);
    if (found === undefined) {
      await this.#startFresh();
      this.#emitStarted(false);
      return;
    }
    this.#setCheckpoint(found, true);
    this.#emitStarted(true);
    await this.#reconcileWithTarget();
  }

  async #startFresh(): Promise<void> {
    const source = await this.#sourceOffsets();
    const captured = this.#o.isolationLevel === 'read_committed' ? source.lastStable : source.highWatermark;
    const boundary = maxOffset(captured, source.logStart);
    const target = await this.#targetOffsets();
    if (target.end !== target.start) {
      throw new InvariantError(
        `target ${this.#where} already holds offsets ${target.start}…${target.end - 1n} but this migration ` +
          `(${this.#o.migrationId}) has no checkpoint for it: the records were not written by this copier`,
        {
          code: 'TARGET_NOT_EMPTY',
          fix:
            `Only kraft-migrate may write to the target until cutover. Delete and recreate the target topic ` +
            `${this.#ref.topic} (topology step), or restore the checkpoint of this migration, then run the seed again.`,
        },
      );
    }
    const cp = initialCheckpoint({
      migrationId: this.#o.migrationId,
      ref: this.#ref,
      seedStart: source.logStart,
      boundary,
      targetNextOffset: target.end,
      now: this.#now(),
    });
    this.#setCheckpoint(cp, false);
    this.#progress.sourceHighWatermark = source.highWatermark;
    await this.#checkpoints.flush(); // checkpoint zero before the first write
  }

  #setCheckpoint(cp: PartitionCheckpoint, persisted: boolean): void {
    this.#cp = cp;
    this.#checkpoints?.close();
    this.#checkpoints = new CheckpointWriter(this.#deps.segments, this.#o.migrationId, cp, {
      intervalMs: this.#o.checkpointIntervalMs,
      persisted,
      onPersisted: (persistedCp) => {
        this.#progress.checkpointedSourceOffset = persistedCp.nextSourceOffset;
      },
    });
    this.#syncProgress();
  }

  /**
   * Restart and recovery: the target holds a prefix of what was written after the checkpoint. Wait
   * until no write can still land, adopt what is there, check the last record.
   */
  async #reconcileWithTarget(): Promise<void> {
    const started = Date.now();
    const target = await waitForStableEnd(
      () => this.#targetOffsets(),
      this.#o.stableEnd ?? {},
      this.#sleep,
      this.#where,
    );
    const plan = reconcile(this.#cp, target.end, target.start);
    if (plan.alreadyWritten > 0n) {
      const { checkpoint, last } = await this.#adopt(plan.alreadyWritten);
      await this.#verifyLastTargetRecord(target.end - 1n, last);
      this.#cp = checkpoint;
      this.#syncProgress();
    }
    await this.#checkpoints.flush(this.#cp);
    this.#emit({
      type: 'reconciled',
      ...this.#base(),
      target_end: String(target.end),
      already_written: String(plan.alreadyWritten),
      waited_ms: Date.now() - started,
    });
  }

  /**
   * Re-reads the next `count` source records from the checkpoint's next source offset (markers and
   * aborted records skipped as before) and adopts them fetch by fetch, without writing. Returns the
   * extended checkpoint and the last adopted record (for the check against the target).
   */
  async #adopt(count: bigint): Promise<{ checkpoint: PartitionCheckpoint; last: SourceRecord }> {
    let cp = this.#cp;
    let last: SourceRecord | undefined;
    let adopted = 0n;
    let pos = cp.nextSourceOffset;
    while (adopted < count) {
      const f = await this.#fetchForAdoption(pos, count);
      const chunk = f.records.filter((r) => r.offset >= pos).slice(0, Number(count - adopted));
      if (chunk.length > 0) {
        cp = adoptAlreadyWritten(cp, chunk, this.#now());
        adopted += BigInt(chunk.length);
        last = chunk[chunk.length - 1];
      }
      const stable = this.#o.isolationLevel === 'read_committed' ? f.lastStableOffset : f.highWatermark;
      if (chunk.length === 0 && f.nextOffset <= pos && pos >= stable) {
        throw new InvariantError(
          `target ${this.#where} holds ${count} record(s) after the checkpoint's next target offset ` +
            `${this.#cp.nextTargetOffset}, but the source has only ${adopted} record(s) from offset ` +
            `${this.#cp.nextSourceOffset} on`,
          {
            code: 'TARGET_AHEAD_OF_SOURCE',
            fix: 'Something else wrote to the target partition, or the source was truncated. Delete and recreate the target topic and the checkpoint, and seed again.',
          },
        );
      }
      if (f.nextOffset > pos) pos = f.nextOffset;
    }
    return { checkpoint: cp, last: last! };
  }

  async #fetchForAdoption(pos: bigint, count: bigint): Promise<FetchResult> {
    try {
      return await this.#fetch(pos, this.#o.seedMaxWaitMs);
    } catch (e) {
      if (!isOutOfRange(e)) throw e;
      throw new InvariantError(
        `cannot reconcile ${this.#where}: the target holds ${count} record(s) written after the checkpoint, ` +
          `but the source no longer has offset ${pos} to identify them (aged out)`,
        {
          code: 'RECONCILE_SOURCE_GONE',
          fix: 'Raise the source topic retention for the migration, delete and recreate the target topic and the partition checkpoint, and seed the partition again.',
          cause: e,
        },
      );
    }
  }

  async #verifyLastTargetRecord(targetOffset: bigint, source: SourceRecord): Promise<void> {
    const f = await this.#deps.target.fetch(this.#ref, targetOffset, {
      maxBytes: this.#o.fetchMaxBytes,
      maxWaitMs: 0,
    });
    const onTarget = f.records.find((r) => r.offset === targetOffset);
    if (onTarget === undefined) {
      throw new TransientError(`could not read offset ${targetOffset} of target ${this.#where}`, {
        code: 'TARGET_RECORD_UNREADABLE',
        fix: 'Retry; if it persists, check the target partition (log start, retention).',
      });
    }
    const check = verifyTailOfTarget(onTarget, source, {
      includeTimestamp: onTarget.timestampType !== 'LogAppendTime',
    });
    if (!check.ok) {
      throw new InvariantError(
        `reconciliation of ${this.#where} failed: target offset ${targetOffset} is not the source record at ` +
          `offset ${source.offset} it should be a copy of (digest ${check.actual}, expected ${check.expected})`,
        {
          code: 'RECONCILE_TAIL_MISMATCH',
          fix: 'The target partition does not hold what this migration wrote (another writer, or the source changed under it, e.g. compaction). Delete and recreate the target topic and the checkpoint, and seed the partition again.',
        },
      );
    }
  }

  async #backoff(error: unknown, attempt: number): Promise<void> {
    const backoff = Math.min(MAX_BACKOFF_MS, this.#o.transientBackoffMs * 2 ** (attempt - 1));
    this.#emit({
      type: 'recovering',
      ...this.#base(),
      attempt,
      error: causeText(error),
      backoff_ms: backoff,
    });
    await new Promise<void>((resolve) => {
      const done = () => {
        this.#signal.removeEventListener('abort', done);
        resolve();
      };
      this.#signal.addEventListener('abort', done, { once: true });
      void this.#sleep(backoff).then(done);
    });
  }

  /**
   * Stopped (SIGTERM) while recovering from a transient error: the newest acknowledged checkpoint is
   * behind or at the target, so persisting it is safe; the next run reconciles.
   */
  async #stopAfterError(error: unknown, started: boolean): Promise<PartitionCopyResult> {
    if (!started) throw error;
    await this.#checkpoints.settle();
    this.#setCheckpoint(this.#cp, false);
    return this.#stop();
  }

  /**
   * After a transient error once the partition was started: the same reconciliation as a restart,
   * from the newest acknowledged checkpoint (a write that failed may have landed in part).
   */
  async #reconcileAgain(): Promise<void> {
    // A fresh checkpoint writer (a failed background put must not stay sticky), once the old one's put
    // in flight is done: an older checkpoint must not land after a newer one. The newest state may be
    // unpersisted: `persisted: false`.
    await this.#checkpoints.settle();
    this.#setCheckpoint(this.#cp, false);
    await this.#reconcileWithTarget();
  }

  /* ------------------------------------------ loop ------------------------------------------ */

  async #loop(): Promise<PartitionCopyResult> {
    if (this.#o.mode === 'seed' && this.#cp.phase === 'tail') return this.#seedWasComplete();
    this.#stager = this.#cp.phase === 'seed' ? this.#newStager() : undefined;
    let pending: Promise<FetchOutcome> | undefined;
    try {
      return await this.#copyLoop(this.#fetchPosition(), (p) => {
        pending = p;
      });
    } finally {
      // A fetch ahead that nobody will write: give its bytes back to the reader's buffer budget.
      void pending?.then((o) => {
        if (o.ok) o.result.release?.();
      });
    }
  }

  /** The loop of #loop; `track` is told the fetch ahead in flight (undefined once it is taken). */
  async #copyLoop(
    start: bigint,
    track: (pending: Promise<FetchOutcome> | undefined) => void,
  ): Promise<PartitionCopyResult> {
    let pos = start;
    let pending: Promise<FetchOutcome> | undefined;
    for (;;) {
      if (this.#cp.phase === 'seed' && pos >= this.#cp.boundary) {
        await this.#completeSeed();
        if (this.#o.mode === 'seed') return this.#result(true);
        pos = this.#cp.nextSourceOffset;
      }
      if (this.#signal.aborted) return this.#stop();
      pending ??= this.#fetchOutcome(pos);
      track(pending);
      const outcome = await pending;
      pending = undefined;
      track(undefined);
      if (!outcome.ok) {
        if (!isOutOfRange(outcome.error)) throw outcome.error;
        pos = await this.#outOfRange(pos, outcome.error);
        continue;
      }
      const f = outcome.result;
      const seed = this.#cp.phase === 'seed';
      const boundary = this.#cp.boundary;
      const until = seed && f.nextOffset > boundary ? boundary : f.nextOffset;
      this.#progress.sourceHighWatermark = f.highWatermark;
      if (until > pos) pos = until;
      const more = !this.#signal.aborted && !(seed && pos >= boundary);
      if (more) {
        pending = this.#fetchOutcome(pos); // one fetch ahead while this one is staged and written
        track(pending);
      }
      try {
        await this.#copyRuns(f, until, seed, boundary);
      } finally {
        f.release?.();
      }
    }
  }

  /** Stages and writes the runs of one fetch, up to `until`. */
  async #copyRuns(f: BatchFetchResult, until: bigint, seed: boolean, boundary: bigint): Promise<void> {
    for (const run of f.runs) {
      const end = run.end < until ? run.end : until;
      if (run.kind === 'batches') {
        if (this.#stager) await this.#stager.addBatches(run.batches, end);
        await this.#writeBatches(run.batches, end);
      } else {
        const records = seed ? run.records.filter((r) => r.offset < boundary) : run.records;
        if (this.#stager && run.sourceBatches && records.length === run.records.length) {
          await this.#stager.addBatches(run.sourceBatches, end);
        } else if (this.#stager) {
          await this.#stager.add(records, end);
        }
        await this.#write(records, end);
      }
    }
    if (this.#stager) await this.#stager.add([], until);
    await this.#write([], until);
  }

  /** Where to read next: the lower of the staging and the copy position (restaging after a restart). */
  #fetchPosition(): bigint {
    const next = this.#cp.nextSourceOffset;
    return this.#stager ? minOffset(this.#stager.next, next) : next;
  }

  #newStager(): SegmentStager {
    const last = this.#cp.segments[this.#cp.segments.length - 1];
    const from = last === undefined ? this.#cp.seedStart : BigInt(last.last_offset) + 1n;
    return new SegmentStager(
      this.#deps.segments,
      from,
      {
        migrationId: this.#o.migrationId,
        ref: this.#ref,
        segmentMaxBytes: this.#o.segmentMaxBytes,
        maxUploadsInFlight: this.#o.maxUploadsInFlight,
        gzipLevel: this.#o.segmentGzipLevel,
      },
      (entry) => this.#staged(entry),
    );
  }

  #staged(entry: SegmentManifestEntry): void {
    this.#cp = addSegment(this.#cp, entry, this.#now());
    // At the boundary the checkpoint that enters the tail follows at once and carries this segment.
    if (!this.#finishingSeed) this.#checkpoints.update(this.#cp, { soon: true });
    this.#emit({
      type: 'segment_staged',
      ...this.#base(),
      key: entry.key,
      first_offset: entry.first_offset,
      last_offset: entry.last_offset,
      records: entry.records,
      bytes: entry.bytes,
    });
  }

  #fetchOutcome(pos: bigint): Promise<FetchOutcome> {
    const seed = this.#cp.phase === 'seed';
    const wait = seed ? this.#o.seedMaxWaitMs : this.#o.tailMaxWaitMs;
    const fetched = this.#passThroughAt(pos)
      ? this.#deps.source.fetchBatches!(this.#ref, pos, {
          maxBytes: this.#o.fetchMaxBytes,
          maxWaitMs: wait,
          upTo: seed ? this.#cp.boundary : undefined,
          minBatchBytes: this.#o.passThroughMinBatchBytes,
        })
      : this.#fetch(pos, wait).then(asRuns);
    return fetched.then(
      (result) => ({ ok: true, result }),
      (error: unknown) => ({ ok: false, error }),
    );
  }

  /**
   * Batches pass through (ports.ts RawBatch) when reader and writer can, it is not switched off, and
   * `pos` is where both copying and staging go on — not while a restart catches up (re-staging a range
   * already written, or writing a range already staged), whose positions may lie inside a batch.
   */
  #passThroughAt(pos: bigint): boolean {
    return (
      this.#o.passThroughMinBatchBytes >= 0 &&
      this.#deps.source.fetchBatches !== undefined &&
      this.#deps.writer.writeBatches !== undefined &&
      pos >= this.#cp.nextSourceOffset &&
      (this.#stager === undefined || pos >= this.#stager.next)
    );
  }

  #fetch(pos: bigint, maxWaitMs: number): Promise<FetchResult> {
    return this.#deps.source.fetch(this.#ref, pos, { maxBytes: this.#o.fetchMaxBytes, maxWaitMs });
  }

  /** Writes the source batches not copied yet (whole batches only) and advances the checkpoint to `until`. */
  async #writeBatches(batches: readonly RawBatch[], until: bigint): Promise<void> {
    const next = this.#cp.nextSourceOffset;
    const toWrite = batches.filter((b) => b.baseOffset >= next);
    const straddling = batches.find((b) => b.baseOffset < next && b.baseOffset + BigInt(b.count) > next);
    if (straddling) {
      throw new InvariantError(
        `${this.#where}: the batch at source offset ${straddling.baseOffset} (${straddling.count} records) ` +
          `straddles next_source_offset ${next}`,
        { code: 'CHECKPOINT_INVARIANT', fix: 'This is a bug in the copier: report it with the copier log.' },
      );
    }
    if (toWrite.length === 0) return this.#write([], until);
    const { firstOffset } = await this.#deps.writer.writeBatches!(this.#ref, toWrite);
    const expected = this.#cp.nextTargetOffset;
    let count = 0;
    let bytes = 0;
    for (const b of toWrite) {
      count += b.count;
      bytes += b.bytes.byteLength;
    }
    if (firstOffset !== expected) throw this.#misplaced(firstOffset, expected, count);
    const sourceOffsets: bigint[] = new Array(count);
    let i = 0;
    for (const b of toWrite) for (let k = 0; k < b.count; k++) sourceOffsets[i++] = b.baseOffset + BigInt(k);
    this.#advance(sourceOffsets, firstOffset, BigInt(bytes), until);
  }

  /** Writes the records not copied yet and advances the checkpoint to `until`. */
  async #write(records: readonly SourceRecord[], until: bigint): Promise<void> {
    const next = this.#cp.nextSourceOffset;
    const toWrite =
      records[0] !== undefined && records[0].offset >= next
        ? records
        : records.filter((r) => r.offset >= next);
    if (toWrite.length === 0 && until <= next) return; // restaging only
    let targetFirst = this.#cp.nextTargetOffset;
    if (toWrite.length > 0) {
      const { firstOffset } = await this.#deps.writer.write(this.#ref, toWrite);
      const expected = this.#cp.nextTargetOffset;
      if (firstOffset !== expected) throw this.#misplaced(firstOffset, expected, toWrite.length);
      targetFirst = firstOffset;
    }
    let bytes = 0n;
    for (const r of toWrite) bytes += payloadBytes(r);
    this.#advance(
      toWrite.map((r) => r.offset),
      targetFirst,
      bytes,
      until,
    );
  }

  #advance(sourceOffsets: readonly bigint[], targetFirst: bigint, bytes: bigint, until: bigint): void {
    this.#cp = advanceCheckpoint(this.#cp, {
      sourceOffsets,
      targetFirst,
      bytes,
      nextSourceOffset: until,
      now: this.#now(),
    });
    this.#advancedSinceRecovery = true;
    this.#checkpoints.update(this.#cp);
    this.#syncProgress();
    this.#maybeEmitProgress();
  }

  #misplaced(got: bigint, expected: bigint, count: number): InvariantError {
    return new InvariantError(
      `target ${this.#where}: ${count} record(s) were written at offset ${got}, but the checkpoint expected ` +
        `${expected}: something else writes to this target partition (or records were lost on it)`,
      {
        code: 'TARGET_OFFSET_MISMATCH',
        fix:
          'Only kraft-migrate may write to the target until cutover. Stop the other writer; then delete and ' +
          'recreate the target topic and the checkpoint and seed the partition again (the offset map would be wrong).',
      },
    );
  }

  /**
   * OFFSET_OUT_OF_RANGE at `pos`: the source's log start moved past it. The copy records a gap up to
   * the new log start and persists it before writing past it; staging (re-reading an already written
   * range after a restart) just moves on.
   */
  async #outOfRange(pos: bigint, error: unknown): Promise<bigint> {
    const logStart = (await this.#sourceOffsets()).logStart;
    if (logStart <= pos) throw error; // not aged out: the source was truncated above us
    const next = this.#cp.nextSourceOffset;
    if (this.#stager && this.#stager.next < logStart) {
      const to = minOffset(logStart, next);
      if (to > this.#stager.next) this.#emitGap(this.#stager.next, to, 'staging');
      this.#stager.skipTo(logStart);
    }
    if (logStart > next) {
      this.#cp = recordGap(this.#cp, logStart, 'retention', this.#now());
      this.#emitGap(next, logStart, 'copy');
      await this.#checkpoints.flush(this.#cp);
      this.#syncProgress();
    }
    return this.#fetchPosition();
  }

  async #completeSeed(): Promise<void> {
    this.#finishingSeed = true;
    try {
      await this.#stager?.finish();
    } finally {
      this.#finishingSeed = false;
    }
    this.#stager = undefined;
    let cp = this.#cp;
    if (cp.nextSourceOffset < cp.boundary) {
      cp = advanceCheckpoint(cp, {
        sourceOffsets: [],
        targetFirst: cp.nextTargetOffset,
        bytes: 0n,
        nextSourceOffset: cp.boundary,
        now: this.#now(),
      });
    }
    this.#cp = enterTail(cp, this.#now());
    await this.#checkpoints.flush(this.#cp);
    this.#progress.complete = this.#o.mode === 'seed';
    this.#syncProgress();
    this.#emit({ type: 'seed_complete', ...this.#base(), ...progressFields(this.#progress) });
  }

  /** Seed mode on a partition whose seed completed in an earlier run (restart of a seed task). */
  #seedWasComplete(): PartitionCopyResult {
    this.#progress.complete = true;
    this.#syncProgress();
    return this.#result(true);
  }

  async #stop(): Promise<PartitionCopyResult> {
    await this.#stager?.settle();
    await this.#checkpoints.flush(this.#cp);
    this.#syncProgress();
    this.#emit({ type: 'partition_stopped', ...this.#base(), ...progressFields(this.#progress) });
    return this.#result(false);
  }

  #result(complete: boolean): PartitionCopyResult {
    return { ref: this.#ref, complete, checkpoint: this.#cp };
  }

  /* ------------------------------------------ helpers ------------------------------------------ */

  async #sourceOffsets() {
    const o = (await this.#deps.source.offsets([this.#ref])).get(partitionKey(this.#ref));
    if (o === undefined) throw this.#noOffsets('source');
    return o;
  }

  async #targetOffsets(): Promise<{ start: bigint; end: bigint }> {
    const o = (await this.#deps.target.offsets([this.#ref])).get(partitionKey(this.#ref));
    if (o === undefined) throw this.#noOffsets('target');
    return { start: o.logStart, end: o.highWatermark };
  }

  #noOffsets(role: 'source' | 'target'): TransientError {
    return new TransientError(`the ${role} cluster returned no offsets for ${this.#where}`, {
      code: 'PARTITION_OFFSETS_MISSING',
      fix: `Check that the topic exists on the ${role} with this partition.`,
    });
  }

  #syncProgress(): void {
    const p = this.#progress;
    const cp = this.#cp;
    p.phase = cp.phase;
    p.nextSourceOffset = cp.nextSourceOffset;
    p.boundary = cp.boundary;
    p.recordsCopied = cp.recordsCopied;
    p.bytesCopied = cp.bytesCopied;
    p.gaps = cp.gaps.map((g) => ({ from: g.from, to: g.to, reason: g.reason }));
    p.updatedAt = this.#now();
  }

  #maybeEmitProgress(): void {
    const now = Date.now();
    if (now - this.#lastProgressEventAt < PROGRESS_EVENT_INTERVAL_MS) return;
    this.#lastProgressEventAt = now;
    this.#emit({ type: 'progress', ...this.#base(), ...progressFields(this.#progress) });
  }

  #emitGap(from: bigint, to: bigint, scope: 'copy' | 'staging'): void {
    this.#emit({
      type: 'gap',
      ...this.#base(),
      from: String(from),
      to: String(to),
      reason: 'retention',
      scope,
    });
  }

  #emitStarted(resumed: boolean): void {
    const cp = this.#cp;
    const event: CopyEvent = {
      type: 'partition_started',
      ...this.#base(),
      resumed,
      seed_start: String(cp.seedStart),
      boundary: String(cp.boundary),
      next_source_offset: String(cp.nextSourceOffset),
      next_target_offset: String(cp.nextTargetOffset),
    };
    this.#emit(event);
  }

  #base() {
    return { topic: this.#ref.topic, partition: this.#ref.partition, phase: this.#progress.phase };
  }
}

type ResolvedOptions = Required<Omit<CopyOptions, 'stableEnd'>> & Pick<CopyOptions, 'stableEnd'>;

function resolveOptions(o: CopyOptions): ResolvedOptions {
  const d = COPY_DEFAULTS;
  return {
    migrationId: o.migrationId,
    mode: o.mode,
    isolationLevel: o.isolationLevel,
    segmentMaxBytes: o.segmentMaxBytes,
    fetchMaxBytes: o.fetchMaxBytes ?? d.fetchMaxBytes,
    seedMaxWaitMs: o.seedMaxWaitMs ?? d.seedMaxWaitMs,
    tailMaxWaitMs: o.tailMaxWaitMs ?? d.tailMaxWaitMs,
    checkpointIntervalMs: o.checkpointIntervalMs ?? d.checkpointIntervalMs,
    maxUploadsInFlight: o.maxUploadsInFlight ?? d.maxUploadsInFlight,
    segmentGzipLevel: o.segmentGzipLevel ?? d.segmentGzipLevel,
    passThroughMinBatchBytes: o.passThroughMinBatchBytes ?? d.passThroughMinBatchBytes,
    transientRetries: o.transientRetries ?? d.transientRetries,
    transientBackoffMs: o.transientBackoffMs ?? d.transientBackoffMs,
    stableEnd: o.stableEnd,
  };
}
