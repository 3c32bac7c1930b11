import { mapWithConcurrency } from '../../domain/concurrency.ts';
import {
  type SeedPlan,
  type SeedShardDocument,
  seedPlanIndexKey,
  seedShardDocument,
  seedShardKey,
} from '../../domain/copy/seed-plan.ts';
import { InvalidInputError } from '../../domain/errors.ts';
import type { ObjectStore, PartitionRef } from '../../ports.ts';

/**
 * The seed plan in the segments bucket (core/domain/copy/seed-plan.ts): CopyTopology writes it, each
 * seed copier task reads its shard's document.
 */

/**
 * The shard documents, then the index (so an index always names documents that exist). Rewritten
 * whole on a rerun: the same topology gives the same plan.
 */
export async function writeSeedPlan(segments: ObjectStore, plan: SeedPlan): Promise<void> {
  const json = { contentType: 'application/json' };
  await mapWithConcurrency(plan.shards, 8, (shard) =>
    segments.put(seedShardKey(shard.migration_id, shard.shard_id), `${JSON.stringify(shard)}\n`, json),
  );
  await segments.put(seedPlanIndexKey(plan.index.migration_id), `${JSON.stringify(plan.index)}\n`, json);
}

/** One shard's partitions, largest first; InvalidInputError naming the key when it is missing or bad. */
export async function readSeedShard(
  segments: ObjectStore,
  migrationId: string,
  shardId: string,
): Promise<PartitionRef[]> {
  const key = seedShardKey(migrationId, shardId);
  const body = await segments.get(key);
  const where = `${segments.url.replace(/\/$/, '')}/${key}`;
  if (body === undefined) {
    throw new InvalidInputError(`the seed plan of shard ${shardId} is missing (${where})`, {
      code: 'COPIER_NO_SHARD_PLAN',
      fix: 'CopyTopology writes the plan: run the migration (execute) rather than a seed copier alone, or pass KRAFT_MIGRATE_PARTITIONS.',
    });
  }
  let doc: SeedShardDocument;
  try {
    doc = seedShardDocument.parse(JSON.parse(new TextDecoder().decode(body)));
  } catch (e) {
    throw new InvalidInputError(
      `the seed plan of shard ${shardId} (${where}) is not valid: ${(e as Error).message}`,
      {
        code: 'COPIER_NO_SHARD_PLAN',
        fix: 'Run CopyTopology again (execute resumes there): it rewrites the plan.',
      },
    );
  }
  if (doc.migration_id !== migrationId || doc.shard_id !== shardId) {
    throw new InvalidInputError(
      `${where} is the plan of migration ${doc.migration_id} shard ${doc.shard_id}, not of ${migrationId} shard ${shardId}`,
      {
        code: 'COPIER_NO_SHARD_PLAN',
        fix: 'Run CopyTopology again (execute resumes there): it rewrites the plan.',
      },
    );
  }
  return doc.partitions.map((p) => ({ topic: p.topic, partition: p.partition }));
}
