import { mapWithConcurrency } from '../domain/concurrency.ts';
import type { MigrationConfig } from '../domain/config/schema.ts';
import { type CheckDrainOutput, evaluateDrain, type TailReport } from '../domain/drain.ts';
import { currentState } from '../domain/journal/journal.ts';
import type { Adapters } from '../ports.ts';
import { type CopierStatus, modeStatusPrefix, parseCopierStatus } from './copy/status.ts';
import { transition } from './journal.ts';

/** The tail copiers' status documents in the segments store (one per tail shard), listed by their prefix. */
export async function readTailStatuses(adapters: Adapters, migrationId: string): Promise<CopierStatus[]> {
  const store = adapters.objectStore('segments');
  const heads = await store.list(modeStatusPrefix(migrationId, 'tail'));
  const bodies = await mapWithConcurrency(heads, 16, (head) => store.get(head.key));
  return bodies.flatMap((bytes) => (bytes ? [parseCopierStatus(new TextDecoder().decode(bytes))] : []));
}

/** Reads the tail copiers' status documents from the segments store. */
export async function readTailReports(adapters: Adapters, migrationId: string): Promise<TailReport[]> {
  return (await readTailStatuses(adapters, migrationId)).map((s) => ({
    state: s.state,
    error: s.error,
    updatedAt: new Date(s.updated_at),
    partitions: s.partitions.map((p) => ({ topic: p.topic, partition: p.partition, lag: BigInt(p.lag) })),
  }));
}

/**
 * One poll of WaitForDrain: evaluates the lag and moves the journal seeding → tailing (the seed
 * Map has finished when the first poll runs), tailing → drain_ready, and back to tailing when
 * the lag rises again before approval.
 */
export async function checkDrain(
  config: MigrationConfig,
  adapters: Adapters,
  input: { migrationId: string; expectedPartitions: number; previous: Parameters<typeof evaluateDrain>[1] },
  now = new Date(),
): Promise<CheckDrainOutput> {
  const journal = adapters.journal(input.migrationId);
  const state = currentState((await journal.load()).entries);
  if (state === 'seeding')
    await transition(journal, 'tailing', 'seed complete; tailing from the seed boundaries');
  const reports = await readTailReports(adapters, input.migrationId);
  const result = evaluateDrain(config, input.previous, reports, input.expectedPartitions, now);
  const after = currentState((await journal.load()).entries);
  if (result.ready && after === 'tailing') {
    await transition(
      journal,
      'drain_ready',
      `every partition within lag ${config.cutover.drain_max_partition_lag} for ${config.cutover.drain_stable_window}`,
      {
        max_partition_lag: result.max_partition_lag,
      },
    );
  } else if (!result.ready && after === 'drain_ready') {
    await transition(journal, 'tailing', `lag rose again: ${result.summary}`);
  }
  return result;
}
