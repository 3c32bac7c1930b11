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
  /**
   * Lambda: journals `drain_ready -> cutting_over` and hands FreezeProducers its timeout in seconds
   * (max_producer_freeze is a duration string; TimeoutSecondsPath needs a number).
   */
  startCutover: 'StartCutover',
  /**
   * Lambda .waitForTaskToken, TimeoutSeconds = cutover.max_producer_freeze: asks the freeze system
   * (webhook) or the operator (`kraft-migrate cutover` in a terminal) to stop the producers.
   */
  freezeProducers: 'FreezeProducers',
  /** Lambda: the source end offsets of every selected partition must stop moving. */
  verifyFreeze: 'VerifyFreeze',
  /** Lambda: one sentinel record per selected source partition. */
  placeSentinels: 'PlaceSentinels',
  /** Lambda: every sentinel on the target and lag 0; records the cutover snapshot. Retried until drained. */
  finalDrain: 'FinalDrain',
  /** Lambda: translates and commits every selected group's offsets on the target (round `cutover`). */
  translateOffsets: 'TranslateOffsets',
  /** Lambda: the target's log start has not passed the first copied record nor a translated offset. */
  logStartGuard: 'LogStartGuard',
  /** Lambda .waitForTaskToken: READY_FOR_CLIENT_SWITCH until `kraft-migrate cutover-ack`. */
  awaitClientSwitch: 'AwaitClientSwitch',
  /** Lambda: translates again for consumers stopped late on the source (round `ack`); journals `-> validating`. */
  confirmClientSwitch: 'ConfirmClientSwitch',
  /** Lambda: the four validation checks (SPEC §6.5); the report is stored for SignEvidence. */
  validate: 'Validate',
  /** Lambda: signs and uploads the evidence; journals `-> finalized` or `validating -> failed`. */
  signEvidence: 'SignEvidence',
  /** Choice: validation PASSED → Finalized, else ValidationFailed (its evidence is written already). */
  validationPassed: 'ValidationPassed',
  /** Succeed: the migration is finalized with signed evidence. */
  finalized: 'Finalized',
  /** Fail: validation failed; the journal says `validating -> failed …` with the evidence's URL. */
  validationFailed: 'ValidationFailed',
  /** Lambda on the failure route of every state after the freeze: unfreezes producers (best effort). */
  unfreeze: 'Unfreeze',
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
  STATE_NAMES.startCutover,
  STATE_NAMES.freezeProducers,
  STATE_NAMES.verifyFreeze,
  STATE_NAMES.placeSentinels,
  STATE_NAMES.finalDrain,
  STATE_NAMES.translateOffsets,
  STATE_NAMES.logStartGuard,
  STATE_NAMES.awaitClientSwitch,
  STATE_NAMES.confirmClientSwitch,
  STATE_NAMES.validate,
  STATE_NAMES.signEvidence,
  STATE_NAMES.unfreeze,
] as const;

/** Task states that run the copier container (locally: `node fargate-copier/main.ts` child processes). */
export const COPIER_TASKS = [STATE_NAMES.seedShard, STATE_NAMES.startTail, STATE_NAMES.restartTail] as const;

/** Named task-token gates, answered by `kraft-migrate <gate>` or `callback --token`. */
export const TOKEN_GATES = {
  cutover: STATE_NAMES.awaitCutoverApproval,
  /** The operator's manual freeze confirmation (answered by `kraft-migrate cutover` in a terminal). */
  freeze: STATE_NAMES.freezeProducers,
  'cutover-ack': STATE_NAMES.awaitClientSwitch,
} as const satisfies Record<string, StateName>;

/**
 * How long VerifyFreeze watches the source end offsets (high watermark, read_uncommitted) after the
 * freeze is reported: a partition whose end offset moves in this window has a producer bypassing
 * the freeze. A constant, not a config key: long enough for in-flight produce requests (lingering
 * batches, retries) to land, short against max_producer_freeze.
 */
export const FREEZE_VERIFY_WINDOW_MS = 3_000;

/** How often FinalDrain is retried (TransientError) while the sentinels are not all on the target. */
export const FINAL_DRAIN_RETRY = { intervalSeconds: 1, backoffRate: 1.5, maxAttempts: 20 } as const;

/** AwaitClientSwitch waits this long for `cutover-ack`; after it, producers are unfrozen on the source. */
export const CLIENT_SWITCH_TIMEOUT_SECONDS = 7 * 24 * 3600;

/** Seconds between two polls of the WaitForDrain loop. */
export const DRAIN_POLL_SECONDS = 5;
