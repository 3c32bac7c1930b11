import { InvariantError, PreconditionError } from '../errors.ts';
import type { JournalEntry } from './entry.ts';
import { type AppendInput, currentState } from './journal.ts';
import { FINGERPRINT_KEY, firstReached } from './rules.ts';
import type { MigrationState } from './states.ts';

/**
 * Where the resume fingerprint lives: `detail.config_fingerprint` of the first entry
 * (`(new) -> planned`). A `--force-restart` records the new one in `detail.config_fingerprint` of
 * its `failed -> prechecking` entry; the journal's fingerprint is the one of the LAST entry that
 * carries the key. No separate header: every record of the journal is a transition.
 */
export function journalFingerprint(entries: readonly JournalEntry[]): string | undefined {
  for (let i = entries.length - 1; i >= 0; i--) {
    const fp = entries[i]?.detail[FINGERPRINT_KEY];
    if (typeof fp === 'string') return fp;
  }
  return undefined;
}

/** The input of the first entry of a new journal. */
export function plannedEntryInput(migrationId: string, fingerprint: string): AppendInput {
  return {
    from: null,
    to: 'planned',
    reason: `migration ${migrationId} planned`,
    detail: { migration_id: migrationId, [FINGERPRINT_KEY]: fingerprint },
  };
}

export type ResumeDecision =
  /** empty journal: append plannedEntryInput(...) and start */
  | { readonly kind: 'new' }
  /** same fingerprint: continue from `state` */
  | { readonly kind: 'resume'; readonly state: MigrationState }
  /** --force-restart accepted: append `appends` in order (each with appendEntry), then run from prechecking */
  | {
      readonly kind: 'force-restart';
      readonly previousFingerprint: string;
      readonly appends: readonly AppendInput[];
    };

export const FINGERPRINT_MISMATCH_MESSAGE =
  'resume fingerprint mismatch — config may have changed between runs';

/**
 * Decides whether a run with `fingerprint` may continue this journal. A mismatch stops with the
 * exact troubleshooting-page text unless `forceRestart`, which is refused once `cutting_over` was
 * reached (consumer positions may already have moved) and for rolled-back migrations.
 */
export function checkResume(
  entries: readonly JournalEntry[],
  fingerprint: string,
  options: { readonly forceRestart: boolean },
): ResumeDecision {
  const state = currentState(entries);
  if (state === undefined) return { kind: 'new' };
  const recorded = journalFingerprint(entries);
  if (recorded === undefined) {
    throw new InvariantError('journal has no config_fingerprint in any entry', {
      code: 'JOURNAL_NO_FINGERPRINT',
      fix: 'The journal was not written by kraft-migrate or was edited: restore the original journal.',
    });
  }
  if (recorded === fingerprint) return { kind: 'resume', state };
  if (!options.forceRestart) throw mismatch(recorded, fingerprint);
  refuseForceRestart(entries, state);
  return {
    kind: 'force-restart',
    previousFingerprint: recorded,
    appends: forceRestartAppends(state, recorded, fingerprint),
  };
}

function mismatch(recorded: string, fingerprint: string): PreconditionError {
  return new PreconditionError(FINGERPRINT_MISMATCH_MESSAGE, {
    code: 'JOURNAL_FINGERPRINT_MISMATCH',
    fix:
      'If the config change was intentional, use --force-restart to override (accepts risk of duplicates; ' +
      'allowed only before cutover). If unintentional, restore the original config (source/target cluster ' +
      `ARN or bootstrap servers, storage.segments, storage.evidence) and retry. Journal fingerprint ${recorded}, ` +
      `config fingerprint ${fingerprint}.`,
  });
}

function refuseForceRestart(entries: readonly JournalEntry[], state: MigrationState): void {
  const cutover = firstReached(entries, 'cutting_over');
  if (cutover) {
    throw new PreconditionError(
      `--force-restart refused: the migration reached cutting_over at ${cutover.ts} (journal seq ${cutover.seq}); ` +
        'force-restart is allowed only before cutover',
      {
        code: 'JOURNAL_FORCE_RESTART_AFTER_CUTOVER',
        fix:
          'Restore the original config and resume (or finalize) this migration. To migrate with a different ' +
          'config, start a new migration with a new --migration-id.',
      },
    );
  }
  if (state === 'rolled_back') {
    throw new PreconditionError('--force-restart refused: the migration was rolled back', {
      code: 'JOURNAL_FORCE_RESTART_ROLLED_BACK',
      fix: 'A rolled-back migration is over: start a new migration with a new --migration-id.',
    });
  }
}

function forceRestartAppends(state: MigrationState, recorded: string, fingerprint: string): AppendInput[] {
  const reason = `force-restart: config fingerprint changed (${recorded.slice(0, 12)}… → ${fingerprint.slice(0, 12)}…)`;
  const restart: AppendInput = {
    from: 'failed',
    to: 'prechecking',
    reason,
    detail: { force_restart: true, previous_config_fingerprint: recorded, [FINGERPRINT_KEY]: fingerprint },
  };
  if (state === 'failed') return [restart];
  return [{ from: state, to: 'failed', reason, detail: { force_restart: true } }, restart];
}
