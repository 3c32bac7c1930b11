import type { PartitionRef } from '../../ports.ts';
import { InvalidInputError, InvariantError } from '../errors.ts';

/**
 * Seed Map sharding: which copier task copies which partitions (the task count is
 * {@link copierCount}; each task works through its list with `seed.max_concurrent_partitions` in
 * flight, core/app/copy/copier.ts). Balanced by estimated bytes with the
 * greedy "largest first into the lightest shard" rule (LPT: at most 4/3 of the optimal makespan),
 * deterministic for a given input whatever its order: partitions are taken by bytes descending, ties
 * by topic then partition; the lightest shard is chosen with ties to the lowest shard index.
 * O(P log P) for the sort plus O(P log N) for the heap.
 */

export interface PartitionLoad extends PartitionRef {
  /** Estimated bytes to copy (DescribeLogDirs size; 0 when unknown). */
  readonly bytes: bigint;
}

export interface Shard {
  /** 0-based, contiguous. */
  readonly index: number;
  /** In the order they were assigned: largest first. */
  readonly partitions: readonly PartitionLoad[];
  readonly bytes: bigint;
}

/**
 * The default number of seed copier tasks: one per {@link PARTITIONS_PER_COPIER} partitions, at most
 * {@link DEFAULT_MAX_COPIERS} — min(ceil(P / 64), 16); 0 when there is nothing to copy. A task's
 * start-up (tens of seconds on Fargate) is paid once per task, so a task should own enough
 * partitions to amortize it; 16 tasks keep the connections MSK counts per broker low: at the
 * default 4 partitions in flight a copier opens about 6 connections to each broker, so 16 copiers
 * starting in the same second open ~96, within MSK IAM's 100 new connections per second per broker
 * and far below its 3,000 connections per broker (docs/configuration.md, `seed.copiers`).
 */
export const PARTITIONS_PER_COPIER = 64;
export const DEFAULT_MAX_COPIERS = 16;
/** The most `seed.copiers` accepts: an inline Map runs at most 40 iterations at once in AWS. */
export const MAX_COPIERS = 40;

/**
 * How many copier tasks the Seed Map starts: `configured` (`seed.copiers`) when set, else the default
 * above, at most `defaultLimit` (the local runner's: its copiers are processes sharing one machine);
 * never more than there are partitions (no task without work), 0 for no partitions.
 */
export function copierCount(
  partitions: readonly PartitionRef[] | number,
  configured?: number,
  defaultLimit: number = DEFAULT_MAX_COPIERS,
): number {
  const count = typeof partitions === 'number' ? partitions : partitions.length;
  if (!Number.isInteger(count) || count < 0) {
    throw new InvalidInputError(`partition count must be a non-negative integer (received ${count})`, {
      code: 'SHARDS_BAD_COUNT',
    });
  }
  if (
    configured !== undefined &&
    (!Number.isInteger(configured) || configured < 1 || configured > MAX_COPIERS)
  ) {
    throw new InvalidInputError(
      `seed.copiers must be an integer from 1 to ${MAX_COPIERS} (received ${configured})`,
      { code: 'SHARDS_BAD_COPIERS', fix: `Set seed.copiers between 1 and ${MAX_COPIERS}, or leave it out.` },
    );
  }
  const wanted =
    configured ??
    Math.min(Math.ceil(count / PARTITIONS_PER_COPIER), DEFAULT_MAX_COPIERS, Math.max(1, defaultLimit));
  return Math.min(wanted, count);
}

function compareLoad(a: PartitionLoad, b: PartitionLoad): number {
  if (a.bytes !== b.bytes) return a.bytes > b.bytes ? -1 : 1;
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}

/**
 * Splits `partitions` into `shards` shards balanced by bytes. Returns min(shards, P) shards, so no
 * shard is empty (and [] for no partitions). Duplicate partitions or negative byte estimates →
 * InvariantError; a shard count below 1 with partitions to place → InvalidInputError.
 */
export function splitIntoShards(partitions: readonly PartitionLoad[], shards: number): Shard[] {
  if (partitions.length === 0) return [];
  if (!Number.isInteger(shards) || shards < 1) {
    throw new InvalidInputError(`shard count must be a positive integer (received ${shards})`, {
      code: 'SHARDS_BAD_COUNT',
    });
  }
  const seen = new Set<string>();
  for (const p of partitions) {
    const id = `${p.topic}/${p.partition}`;
    if (seen.has(id)) {
      throw new InvariantError(`partition ${id} is listed twice`, {
        code: 'SHARDS_DUPLICATE_PARTITION',
        fix: 'This is a bug in the seed planning: report it.',
      });
    }
    seen.add(id);
    if (p.bytes < 0n) {
      throw new InvariantError(`partition ${id} has a negative size estimate (${p.bytes})`, {
        code: 'SHARDS_NEGATIVE_BYTES',
        fix: 'This is a bug in the size estimate: report it.',
      });
    }
  }
  const n = Math.min(shards, partitions.length);
  const sorted = [...partitions].sort(compareLoad);
  const members: PartitionLoad[][] = Array.from({ length: n }, () => []);
  const heap = new ShardHeap(n);
  for (const p of sorted) {
    const index = heap.popLightest();
    members[index]!.push(p);
    // Every partition weighs at least 1, so empty or unsized partitions spread over the shards.
    heap.push(index, heap.bytesOf(index) + p.bytes + 1n);
  }
  return members.map((list, index) => ({
    index,
    partitions: list,
    bytes: list.reduce((sum, p) => sum + p.bytes, 0n),
  }));
}

/** Min-heap of shard indexes keyed by (bytes, index). */
class ShardHeap {
  readonly #bytes: bigint[];
  readonly #heap: number[];

  constructor(n: number) {
    this.#bytes = new Array<bigint>(n).fill(0n);
    this.#heap = Array.from({ length: n }, (_, i) => i);
  }

  bytesOf(index: number): bigint {
    return this.#bytes[index]!;
  }

  #less(a: number, b: number): boolean {
    const ba = this.#bytes[a]!;
    const bb = this.#bytes[b]!;
    return ba !== bb ? ba < bb : a < b;
  }

  popLightest(): number {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.#less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && this.#less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }

  push(index: number, bytes: bigint): void {
    this.#bytes[index] = bytes;
    const heap = this.#heap;
    heap.push(index);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }
}
