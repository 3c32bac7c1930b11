import { z } from 'zod';
import { InvariantError } from '../errors.ts';
import { decimalOffsetSchema, INT64_MAX, isOffset, toDecimal } from './int64.ts';
import { parseJsonDocument } from './json.ts';

/**
 * The offset map of one source partition (SPEC §6.2, §6.4 step 5, §6.5): run-length entries
 * `(source_start, target_start, length)`. A run covers consecutive source offsets copied to
 * consecutive target offsets. A gap in the source offsets (aborted transactional records,
 * transaction markers, records removed by compaction, data lost to retention) starts a new run.
 * Target offsets are contiguous across the whole map: the copier is the only writer of the target
 * partition and an idempotent producer leaves no holes, so run i+1 starts on the target right
 * after run i ends. See docs/offset-map.md.
 *
 * Representation and complexity. Every `OffsetMap` is an immutable value: `appendCopied` returns a
 * new map and never changes what an older map answers. Internally the runs live in three growable
 * `BigInt64Array`s (24 bytes per run, no per-run objects) shared by the maps derived from one
 * another. A map is a view `(store, runCount, lastRunLength)`:
 *
 * - extending the last run only produces a new view (the store is not written: the view carries the
 *   length of its own last run, so older views keep theirs);
 * - adding runs writes past the store's used end, which no existing view can see, when the map being
 *   appended to is the newest one on that store (the copier's case: amortized O(1) per run, the
 *   arrays double when full); appending to an older map copies its runs into a fresh store first
 *   (O(n), still correct).
 *
 * Lookups (`targetOf`, `sourceOf`, `translateCommitted`) binary-search the run starts: O(log n).
 * `countCopied`, `first*` and `last*` are O(1). Appending k offsets costs O(k) for validation.
 */

/** One run: `length` consecutive source offsets from `sourceStart` at target offsets from `targetStart`. */
export interface OffsetRun {
  readonly sourceStart: bigint;
  readonly targetStart: bigint;
  readonly length: bigint;
}

const INITIAL_CAPACITY = 16;

/** The shared, append-only run storage behind one family of OffsetMap views. */
class RunStore {
  src: BigInt64Array;
  tgt: BigInt64Array;
  len: BigInt64Array;
  /** Number of runs written; views never see beyond their own run count. */
  used = 0;

  constructor(capacity: number) {
    this.src = new BigInt64Array(capacity);
    this.tgt = new BigInt64Array(capacity);
    this.len = new BigInt64Array(capacity);
  }

  ensureCapacity(runs: number): void {
    if (runs <= this.src.length) return;
    let capacity = Math.max(INITIAL_CAPACITY, this.src.length);
    while (capacity < runs) capacity *= 2;
    this.src = grow(this.src, capacity, this.used);
    this.tgt = grow(this.tgt, capacity, this.used);
    this.len = grow(this.len, capacity, this.used);
  }
}

function grow(array: BigInt64Array, capacity: number, used: number): BigInt64Array {
  const next = new BigInt64Array(capacity);
  next.set(array.subarray(0, used));
  return next;
}

export class OffsetMap {
  readonly #store: RunStore;
  readonly #runs: number;
  /** Length of run #runs-1 as this view sees it (the store's slot may have been extended by a later view). */
  readonly #lastLength: bigint;
  readonly #copied: bigint;

  private constructor(store: RunStore, runs: number, lastLength: bigint, copied: bigint) {
    this.#store = store;
    this.#runs = runs;
    this.#lastLength = lastLength;
    this.#copied = copied;
  }

  static empty(): OffsetMap {
    return new OffsetMap(new RunStore(0), 0, 0n, 0n);
  }

  /** Number of runs. */
  get runCount(): number {
    return this.#runs;
  }

  /** Number of source records mapped (the sum of the run lengths). */
  get copied(): bigint {
    return this.#copied;
  }

