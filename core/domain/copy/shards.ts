import type { PartitionRef } from '../../ports.ts';
import { InvalidInputError, InvariantError } from '../errors.ts';

/**
 * Seed Map sharding: which copier task copies which partitions. Balanced by estimated bytes with the
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
 * How many copier tasks the Seed Map starts: enough that no task reads more than
 * `maxConcurrentPartitions` partitions (`seed.max_concurrent_partitions`) — ceil(P / max); 0 when there
 * is nothing to copy.
 */
export function shardCount(
  partitions: readonly PartitionRef[] | number,
  maxConcurrentPartitions: number,
): number {
  const count = typeof partitions === 'number' ? partitions : partitions.length;
  if (!Number.isInteger(count) || count < 0) {
    throw new InvalidInputError(`partition count must be a non-negative integer (received ${count})`, {
      code: 'SHARDS_BAD_COUNT',
    });
  }
  if (!Number.isInteger(maxConcurrentPartitions) || maxConcurrentPartitions < 1) {
    throw new InvalidInputError(
      `seed.max_concurrent_partitions must be a positive integer (received ${maxConcurrentPartitions})`,
      { code: 'SHARDS_BAD_CONCURRENCY', fix: 'Set seed.max_concurrent_partitions to 1 or more.' },
    );
  }
  return Math.ceil(count / maxConcurrentPartitions);
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
