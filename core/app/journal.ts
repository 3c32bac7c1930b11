import type { JournalEntry } from '../domain/journal/entry.ts';
import { checkResume, plannedEntryInput } from '../domain/journal/fingerprint.ts';
import { type AppendInput, appendEntry, currentState } from '../domain/journal/journal.ts';
import type { MigrationState } from '../domain/journal/states.ts';
import type { Clock, JournalStore } from '../ports.ts';

/**
 * The migration journal as the workflow steps use it: open (new, resume, or force-restart, with
 * the fingerprint check), then move the migration from state to state. Every call re-reads the
 * store, so two processes (a Lambda and the CLI) never append on a stale view; the store's
 * conditional write settles any race.
 */
export interface OpenedJournal {
  readonly store: JournalStore;
  readonly entries: readonly JournalEntry[];
  readonly state: MigrationState;
  readonly resumed: boolean;
  readonly warnings: readonly string[];
}

export async function openJournal(
  store: JournalStore,
  migrationId: string,
  fingerprint: string,
  options: { readonly forceRestart: boolean; readonly clock?: Clock },
): Promise<OpenedJournal> {
  const now = () => options.clock?.now() ?? new Date();
  const { entries, warnings } = await store.load();
  const decision = checkResume(entries, fingerprint, { forceRestart: options.forceRestart });
  let current = [...entries];
  const append = async (input: AppendInput) => {
    const entry = appendEntry(current, input, now());
    await store.append(entry);
    current = [...current, entry];
  };
  if (decision.kind === 'new') await append(plannedEntryInput(migrationId, fingerprint));
  if (decision.kind === 'force-restart') for (const a of decision.appends) await append(a);
  return {
    store,
    entries: current,
    state: currentState(current) ?? 'planned',
    resumed: decision.kind !== 'new',
    warnings,
  };
}

/** Appends `current -> to` unless the journal is already at `to`. Returns the new entry, if any. */
export async function transition(
  store: JournalStore,
  to: MigrationState,
  reason: string,
  detail: Record<string, unknown> = {},
  clock?: Clock,
): Promise<JournalEntry | undefined> {
  const { entries } = await store.load();
  if (currentState(entries) === to) return undefined;
  const entry = appendEntry(entries, { to, reason, detail }, clock?.now() ?? new Date());
  await store.append(entry);
  return entry;
}