  /** Run `index` (0-based); throws a RangeError outside [0, runCount). */
  runAt(index: number): OffsetRun {
    if (!Number.isInteger(index) || index < 0 || index >= this.#runs) {
      throw new RangeError(`run index ${index} outside [0, ${this.#runs})`);
    }
    return { sourceStart: this.#src(index), targetStart: this.#tgt(index), length: this.#len(index) };
  }

  /** The runs in source order. */
  *runs(): IterableIterator<OffsetRun> {
    for (let i = 0; i < this.#runs; i++) yield this.runAt(i);
  }

  #src(i: number): bigint {
    return this.#store.src[i]!;
  }

  #tgt(i: number): bigint {
    return this.#store.tgt[i]!;
  }

  #len(i: number): bigint {
    return i === this.#runs - 1 ? this.#lastLength : this.#store.len[i]!;
  }

  /** Index of the last run whose source start is ≤ offset; -1 when offset is before the first run. */
  #runBySource(offset: bigint): number {
    return lastAtOrBelow(this.#store.src, this.#runs, offset);
  }

  #runByTarget(offset: bigint): number {
    return lastAtOrBelow(this.#store.tgt, this.#runs, offset);
  }

  get firstSource(): bigint | undefined {
    return this.#runs === 0 ? undefined : this.#src(0);
  }

  get firstTarget(): bigint | undefined {
    return this.#runs === 0 ? undefined : this.#tgt(0);
  }

  get lastSource(): bigint | undefined {
    const i = this.#runs - 1;
    return i < 0 ? undefined : this.#src(i) + this.#lastLength - 1n;
  }

  get lastTarget(): bigint | undefined {
    const i = this.#runs - 1;
    return i < 0 ? undefined : this.#tgt(i) + this.#lastLength - 1n;
  }

  targetOf(sourceOffset: bigint): bigint | undefined {
    const i = this.#runBySource(sourceOffset);
    if (i < 0) return undefined;
    const delta = sourceOffset - this.#src(i);
    return delta < this.#len(i) ? this.#tgt(i) + delta : undefined;
  }

  sourceOf(targetOffset: bigint): bigint | undefined {
    const i = this.#runByTarget(targetOffset);
    if (i < 0) return undefined;
    const delta = targetOffset - this.#tgt(i);
    return delta < this.#len(i) ? this.#src(i) + delta : undefined;
  }

  /** Target offset of the first mapped record whose source offset is ≥ `sourceOffset`, with how it was found. */
  firstAtOrAfter(
    sourceOffset: bigint,
  ): { target: bigint; source: bigint; exact: boolean; beforeStart: boolean } | undefined {
    if (this.#runs === 0) return undefined;
    const i = this.#runBySource(sourceOffset);
    if (i < 0) return { target: this.#tgt(0), source: this.#src(0), exact: false, beforeStart: true };
    const delta = sourceOffset - this.#src(i);
    if (delta < this.#len(i)) {
      return { target: this.#tgt(i) + delta, source: sourceOffset, exact: true, beforeStart: false };
    }
    if (i + 1 >= this.#runs) return undefined;
    return { target: this.#tgt(i + 1), source: this.#src(i + 1), exact: false, beforeStart: false };
  }

  /** See `appendCopied`. */
  append(sourceOffsets: readonly bigint[], targetFirst: bigint): OffsetMap {
    const count = sourceOffsets.length;
    if (count === 0) return this;
    const lastSource = this.lastSource;
    const lastTarget = this.lastTarget;
    validateBatch(sourceOffsets, targetFirst, lastSource, lastTarget);

    // Split the batch into runs at its source gaps (the batch is contiguous on the target).
    const starts: bigint[] = [];
    const lengths: bigint[] = [];
    let runStart = sourceOffsets[0]!;
    let runLength = 1n;
    for (let k = 1; k < count; k++) {
      const offset = sourceOffsets[k]!;
      if (offset === runStart + runLength) {
        runLength += 1n;
      } else {
        starts.push(runStart);
        lengths.push(runLength);
        runStart = offset;
        runLength = 1n;
      }
    }
    starts.push(runStart);
    lengths.push(runLength);

    const copied = this.#copied + BigInt(count);
    let lastLength = this.#lastLength;
    let first = 0;
    if (lastSource !== undefined && starts[0] === lastSource + 1n) {
      lastLength += lengths[0]!;
      first = 1;
    }
    if (first === starts.length) return new OffsetMap(this.#store, this.#runs, lastLength, copied);

    const store = this.#writableStore();
    const base = this.#runs;
    store.ensureCapacity(base + starts.length - first);
    if (base > 0) store.len[base - 1] = lastLength;
    let target = targetFirst + (first === 1 ? lengths[0]! : 0n);
    let at = base;
    for (let r = first; r < starts.length; r++, at++) {
      store.src[at] = starts[r]!;
      store.tgt[at] = target;
      store.len[at] = lengths[r]!;
      target += lengths[r]!;
    }
    store.used = at;
    return new OffsetMap(store, at, lengths[lengths.length - 1]!, copied);
  }

  /** The store when this view is its newest (writing past `used` is invisible to others), else a private copy. */
  #writableStore(): RunStore {
    if (this.#store.used === this.#runs) return this.#store;
    const copy = new RunStore(Math.max(INITIAL_CAPACITY, this.#runs * 2));
    copy.src.set(this.#store.src.subarray(0, this.#runs));
    copy.tgt.set(this.#store.tgt.subarray(0, this.#runs));
    copy.len.set(this.#store.len.subarray(0, this.#runs));
    if (this.#runs > 0) copy.len[this.#runs - 1] = this.#lastLength;
    copy.used = this.#runs;
    return copy;
  }

  /**
   * A map from runs in canonical form (what `serializeOffsetMap` produces): lengths ≥ 1, source runs
   * ascending and separated by a gap, target runs contiguous, all within int64. Otherwise
   * InvariantError `OFFSET_MAP_CORRUPT`. O(n).
   */
  static fromRuns(runs: readonly OffsetRun[]): OffsetMap {
    const store = new RunStore(Math.max(INITIAL_CAPACITY, runs.length));
    let copied = 0n;
    let previous: OffsetRun | undefined;
    for (let i = 0; i < runs.length; i++) {
      const run = runs[i]!;
      checkRun(run, previous, i);
      store.src[i] = run.sourceStart;
      store.tgt[i] = run.targetStart;
      store.len[i] = run.length;
      copied += run.length;
      previous = run;
    }
    store.used = runs.length;
    return new OffsetMap(store, runs.length, runs.length > 0 ? runs[runs.length - 1]!.length : 0n, copied);
  }
}

function checkRun(run: OffsetRun, previous: OffsetRun | undefined, i: number): void {
  const { sourceStart: s, targetStart: t, length: l } = run;
  if (!isOffset(s) || !isOffset(t)) throw corrupt(`runs.${i}: offsets ${s}, ${t} outside [0, 2^63-1]`);
  if (l < 1n) throw corrupt(`runs.${i}: length ${l} must be ≥ 1`);
  if (s + l - 1n > INT64_MAX || t + l - 1n > INT64_MAX)
    throw corrupt(`runs.${i}: run ends beyond the int64 range`);
  if (previous === undefined) return;
  const sourceEnd = previous.sourceStart + previous.length;
  const targetEnd = previous.targetStart + previous.length;
  if (s <= sourceEnd) {
    throw corrupt(
      `runs.${i}: source start ${s} must be above ${sourceEnd} (runs ascend and are separated by a gap)`,
    );
  }
  if (t !== targetEnd)
    throw corrupt(`runs.${i}: target start ${t} must be ${targetEnd} (target offsets are contiguous)`);
}

/** Largest index i < n with array[i] ≤ value (array ascending), or -1. */
function lastAtOrBelow(array: BigInt64Array, n: number, value: bigint): number {
  let lo = 0;
  let hi = n - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (array[mid]! <= value) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

function validateBatch(
  sourceOffsets: readonly bigint[],
  targetFirst: bigint,
  lastSource: bigint | undefined,
  lastTarget: bigint | undefined,
): void {
  const count = sourceOffsets.length;
  if (
    typeof targetFirst !== 'bigint' ||
    !isOffset(targetFirst) ||
    targetFirst + BigInt(count) - 1n > INT64_MAX
  ) {
    throw mapError(
      'OFFSET_MAP_RANGE',
      `target offset ${String(targetFirst)} for ${count} record(s) is outside the int64 offset range`,
    );
  }
  if (lastTarget !== undefined && targetFirst !== lastTarget + 1n) {
    throw mapError(
      'OFFSET_MAP_TARGET_NOT_CONTIGUOUS',
      `records written at target offset ${targetFirst} but the map ends at target offset ${lastTarget} ` +
        `(expected ${lastTarget + 1n}): another writer or a lost write on the target partition`,
    );
  }
  let previous = lastSource;
  for (let k = 0; k < count; k++) {
    const offset = sourceOffsets[k];
    if (typeof offset !== 'bigint' || !isOffset(offset)) {
      throw mapError(
        'OFFSET_MAP_RANGE',
        `source offset #${k} (${String(offset)}) is not an offset in [0, 2^63-1]`,
      );
    }
    if (previous !== undefined && offset <= previous) {
      throw k === 0
        ? mapError(
            'OFFSET_MAP_OVERLAP',
            `source offset ${offset} is already covered: the map ends at source offset ${previous}`,
          )
        : mapError(
            'OFFSET_MAP_NOT_ASCENDING',
            `source offsets must be strictly ascending: #${k - 1}=${previous} then #${k}=${offset}`,
          );
    }
    previous = offset;
  }
}

function mapError(code: string, message: string): InvariantError {
  return new InvariantError(`offset map: ${message}`, {
    code,
    fix: 'This is a bug or a concurrent writer on the target partition: stop the copier, keep the checkpoint and report it.',
  });
}

/* ----------------------------------------- functional API ----------------------------------------- */

export function emptyMap(): OffsetMap {
  return OffsetMap.empty();
}

/**
 * The map with `sourceOffsets` (strictly ascending, all above the map's last source offset) copied to
 * target offsets `targetFirst, targetFirst+1, …` (= the map's last target + 1 unless the map is empty).
 * Merges into the last run when both continue it. Violations → InvariantError. `map` is unchanged.
 */
export function appendCopied(
  map: OffsetMap,
  sourceOffsets: readonly bigint[],
  targetFirst: bigint,
): OffsetMap {
  return map.append(sourceOffsets, targetFirst);
}

/** The target offset `sourceOffset` was copied to, or undefined when it was not copied. */
export function targetOf(map: OffsetMap, sourceOffset: bigint): bigint | undefined {
  return map.targetOf(sourceOffset);
}

/** The source offset the record at `targetOffset` was copied from, or undefined (spot checks, §6.5). */
export function sourceOf(map: OffsetMap, targetOffset: bigint): bigint | undefined {
  return map.sourceOf(targetOffset);
}

export function countCopied(map: OffsetMap): bigint {
  return map.copied;
}

export function firstSource(map: OffsetMap): bigint | undefined {
  return map.firstSource;
}

export function firstTarget(map: OffsetMap): bigint | undefined {
  return map.firstTarget;
}

export function lastSource(map: OffsetMap): bigint | undefined {
  return map.lastSource;
}

export function lastTarget(map: OffsetMap): bigint | undefined {
  return map.lastTarget;
}

/* ------------------------------------------- translation ------------------------------------------- */

/**
 * How a committed offset was translated (kept in the evidence):
 * - `exact`: the committed offset is a copied record; its target offset.
 * - `next-record`: the committed offset falls into a source gap (marker, aborted or compacted record,
 *   retention gap) between copied records; the target offset of the next copied record.
 * - `end`: the committed offset is past every copied record (source end, or a trailing gap); the
 *   target end of the copied data.
 * - `before-start`: the committed offset is below the first copied record (aged out before the seed);
 *   the first copied record's target offset.
 */
export const TRANSLATION_CASES = ['exact', 'next-record', 'end', 'before-start'] as const;
export type TranslationCase = (typeof TRANSLATION_CASES)[number];

export interface Translation {
  readonly target: bigint;
  readonly case: TranslationCase;
  /** Source offset of the record the consumer will read next (undefined for `end`). */
  readonly nextSourceRecord: bigint | undefined;
}

/**
 * SPEC §6.4 step 5: the target offset of the first copied record whose source offset is ≥ `committed`;
 * `targetEnd` when there is none. `sourceEnd` and `targetEnd` are the partition's end offsets after the
 * final drain: the map must cover the target exactly up to `targetEnd` and lie below `sourceEnd`,
 * and `committed` must be in [0, sourceEnd]; otherwise InvariantError (a stale map, a target
 * written by someone else, or a committed offset the source never had).
 */
export function translateCommitted(
  map: OffsetMap,
  committed: bigint,
  sourceEnd: bigint,
  targetEnd: bigint,
): Translation {
  const fail = (code: string, message: string) =>
    new InvariantError(`offset translation: ${message}`, {
      code,
      fix:
        'Translate after the final drain with the latest checkpoint of the partition and the end offsets ' +
        'read after the freeze; re-run the cutover step.',
    });
  if (!isOffset(committed) || !isOffset(sourceEnd) || !isOffset(targetEnd)) {
    throw fail(
      'OFFSET_TRANSLATION_RANGE',
      `offsets must be in [0, 2^63-1]: committed=${committed} sourceEnd=${sourceEnd} targetEnd=${targetEnd}`,
    );
  }
  if (committed > sourceEnd) {
    throw fail(
      'OFFSET_TRANSLATION_BEYOND_SOURCE_END',
      `committed offset ${committed} is beyond the source end offset ${sourceEnd}`,
    );
  }
  const last = map.lastSource;
  if (last !== undefined) {
    if (sourceEnd <= last) {
      throw fail(
        'OFFSET_TRANSLATION_SOURCE_END',
        `source end offset ${sourceEnd} does not cover the last copied source offset ${last}`,
      );
    }
    const mapTargetEnd = map.lastTarget! + 1n;
    if (targetEnd !== mapTargetEnd) {
      throw fail(
        'OFFSET_TRANSLATION_TARGET_END',
        `target end offset is ${targetEnd} but the offset map ends at target offset ${mapTargetEnd}: ` +
          'the map is stale or the target holds records the copier did not write',
      );
    }
  }
  const hit = map.firstAtOrAfter(committed);
  if (hit === undefined) return { target: targetEnd, case: 'end', nextSourceRecord: undefined };
  const kind: TranslationCase = hit.exact ? 'exact' : hit.beforeStart ? 'before-start' : 'next-record';
  return { target: hit.target, case: kind, nextSourceRecord: hit.source };
}

/* ------------------------------------------ serialization ------------------------------------------ */

/** `{v:1, runs:[[source_start, target_start, length], …]}`, decimal strings, runs in source order. */
export interface OffsetMapJson {
  readonly v: 1;
  readonly runs: readonly (readonly [string, string, string])[];
}

export const offsetMapJsonSchema = z.strictObject({
  v: z.literal(1),
  runs: z.array(z.tuple([decimalOffsetSchema, decimalOffsetSchema, decimalOffsetSchema])),
});

export function serializeOffsetMap(map: OffsetMap): OffsetMapJson {
  const runs: (readonly [string, string, string])[] = new Array(map.runCount);
  for (let i = 0; i < map.runCount; i++) {
    const run = map.runAt(i);
    runs[i] = [toDecimal(run.sourceStart), toDecimal(run.targetStart), toDecimal(run.length)];
  }
  return { v: 1, runs };
}

/**
 * Validates and loads a serialized map (an object, or its JSON text). Besides the shape, the runs must
 * be canonical: lengths ≥ 1, source runs ascending and separated by a gap, target runs contiguous,
 * all within int64. Anything else → InvariantError `OFFSET_MAP_CORRUPT`.
 */
export function parseOffsetMap(input: unknown): OffsetMap {
  const runs: OffsetRun[] = parseJsonDocument(input, offsetMapJsonSchema, corrupt).runs.map(([s, t, l]) => ({
    sourceStart: BigInt(s),
    targetStart: BigInt(t),
    length: BigInt(l),
  }));
  return OffsetMap.fromRuns(runs);
}

function corrupt(detail: string, cause?: unknown): InvariantError {
  return new InvariantError(`offset map is corrupt: ${detail}`, {
    code: 'OFFSET_MAP_CORRUPT',
    fix: 'The persisted checkpoint was damaged or edited. Restore it from the previous version of the object, or reset the partition (delete and recreate the target topic) and copy it again.',
    cause,
  });
}
