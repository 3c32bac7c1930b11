import {
  checkpointKey,
  type PartitionCheckpoint,
  parseCheckpoint,
  serializeCheckpoint,
} from '../../domain/copy/index.ts';
import type { ObjectStore, PartitionRef } from '../../ports.ts';

/** The partition's persisted checkpoint, or undefined when it has none yet. Corrupt → InvariantError. */
export async function loadCheckpoint(
  store: ObjectStore,
  migrationId: string,
  ref: PartitionRef,
): Promise<PartitionCheckpoint | undefined> {
  const body = await store.get(checkpointKey(migrationId, ref));
  return body === undefined ? undefined : parseCheckpoint(Buffer.from(body).toString('utf8'));
}

/**
 * Persists one partition's checkpoint: puts are strictly sequential (an older checkpoint can never
 * overwrite a newer one), `update` puts at most once per `intervalMs` in the background (the newest
 * checkpoint wins, intermediate ones are skipped), `flush` puts the newest one now and waits. The
 * whole offset map is in every checkpoint: when serializing takes long (a map of 10⁶ runs, ~0.5 s),
 * the interval stretches to 10 × that time, so checkpointing costs at most ~10 % of the event loop.
 *
 * Any checkpoint age is safe (reconciliation on restart re-reads and adopts what was written after
 * it); `flush` is for the moments the docs require one: checkpoint zero before the first write, a
 * recorded gap before writing past it, segments, phase changes and stop.
 */
export class CheckpointWriter {
  readonly #store: ObjectStore;
  readonly #key: string;
  readonly #intervalMs: number;
  /** `intervalMs`, or 10 × the last serialization time when that is longer (huge offset maps). */
  #effectiveIntervalMs: number;
  #latest: PartitionCheckpoint;
  #persisted: PartitionCheckpoint | undefined;
  #inFlight: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastPutAt = 0;
  #error: unknown;
  #urgent = false;
  #closed = false;
  #puts = 0;
  readonly #onPersisted: ((cp: PartitionCheckpoint) => void) | undefined;

  constructor(
    store: ObjectStore,
    migrationId: string,
    initial: PartitionCheckpoint,
    options: {
      intervalMs: number;
      persisted: boolean;
      /** Called with each checkpoint once its put has succeeded (and with `initial` when persisted). */
      onPersisted?: (cp: PartitionCheckpoint) => void;
    },
  ) {
    this.#store = store;
    this.#key = checkpointKey(migrationId, { topic: initial.topic, partition: initial.partition });
    this.#intervalMs = options.intervalMs;
    this.#effectiveIntervalMs = options.intervalMs;
    this.#latest = initial;
    this.#persisted = options.persisted ? initial : undefined;
    this.#onPersisted = options.onPersisted;
    if (this.#persisted) this.#onPersisted?.(this.#persisted);
  }

  get latest(): PartitionCheckpoint {
    return this.#latest;
  }

  /** Checkpoint puts so far (for tests and the log). */
  get puts(): number {
    return this.#puts;
  }

  /** A background put failed: the partition must stop (surfaced by the next update or flush). */
  #throwIfFailed(): void {
    if (this.#error !== undefined) throw this.#error;
  }

  /**
   * The newest checkpoint; persisted within `intervalMs` (coalesced with later updates), or right
   * after the put in flight with `soon` (a staged segment).
   */
  update(cp: PartitionCheckpoint, options: { soon?: boolean } = {}): void {
    this.#throwIfFailed();
    this.#latest = cp;
    if (this.#closed) return;
    if (options.soon) this.#urgent = true;
    if (this.#inFlight !== undefined) return;
    if (this.#urgent) {
      this.#clearTimer();
      this.#startPut();
      return;
    }
    if (this.#timer !== undefined) return;
    const wait = this.#lastPutAt + this.#effectiveIntervalMs - Date.now();
    if (wait <= 0) {
      this.#startPut();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#closed && this.#latest !== this.#persisted && this.#inFlight === undefined) this.#startPut();
    }, wait);
  }

  /** Persists `cp` (default: the newest) now, after any put in flight. */
  async flush(cp?: PartitionCheckpoint): Promise<void> {
    if (cp !== undefined) this.#latest = cp;
    this.#clearTimer();
    while (this.#inFlight !== undefined) await this.#inFlight;
    this.#throwIfFailed();
    if (this.#latest !== this.#persisted) {
      this.#startPut();
      await this.#inFlight;
      this.#throwIfFailed();
    }
  }

  /** Stops the background timer (the caller flushes first when it wants the newest state kept). */
  close(): void {
    this.#closed = true;
    this.#clearTimer();
  }

  /** Closes and waits for the put in flight, ignoring its outcome (before replacing this writer). */
  async settle(): Promise<void> {
    this.close();
    while (this.#inFlight !== undefined) await this.#inFlight;
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #startPut(): void {
    const cp = this.#latest;
    this.#urgent = false;
    this.#lastPutAt = Date.now();
    this.#puts++;
    const started = performance.now();
    const text = serializeCheckpoint(cp);
    this.#effectiveIntervalMs = Math.max(this.#intervalMs, 10 * (performance.now() - started));
    this.#inFlight = this.#store
      .put(this.#key, text, { contentType: 'application/json' })
      .then(
        () => {
          this.#persisted = cp;
          this.#onPersisted?.(cp);
        },
        (e: unknown) => {
          this.#error ??= e;
        },
      )
      .finally(() => {
        this.#inFlight = undefined;
        // Updates that arrived during the put: schedule the next one.
        const dirty = this.#latest !== this.#persisted;
        if (!this.#closed && this.#error === undefined && dirty && this.#timer === undefined) {
          this.update(this.#latest);
        }
      });
  }
}

const CHECKPOINT_KEY = /^(.+)\/topics\/([A-Za-z0-9._-]+)\/partition=(0|[1-9][0-9]*)\/checkpoint\.json$/;

/**
 * The partitions of a migration that have a checkpoint (what a tail copier continues when it is not
 * given a partition list), in topic and partition order. Keys are those of `checkpointKey`.
 */
export async function checkpointedPartitions(
  store: ObjectStore,
  migrationId: string,
): Promise<PartitionRef[]> {
  return checkpointedIn(await store.list(`${migrationId}/topics/`), migrationId);
}

/**
 * The same, or undefined when the migration holds more than `limit` objects (checkpoints and
 * segments under the same prefix): a caller that would rather read checkpoints one by one than list
 * a large seed's every segment.
 */
export async function checkpointedPartitionsUpTo(
  store: ObjectStore,
  migrationId: string,
  limit: number,
): Promise<PartitionRef[] | undefined> {
  const heads = await store.list(`${migrationId}/topics/`, { limit: limit + 1 });
  return heads.length > limit ? undefined : checkpointedIn(heads, migrationId);
}

function checkpointedIn(heads: readonly { key: string }[], migrationId: string): PartitionRef[] {
  const refs: PartitionRef[] = [];
  for (const head of heads) {
    const m = CHECKPOINT_KEY.exec(head.key);
    if (m && m[1] === migrationId) refs.push({ topic: m[2]!, partition: Number(m[3]) });
  }
  return refs.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}
