import type { Adapters } from '../ports.ts';

/**
 * The target topics this migration created (CopyTopology), kept in the evidence store at
 * `migrations/<id>/topology/created-topics.json` so that `rollback --delete-target-topics` deletes
 * those and nothing else. Written before the topics are created (a crash right after creating
 * them must not lose them) and only ever extended: a re-run that creates nothing keeps the list.
 */
export function createdTopicsKey(migrationId: string): string {
  return `migrations/${migrationId}/topology/created-topics.json`;
}

export async function readCreatedTopics(
  adapters: Pick<Adapters, 'objectStore'>,
  migrationId: string,
): Promise<string[]> {
  const bytes = await adapters.objectStore('evidence').get(createdTopicsKey(migrationId));
  if (!bytes) return [];
  const doc = JSON.parse(new TextDecoder().decode(bytes)) as { topics?: unknown };
  return Array.isArray(doc.topics) ? doc.topics.filter((t): t is string => typeof t === 'string') : [];
}

export async function recordTopicsToCreate(
  adapters: Pick<Adapters, 'objectStore'>,
  migrationId: string,
  topics: readonly string[],
): Promise<void> {
  if (topics.length === 0) return;
  const known = await readCreatedTopics(adapters, migrationId);
  const all = [...new Set([...known, ...topics])].sort();
  if (all.length === known.length) return;
  await adapters
    .objectStore('evidence')
    .put(
      createdTopicsKey(migrationId),
      `${JSON.stringify({ migration_id: migrationId, topics: all }, null, 2)}\n`,
      {
        contentType: 'application/json',
      },
    );
}
