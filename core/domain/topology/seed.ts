import { shardCount, splitIntoShards } from '../copy/shards.ts';
import type { PartitionToCopy } from './topics.ts';

/**
 * The Seed Map's items (ItemsPath `$.topology.seed_shards`): the selected partitions split into
 * ceil(P / seed.max_concurrent_partitions) shards balanced by bytes (core/domain/copy/shards.ts),
 * each the partition list of one copier task (`KRAFT_MIGRATE_PARTITIONS`, `KRAFT_MIGRATE_SHARD_ID`).
 */

/**
 * How many copier tasks the Seed Map runs at once (its MaxConcurrency). Each copier connects to
 * every broker of both clusters; MSK with IAM accepts 100 new connections per second per broker,
 * and a handful of copiers already saturate a target's ingest.
 */
export const MAX_PARALLEL_COPIERS = 8;

export interface SeedShardItem {
  shard_id: string;
  partitions: { topic: string; partition: number }[];
}

export interface SeedSharding {
  readonly seed_shards: SeedShardItem[];
  readonly partition_count: number;
  readonly max_parallel_copiers: number;
}

export function seedSharding(
  partitions: readonly PartitionToCopy[],
  maxConcurrentPartitions: number,
): SeedSharding {
  const loads = partitions.map((p) => ({ topic: p.topic, partition: p.partition, bytes: p.bytes ?? 0n }));
  const shards = splitIntoShards(loads, Math.max(1, shardCount(loads, maxConcurrentPartitions)));
  return {
    seed_shards: shards.map((s) => ({
      shard_id: String(s.index),
      partitions: [...s.partitions]
        .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
        .map((p) => ({ topic: p.topic, partition: p.partition })),
    })),
    partition_count: partitions.length,
    max_parallel_copiers: Math.max(1, Math.min(shards.length, MAX_PARALLEL_COPIERS)),
  };
}
