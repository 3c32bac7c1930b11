import { describe, expect, it } from 'vitest';
import {
  copierCount,
  DEFAULT_MAX_COPIERS,
  MAX_COPIERS,
  type PartitionLoad,
  splitIntoShards,
} from '../../../../core/domain/copy/shards.ts';
import { InvalidInputError, InvariantError } from '../../../../core/domain/errors.ts';
import { rng, thrown } from './helpers.ts';

const load = (topic: string, partition: number, bytes: number): PartitionLoad => ({
  topic,
  partition,
  bytes: BigInt(bytes),
});
const byValue = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
const names = (shard: { partitions: readonly PartitionLoad[] }) =>
  shard.partitions.map((p) => `${p.topic}/${p.partition}`);

describe('copierCount', () => {
  it('defaults to one copier per 64 partitions, at most 16', () => {
    expect(copierCount(1)).toBe(1);
    expect(copierCount(64)).toBe(1);
    expect(copierCount(65)).toBe(2);
    expect(copierCount(1_000)).toBe(DEFAULT_MAX_COPIERS);
    expect(copierCount(10_000)).toBe(16);
    expect(copierCount([load('a', 0, 1), load('a', 1, 1), load('b', 0, 1)])).toBe(1);
  });

  it('takes seed.copiers when set, but never more tasks than partitions', () => {
    expect(copierCount(10_000, 40)).toBe(40);
    expect(copierCount(10, 2)).toBe(2);
    expect(copierCount(3, 8)).toBe(3);
  });

  it('bounds the default by the local runner limit, but not an explicit seed.copiers', () => {
    expect(copierCount(1_000, undefined, 1)).toBe(1);
    expect(copierCount(1_000, undefined, 4)).toBe(4);
    expect(copierCount(100, undefined, 4)).toBe(2); // the default is below the limit
    expect(copierCount(1_000, undefined, 0)).toBe(1); // never below one task
    expect(copierCount(1_000, 8, 1)).toBe(8);
  });

  it('is 0 when there is nothing to copy', () => {
    expect(copierCount([])).toBe(0);
    expect(copierCount(0, 4)).toBe(0);
  });

  it('rejects a copier count outside 1..40 or a bad partition count', () => {
    for (const copiers of [0, -1, 1.5, Number.NaN, MAX_COPIERS + 1]) {
      const e = thrown(() => copierCount(3, copiers));
      expect(e).toBeInstanceOf(InvalidInputError);
      expect((e as InvalidInputError).message).toContain('seed.copiers must be an integer from 1 to 40');
    }
    expect(thrown(() => copierCount(-1))).toBeInstanceOf(InvalidInputError);
  });
});

describe('splitIntoShards', () => {
  it('puts the largest partitions first, each into the lightest shard', () => {
    const shards = splitIntoShards(
      [
        load('a', 0, 50),
        load('a', 1, 40),
        load('b', 0, 30),
        load('b', 1, 20),
        load('c', 0, 10),
        load('c', 1, 5),
      ],
      2,
    );

    // 50→s0, 40→s1, 30→s1 (40<50), 20→s0 (50<70), 10→s0 (70=70, lower index), 5→s1
    expect(shards.map(names)).toEqual([
      ['a/0', 'b/1', 'c/0'],
      ['a/1', 'b/0', 'c/1'],
    ]);
    expect(shards.map((s) => s.bytes)).toEqual([80n, 75n]);
    expect(shards.map((s) => s.index)).toEqual([0, 1]);
  });

  it('breaks ties by topic then partition, whatever the input order', () => {
    const parts = [load('b', 1, 10), load('a', 2, 10), load('b', 0, 10), load('a', 10, 10), load('a', 1, 10)];
    const r = rng(3);

    const reference = splitIntoShards(parts, 2);
    expect(reference.map(names)).toEqual([
      ['a/1', 'a/10', 'b/1'],
      ['a/2', 'b/0'],
    ]);
    for (let i = 0; i < 20; i++) {
      const shuffled = [...parts].sort(() => r.next() - 0.5);
      expect(splitIntoShards(shuffled, 2)).toEqual(reference);
    }
  });

  it('never makes an empty shard: at most one shard per partition', () => {
    expect(splitIntoShards([load('a', 0, 1), load('a', 1, 2)], 5).map(names)).toEqual([['a/1'], ['a/0']]);
    expect(splitIntoShards([], 5)).toEqual([]);
  });

  it('places every partition exactly once and balances within the largest partition (property loop)', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const r = rng(seed);
      const parts: PartitionLoad[] = [];
      const topics = r.int(1, 6);
      for (let t = 0; t < topics; t++) {
        const count = r.int(1, 30);
        for (let p = 0; p < count; p++)
          parts.push(load(`topic-${t}`, p, r.int(0, r.chance(0.1) ? 1e9 : 1e6)));
      }
      const n = copierCount(parts, r.int(1, 16));

      const shards = splitIntoShards(parts, n);

      expect(shards).toHaveLength(Math.min(n, parts.length));
      const placed = shards.flatMap(names).sort();
      expect(placed).toEqual(parts.map((p) => `${p.topic}/${p.partition}`).sort());
      const total = parts.reduce((s, p) => s + p.bytes, 0n);
      expect(shards.reduce((s, x) => s + x.bytes, 0n)).toBe(total);
      for (const shard of shards)
        expect(shard.bytes).toBe(shard.partitions.reduce((s, p) => s + p.bytes, 0n));
      // greedy list scheduling bound: heaviest − lightest ≤ largest single partition
      const sizes = shards.map((s) => s.bytes).sort(byValue);
      const largest = parts.map((p) => p.bytes).sort(byValue)[parts.length - 1]!;
      const heaviest = sizes[sizes.length - 1]!;
      const lightest = sizes[0]!;
      expect(heaviest - lightest <= largest).toBe(true);
    }
  });

  it('rejects duplicate partitions, negative sizes and a shard count below 1', () => {
    const dup = thrown(() => splitIntoShards([load('a', 0, 1), load('a', 0, 2)], 2));
    expect(dup).toBeInstanceOf(InvariantError);
    expect((dup as InvariantError).code).toBe('SHARDS_DUPLICATE_PARTITION');
    const neg = thrown(() => splitIntoShards([load('a', 0, -1)], 2));
    expect((neg as InvariantError).code).toBe('SHARDS_NEGATIVE_BYTES');
    expect(thrown(() => splitIntoShards([load('a', 0, 1)], 0))).toBeInstanceOf(InvalidInputError);
  });
});

describe('splitIntoShards with unsized partitions', () => {
  it('spreads zero-byte partitions over every shard instead of piling them on the first', () => {
    const loads = Array.from({ length: 6 }, (_, partition) => ({ topic: 't', partition, bytes: 0n }));
    const shards = splitIntoShards(loads, 3);
    expect(shards.map((s) => s.partitions.length)).toEqual([2, 2, 2]);
    expect(shards.every((s) => s.bytes === 0n)).toBe(true);
  });
});
