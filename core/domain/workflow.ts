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
  /** Lambda: creates topics, copies configs and ACLs (or access-map.json), shards the partitions. */
  copyTopology: 'CopyTopology',
  /** Map over the seed shards; each iteration is one SeedShard copier task. */
  seed: 'Seed',
  /** ECS RunTask .sync: the copier in seed mode for one shard of partitions. */
  seedShard: 'SeedShard',
  /** ECS RunTask (not .sync): the long-running copier in tail mode; it keeps running through cutover. */
  startTail: 'StartTail',
  /** Pass: starts the WaitForDrain loop's state at $.drain. */
  initDrain: 'InitDrain',
  /** Lambda: one poll of the tail's lag (WaitForDrain loop). */
  checkDrain: 'CheckDrain',
  drainReady: 'DrainReady',
  waitForDrain: 'WaitForDrain',
  /** ecs:stopTask: stops the tail CheckDrain found gone (failed, stopped or silent). */
  stopTail: 'StopTail',
  /** ECS RunTask (not .sync): the tail again, from its checkpoints (bounded: TAIL_STARTS). */
  restartTail: 'RestartTail',
  /** Choice: cutover.auto_approve skips the approval gate. */
  autoApprove: 'AutoApprove',
  /** Lambda .waitForTaskToken: the cutover approval gate (`kraft-migrate cutover`). */
  awaitCutoverApproval: 'AwaitCutoverApproval',
  /** End of the graph so far: cutover (freeze, sentinels, offsets) lands next. */
  cutoverApproved: 'CutoverApproved',
} as const;

export type StateName = (typeof STATE_NAMES)[keyof typeof STATE_NAMES];

/** Every state the ASL must contain, in graph order. */
export const WORKFLOW_STATE_NAMES: readonly StateName[] = Object.values(STATE_NAMES);

/** Task states that are Lambda invocations (handled in-process by the local runner). */
export const LAMBDA_TASKS = [
  STATE_NAMES.validateInput,
  STATE_NAMES.precheck,
  STATE_NAMES.recordFailure,
  STATE_NAMES.copyTopology,
  STATE_NAMES.checkDrain,
  STATE_NAMES.awaitCutoverApproval,
] as const;

/** Task states that run the copier container (locally: `node fargate-copier/main.ts` child processes). */
export const COPIER_TASKS = [STATE_NAMES.seedShard, STATE_NAMES.startTail, STATE_NAMES.restartTail] as const;

/** Named task-token gates, answered by `kraft-migrate <gate>` or `callback --token`. */
export const TOKEN_GATES = { cutover: STATE_NAMES.awaitCutoverApproval } as const satisfies Record<
  string,
  StateName
>;

/** Seconds between two polls of the WaitForDrain loop. */
export const DRAIN_POLL_SECONDS = 5;
