import { PreconditionError } from '../errors.ts';
import type { JournalEntry } from '../journal/entry.ts';
import { currentState } from '../journal/journal.ts';
import { firstReached, transitionProblem } from '../journal/rules.ts';
import type { MigrationState } from '../journal/states.ts';

/**
 * Where CopyTopology moves the journal. It runs after Precheck and before the Seed Map, and is
 * re-run on every resume (it is idempotent), so:
 *
 *  - `enter`: `prechecking -> copying_topology` before touching the target (also `failed ->
 *    copying_topology` when the failure came before the seed started);
 *  - `leave`: `-> seeding` once the topics exist with leaders (the next states are the copier
 *    tasks of the Seed Map, which do not journal; CheckDrain takes it on from `seeding`).
 *
 * Already at `copying_topology`: only leave. At `seeding`, `tailing` or `drain_ready` (a re-run
 * while the copy runs): neither — the topology is checked and completed without moving the
 * migration back. From `cutting_over` on, after the client switch (even when `failed` since), in
 * a terminal state, or before precheck: refused, because the target is (or is about to become)
 * authoritative and topology changes there are the operator's.
 */
export interface TopologyJournalMoves {
  readonly enter: boolean;
  readonly leave: boolean;
}

const RUNNING_COPY: readonly MigrationState[] = ['seeding', 'tailing', 'drain_ready'];

export function topologyJournalMoves(history: readonly JournalEntry[]): TopologyJournalMoves {
  const state = currentState(history);
  const refuse = (why: string, fix: string) =>
    new PreconditionError(`topology copy refused: ${why}`, { code: 'TOPOLOGY_STATE', fix });
  if (state === undefined || state === 'planned') {
    throw refuse(
      `the migration is ${state ?? 'not journaled yet'}; precheck has not run`,
      'Run the workflow from the start (`kraft-migrate execute`): Precheck runs before CopyTopology.',
    );
  }
  const completed = firstReached(history, 'awaiting_client_switch');
  if (completed || state === 'cutting_over' || state === 'finalized' || state === 'rolled_back') {
    throw refuse(
      `the migration is ${state}${completed ? ` and reached awaiting_client_switch at ${completed.ts}` : ''}; the target topology is no longer changed by kraft-migrate`,
      'Change topics and ACLs on the target yourself, or start a new migration with a new migration_id.',
    );
  }
  if (state === 'prechecking') return { enter: true, leave: true };
  if (state === 'copying_topology') return { enter: false, leave: true };
  if (RUNNING_COPY.includes(state)) return { enter: false, leave: false };
  // failed: resume into copying_topology when the seed never started, else straight into seeding
  if (state === 'failed') {
    if (!firstReached(history, 'seeding')) {
      const problem = transitionProblem(history, 'copying_topology', {});
      if (problem) throw refuse(problem.message, problem.fix);
      return { enter: true, leave: true };
    }
    const problem = transitionProblem(history, 'seeding', {});
    if (problem) throw refuse(problem.message, problem.fix);
    return { enter: false, leave: true };
  }
  throw refuse(
    `the migration is ${state}`,
    'Run `kraft-migrate status` to see the current state and the next action.',
  );
}
