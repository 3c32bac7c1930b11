import { mapWithConcurrency } from '../../domain/concurrency.ts';
import { InvalidInputError, isKraftMigrateError } from '../../domain/errors.ts';
import { type PartitionRef, partitionKey } from '../../ports.ts';
import { checkpointedPartitionsUpTo } from './checkpoint-writer.ts';
import { copyPartition, newProgress, type PartitionCopyResult } from './partition-copy.ts';
import { buildStatus, type CopierState, type CopierStatus, statusKey } from './status.ts';
import type { CopyDeps, CopyEventSink, CopyOptions, PartitionProgress } from './types.ts';

/**
 * One copier task (SPEC §6.2–6.3, §7): copies its partitions — in seed mode at most
 * `maxConcurrentPartitions` at once (`seed.max_concurrent_partitions`), in tail mode all of them —
 * and publishes a status document about once a second (status.ts). A partition that fails stops
 * the others gracefully (their writes in flight finish, their checkpoints are persisted) and the
 * first error is rethrown. `signal` is the graceful stop (SIGTERM): no new fetches, writes and
 * uploads in flight finish, checkpoints persisted, then the result.
 */
export interface CopierOptions extends CopyOptions {
  readonly shardId: string;
  readonly maxConcurrentPartitions: number;
  /** @default 1000 */
  readonly statusIntervalMs?: number;
}

export interface CopierHooks {
  readonly signal: AbortSignal;
  readonly onEvent?: CopyEventSink | undefined;
  /** Called with every status document published (the TTY progress line uses it). */
  readonly onStatus?: ((status: CopierStatus) => void) | undefined;
}

export interface CopierResult {
  /** Seed: every partition reached its boundary. Tail: always false (it runs until stopped). */
  readonly complete: boolean;
  /** Stopped by the signal before completing. */
  readonly stopped: boolean;
  readonly partitions: readonly PartitionCopyResult[];
  readonly status: CopierStatus;
}

/**
 * See listCheckpointed: a listing page holds 1,000 objects, a GET one, so 4 objects per partition is
 * still far fewer requests; the slack covers the other seed copiers' first checkpoints.
 */
const LISTING_OBJECTS_PER_PARTITION = 4;
const LISTING_SLACK_OBJECTS = 2_000;

export async function runCopier(
  partitions: readonly PartitionRef[],
  deps: CopyDeps,
  options: CopierOptions,
  hooks: CopierHooks,
): Promise<CopierResult> {
  checkPartitionList(partitions);
  const now = deps.now ?? (() => new Date());
  const emit = hooks.onEvent ?? (() => undefined);
  const progress = partitions.map((ref) => newProgress(ref, now()));
  // Independent reads (Kafka, S3) before the first partition starts: at once, not one after the other.
  const [, checkpointed] = await Promise.all([
    fillPending(partitions, progress, deps, emit),
    listCheckpointed(partitions, deps, options, emit),
  ]);

  const inner = new AbortController();
  const forward = () => inner.abort();
  hooks.signal.addEventListener('abort', forward, { once: true });
  if (hooks.signal.aborted) inner.abort();

  const status = new StatusPublisher(deps, options, progress, now(), emit, hooks.onStatus);
  status.start();
  let results: PartitionCopyResult[] = [];
  let failure: unknown;
  const concurrency = options.mode === 'seed' ? options.maxConcurrentPartitions : Number.POSITIVE_INFINITY;
  try {
    results = await mapWithConcurrency(
      partitions,
      concurrency,
      async (ref, i) => {
        try {
          return await copyPartition(ref, deps, options, {
            signal: inner.signal,
            onEvent: emit,
            progress: progress[i],
            knownWithoutCheckpoint: checkpointed !== undefined && !checkpointed.has(partitionKey(ref)),
          });
        } catch (e) {
          inner.abort(); // the other partitions stop at their next checkpoint
          throw e;
        }
      },
      { signal: inner.signal },
    );
  } catch (e) {
    failure = e;
  } finally {
    hooks.signal.removeEventListener('abort', forward);
  }

  const complete =
    options.mode === 'seed' &&
    failure === undefined &&
    results.length === partitions.length &&
    results.every((r) => r.complete);
  const state: CopierState = failure !== undefined ? 'failed' : complete ? 'complete' : 'stopped';
  const final = await status.finish(state, failure === undefined ? undefined : oneLine(failure));
  if (failure !== undefined) throw failure;
  return { complete, stopped: !complete, partitions: results, status: final };
}

function checkPartitionList(partitions: readonly PartitionRef[]): void {
  const seen = new Set<string>();
  for (const ref of partitions) {
    const key = partitionKey(ref);
    if (seen.has(key)) {
      throw new InvalidInputError(`partition ${key} is listed twice`, {
        code: 'COPIER_DUPLICATE_PARTITION',
        fix: 'List every partition once (a copier task must be the only writer of its partitions).',
      });
    }
    seen.add(key);
  }
}

