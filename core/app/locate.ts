import type { MigrationConfig } from '../domain/config/schema.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { resumeFingerprint } from '../domain/identity.ts';
import type { JournalEntry } from '../domain/journal/entry.ts';
import { journalFingerprint } from '../domain/journal/fingerprint.ts';
import { currentState } from '../domain/journal/journal.ts';
import { isTerminal } from '../domain/journal/states.ts';
import type { Adapters, JournalStore } from '../ports.ts';

/**
 * Which migration a command is about: `--migration-id`, the config's `migration_id`, the one in
 * the local journal (`--journal-dir` holds one migration), or — with the S3 journal — the newest
 * unfinished migration of the evidence bucket whose fingerprint matches this config. undefined
 * means "none yet": execute starts a new one.
 */
export interface LocatedMigration {
  readonly migrationId: string;
  readonly store: JournalStore;
  readonly entries: readonly JournalEntry[];
  readonly warnings: readonly string[];
}

export async function locateMigration(
  config: MigrationConfig,
  adapters: Adapters,
  options: { readonly pinned?: string | undefined; readonly journalDir?: string | undefined },
): Promise<LocatedMigration | undefined> {
  const pinned = options.pinned ?? config.migration_id;
  if (pinned) {
    const store = adapters.journal(pinned);
    const { entries, warnings } = await store.load();
    return { migrationId: pinned, store, entries, warnings };
  }
  if (options.journalDir) {
    const store = adapters.journal('');
    const { entries, warnings } = await store.load();
    const id = entries[0]?.detail['migration_id'];
    if (typeof id !== 'string') return undefined;
    return { migrationId: id, store, entries, warnings };
  }
  const fingerprint = resumeFingerprint(config);
  const evidence = adapters.objectStore('evidence');
  const ids = new Set<string>();
  for (const head of await evidence.list('migrations/')) {
    const m = /^migrations\/([^/]+)\/journal\//.exec(head.key);
    if (m?.[1]) ids.add(m[1]);
  }
  let best: LocatedMigration | undefined;
  for (const id of ids) {
    const store = adapters.journal(id);
    const { entries, warnings } = await store.load();
    const state = currentState(entries);
    if (!state || isTerminal(state) || journalFingerprint(entries) !== fingerprint) continue;
    if (!best || (entries.at(-1)?.ts ?? '') > (best.entries.at(-1)?.ts ?? '')) {
      best = { migrationId: id, store, entries, warnings };
    }
  }
  return best;
}

/** A journal directory holds one migration; a finished one is not silently overwritten. */
export function refuseFinishedLocalJournal(
  located: LocatedMigration | undefined,
  journalDir: string | undefined,
): void {
  const state = located ? currentState(located.entries) : undefined;
  if (journalDir && located && state && isTerminal(state)) {
    throw new InvalidInputError(
      `the journal in ${journalDir} holds migration ${located.migrationId}, which is ${state}`,
      {
        code: 'JOURNAL_FINISHED',
        fix: 'Use a new --journal-dir for a new migration; the finished journal is part of its evidence.',
      },
    );
  }
}
