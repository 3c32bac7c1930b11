/**
 * The Step Functions workflow, as the domain knows it: every state name of the ASL (infra/ builds
 * the graph from these constants, the local runner maps Task states to handlers by these names,
 * and a test checks that the synthesized ASL has exactly these states). The graph grows as
 * capabilities land; no placeholder states.
 */
export const STATE_NAMES = {
  validateInput: 'ValidateInput',
  precheck: 'Precheck',
  checkBlockers: 'BlockersFound',
  /**
   * Pass state on ValidateInput's failure route: wraps the caught `{Error, Cause}` as `{error}`, the
   * shape RecordFailure reads (there is no config to journal yet). A Catch `ResultPath: $.error`
   * cannot do this: it fails with States.ResultPathMatchFailure when the execution input is not a
   * JSON object, and it would pass stray top-level input keys (`config`, `precheck`) on.
   */
  inputNotValidated: 'InputNotValidated',
  recordFailure: 'RecordFailure',
  failed: 'MigrationFailed',
  precheckPassed: 'PrecheckPassed',
} as const;

export type StateName = (typeof STATE_NAMES)[keyof typeof STATE_NAMES];

/** Every state the ASL must contain, in graph order. */
export const WORKFLOW_STATE_NAMES: readonly StateName[] = Object.values(STATE_NAMES);

/** Task states that are Lambda invocations (handled in-process by the local runner). */
export const LAMBDA_TASKS = [
  STATE_NAMES.validateInput,
  STATE_NAMES.precheck,
  STATE_NAMES.recordFailure,
] as const;

/** Named task-token gates, answered by `kraft-migrate <gate>` or `callback --token`. */
export const TOKEN_GATES = {} as const satisfies Record<string, StateName>;