/** Source offsets of every partition, so the first status document shows the work ahead (best effort). */
async function fillPending(
  partitions: readonly PartitionRef[],
  progress: PartitionProgress[],
  deps: CopyDeps,
  emit: CopyEventSink,
): Promise<void> {
  if (partitions.length === 0) return;
  try {
    const offsets = await deps.source.offsets(partitions);
    for (const p of progress) {
      const o = offsets.get(partitionKey(p));
      if (o === undefined) continue;
      p.sourceHighWatermark = o.highWatermark;
      p.nextSourceOffset ??= o.logStart;
    }
  } catch (e) {
    emit({ type: 'warning', message: `could not read the source offsets for the status: ${oneLine(e)}` });
  }
}

/**
 * Seed: which partitions already have a checkpoint, from one listing of the migration's objects (a
 * page per 1,000) instead of a GET per partition — on a first seed, for objects that are not there.
 * Undefined (each partition reads its own checkpoint) in tail mode, when the listing fails, or when
 * the migration already holds more than {@link LISTING_OBJECTS_PER_PARTITION} objects per partition
 * plus {@link LISTING_SLACK_OBJECTS} (a resumed seed with many segments, where listing them all
 * would cost more than the GETs).
 */
async function listCheckpointed(
  partitions: readonly PartitionRef[],
  deps: CopyDeps,
  options: CopierOptions,
  emit: CopyEventSink,
): Promise<Set<string> | undefined> {
  if (options.mode !== 'seed' || partitions.length <= 1) return undefined;
  try {
    const limit = LISTING_OBJECTS_PER_PARTITION * partitions.length + LISTING_SLACK_OBJECTS;
    const listed = await checkpointedPartitionsUpTo(deps.segments, options.migrationId, limit);
    return listed === undefined ? undefined : new Set(listed.map(partitionKey));
  } catch (e) {
    emit({
      type: 'warning',
      message: `could not list the checkpoints, reading them one by one: ${oneLine(e)}`,
    });
    return undefined;
  }
}

export function oneLine(e: unknown): string {
  const text = isKraftMigrateError(e)
    ? `${e.name} ${e.code}: ${e.message}${e.fix ? ` Fix: ${e.fix}` : ''}`
    : e instanceof Error
      ? `${e.name}: ${e.message}`
      : String(e);
  return text.replace(/\s*\n\s*/g, ' ');
}

/** Puts the status document every `statusIntervalMs` (one put at a time) and once at the end. */
class StatusPublisher {
  readonly #deps: CopyDeps;
  readonly #options: CopierOptions;
  readonly #progress: readonly PartitionProgress[];
  readonly #startedAt: Date;
  readonly #emit: CopyEventSink;
  readonly #onStatus: ((status: CopierStatus) => void) | undefined;
  readonly #key: string;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #previous: { at: Date; records: bigint; bytes: bigint } | undefined;
  #warned = false;

  constructor(
    deps: CopyDeps,
    options: CopierOptions,
    progress: readonly PartitionProgress[],
    startedAt: Date,
    emit: CopyEventSink,
    onStatus: ((status: CopierStatus) => void) | undefined,
  ) {
    this.#deps = deps;
    this.#options = options;
    this.#progress = progress;
    this.#startedAt = startedAt;
    this.#emit = emit;
    this.#onStatus = onStatus;
    this.#key = statusKey(options.migrationId, options.mode, options.shardId);
  }

  start(): void {
    void this.#publish('running');
    this.#timer = setInterval(() => {
      if (this.#inFlight === undefined) void this.#publish('running');
    }, this.#options.statusIntervalMs ?? 1000);
  }

  async finish(state: CopierState, error: string | undefined): Promise<CopierStatus> {
    clearInterval(this.#timer);
    while (this.#inFlight !== undefined) await this.#inFlight;
    return this.#publish(state, error);
  }

  #publish(state: CopierState, error?: string): Promise<CopierStatus> {
    const now = (this.#deps.now ?? (() => new Date()))();
    const status = buildStatus({
      migrationId: this.#options.migrationId,
      mode: this.#options.mode,
      shardId: this.#options.shardId,
      state,
      error,
      startedAt: this.#startedAt,
      now,
      partitions: this.#progress,
      previous: this.#previous,
    });
    this.#previous = {
      at: now,
      records: BigInt(status.totals.records_copied),
      bytes: BigInt(status.totals.bytes_copied),
    };
    this.#onStatus?.(status);
    const put = this.#deps.segments
      .put(this.#key, `${JSON.stringify(status)}\n`, { contentType: 'application/json' })
      .then(
        () => {
          this.#warned = false;
        },
        (e: unknown) => {
          if (this.#warned) return;
          this.#warned = true;
          this.#emit({ type: 'warning', message: `could not publish the status document: ${oneLine(e)}` });
        },
      )
      .finally(() => {
        this.#inFlight = undefined;
      });
    this.#inFlight = put;
    return put.then(() => status);
  }
}
