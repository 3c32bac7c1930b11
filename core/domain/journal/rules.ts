import type { JournalEntry } from './entry.ts';
import { isTerminal, type MigrationState, POST_CUTOVER_RESUME_STATES, TRANSITIONS } from './states.ts';

/** Why a transition is refused: what happened and what to do. */
export interface TransitionProblem {
  readonly message: string;
  readonly fix: string;
}

export const FINGERPRINT_KEY = 'config_fingerprint';
const HEX64 = /^[0-9a-f]{64}$/;

/** The first entry that reached `state`, if any. */
export function firstReached(
  history: readonly JournalEntry[],
  state: MigrationState,
): JournalEntry | undefined {
  return history.find((e) => e.to === state);
}

/**
 * Whether `to` may follow `history` (static table plus history: no rollback once the client
 * switch was confirmed, i.e. `validating` was reached; `failed -> finalized` only after a
 * validation ran; `failed` resumes only into a state reached before — or `prechecking` — and,
 * after cutover completed, only into `awaiting_client_switch` / `validating`).
 */
export function transitionProblem(
  history: readonly JournalEntry[],
  to: MigrationState,
  detail: Readonly<Record<string, unknown>>,
): TransitionProblem | undefined {
  const last = history.at(-1);
  if (last === undefined) return firstEntryProblem(to, detail);
  const from = last.to;
  if (isTerminal(from)) {
    return {
      message: `migration is ${from}; no transition may follow it (refused ${from} -> ${to})`,
      fix: 'Start a new migration with a new --migration-id to migrate again.',
    };
  }
  if (!TRANSITIONS[from].includes(to)) {
    return {
      message: `transition ${from} -> ${to} is not allowed (${from} may go to: ${TRANSITIONS[from].join(', ')})`,
      fix: 'Run `kraft-migrate status` to see the current state and the next action.',
    };
  }
  const completed = firstReached(history, 'awaiting_client_switch');
  const switched = firstReached(history, 'validating');
  if (to === 'rolled_back' && switched) {
    return {
      message: `rollback is allowed only until the client switch is confirmed: cutover-ack confirmed it at ${switched.ts} (journal seq ${switched.seq}), so clients already use the target`,
      fix: 'The target is authoritative now: repair the affected partitions (`kraft-migrate repair`) and finalize instead; to go back, migrate the target to a new cluster.',
    };
  }
  return from === 'failed' ? resumeProblem(history, to, completed) : undefined;
}

function firstEntryProblem(to: MigrationState, detail: Readonly<Record<string, unknown>>) {
  if (to !== 'planned') {
    return {
      message: `a journal starts with planned, not ${to}`,
      fix: 'Append the planned entry (with the config fingerprint) first.',
    };
  }
  const fp = detail[FINGERPRINT_KEY];
  if (typeof fp !== 'string' || !HEX64.test(fp)) {
    return {
      message: `the first journal entry must carry detail.${FINGERPRINT_KEY} (64 hex digits)`,
      fix: 'Pass the resume fingerprint (core/domain/identity.ts resumeFingerprint) in the planned entry.',
    };
  }
  return undefined;
}

function resumeProblem(
  history: readonly JournalEntry[],
  to: MigrationState,
  completed: JournalEntry | undefined,
): TransitionProblem | undefined {
  if (to === 'rolled_back') return undefined;
  if (to === 'finalized') {
    return firstReached(history, 'validating')
      ? undefined
      : {
          message:
            'failed -> finalized is allowed only after a validation has run; this migration never reached validating',
          fix: 'Resume the migration; finalize after cutover-ack and validation.',
        };
  }
  if (completed && !POST_CUTOVER_RESUME_STATES.includes(to)) {
    return {
      message: `cannot resume into ${to}: cutover completed at ${completed.ts} (journal seq ${completed.seq})`,
      fix: 'After cutover only awaiting_client_switch, validating or finalized may follow failed: repair, then finalize.',
    };
  }
  if (to !== 'prechecking' && !firstReached(history, to)) {
    return {
      message: `cannot resume into ${to}: the migration never reached it`,
      fix: 'Resume into the state that failed or an earlier one.',
    };
  }
  return undefined;
}
