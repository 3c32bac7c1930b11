/**
 * Migration states (SPEC §4) and the transitions between them. infra/ imports MIGRATION_STATES so
 * the state machine and the journal cannot drift.
 */
export const MIGRATION_STATES = [
  'planned',
  'prechecking',
  'copying_topology',
  'seeding',
  'tailing',
  'drain_ready',
  'cutting_over',
  'awaiting_client_switch',
  'validating',
  'finalized',
  'failed',
  'rolled_back',
] as const;
export type MigrationState = (typeof MIGRATION_STATES)[number];

export const TERMINAL_STATES: readonly MigrationState[] = ['finalized', 'rolled_back'];

/** States a `failed` migration may resume into (further limited by its history, see journal/rules.ts). */
export const RESUME_STATES = [
  'prechecking',
  'copying_topology',
  'seeding',
  'tailing',
  'drain_ready',
  'cutting_over',
  'awaiting_client_switch',
  'validating',
] as const satisfies readonly MigrationState[];

/** States that may follow `failed` once cutover has completed (the target is then authoritative). */
export const POST_CUTOVER_RESUME_STATES: readonly MigrationState[] = ['awaiting_client_switch', 'validating'];

/**
 * The static transition table. Every non-terminal state may go to `failed`; `rolled_back` only
 * from states before the client switch is confirmed; `failed` may go to a resume state, to `finalized` (after a
 * repair, when validation passes) or to `rolled_back`. History-dependent limits (no rollback
 * after the client switch, no finalize without a validation, no resume to a state never reached)
 * live in rules.ts.
 */
export const TRANSITIONS: Readonly<Record<MigrationState, readonly MigrationState[]>> = {
  planned: ['prechecking', 'failed', 'rolled_back'],
  prechecking: ['copying_topology', 'failed', 'rolled_back'],
  copying_topology: ['seeding', 'failed', 'rolled_back'],
  seeding: ['tailing', 'failed', 'rolled_back'],
  tailing: ['drain_ready', 'failed', 'rolled_back'],
  /** back to tailing when lag rises above the threshold again before approval */
  drain_ready: ['cutting_over', 'tailing', 'failed', 'rolled_back'],
  cutting_over: ['awaiting_client_switch', 'failed', 'rolled_back'],
  /** rollback until the operator confirms the client switch (`cutover-ack` → validating) */
  awaiting_client_switch: ['validating', 'failed', 'rolled_back'],
  validating: ['finalized', 'failed'],
  failed: [...RESUME_STATES, 'finalized', 'rolled_back'],
  finalized: [],
  rolled_back: [],
};

export function isMigrationState(value: unknown): value is MigrationState {
  return typeof value === 'string' && (MIGRATION_STATES as readonly string[]).includes(value);
}

export function isTerminal(state: MigrationState): boolean {
  return TERMINAL_STATES.includes(state);
}
