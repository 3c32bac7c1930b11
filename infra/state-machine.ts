import { Duration, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { z } from 'zod';
import {
  precheckOutput,
  recordFailureOutput,
  signEvidenceOutput,
  validateInputOutput,
  validateStepOutput,
} from '../core/domain/contracts.ts';
import { SEED_COPIER_ATTEMPTS, SEED_RETRY_INTERVAL_SECONDS } from '../core/domain/copy/seed-plan.ts';
import { checkDrainOutput } from '../core/domain/drain.ts';
import { ERROR_NAMES, type ErrorName } from '../core/domain/errors.ts';
import {
  confirmClientSwitchOutput,
  startCutoverOutput,
  unfreezeOutput,
  verifyFreezeOutput,
} from '../core/domain/freeze.ts';
import {
  CLIENT_SWITCH_TIMEOUT_SECONDS,
  DRAIN_POLL_SECONDS,
  FINAL_DRAIN_RETRY,
  STATE_NAMES,
} from '../core/domain/workflow.ts';
import { type Copier, SEED_COPIER_HEAP_MIB } from './copier.ts';
import type { LambdaTask, TaskFunction } from './functions.ts';

/**
 * The migration workflow (SPEC §7) as a Step Functions state machine, built only from the domain's
 * constants: state names from STATE_NAMES, error names from ERROR_NAMES, payload fields from the
 * zod contracts. The same ASL runs locally under aws-local-stepfunctions (Tasks mapped to the same
 * handlers by state name), so it stays JSONPath-only: no QueryLanguage/Arguments/Output/Assign,
 * and never `ResultPath: "$"` (aws-local-stepfunctions 3.0.0 writes the result to a key named "$"
 * instead of replacing the input; an omitted ResultPath means the same thing and works in both).
 *
 * Data on each route (what RecordFailure's `Payload.$: "$"` sees; recordFailureInput strips the
 * rest):
 *   ValidateInput fails       → {Error, Cause}           → InputNotValidated → {error}
 *   Precheck fails            → {config, error}
 *   BlockersFound is BLOCKED  → {config, precheck}
 *   StartCutover fails        → {config, precheck, …, error}
 *   a state after the freeze  → {config, precheck, …, error} → Unfreeze → RecordFailure
 */

/** Lambda service errors worth retrying (what LambdaInvoke's default retry covers, plus throttling). */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

/** An error name of our catalogue; fails synth (not only type checking) for a name that is not. */
function catalogue(name: ErrorName): ErrorName {
  if (!(ERROR_NAMES as readonly string[]).includes(name)) {
    throw new Error(`${name} is not in ERROR_NAMES (core/domain/errors.ts)`);
  }
  return name;
}

/** `{field.$: $.Payload.field}` for every field of a task's output contract (all must be required). */
function payloadFields(schema: z.ZodObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    if ((field as z.ZodType).safeParse(undefined).success) {
      throw new Error(
        `output field ${key} is optional: a JSONPath selector on a missing field fails the state`,
      );
    }
    out[`${key}.$`] = `$.Payload.${key}`;
  }
  return out;
}

export interface WorkflowProps {
  readonly migrationName: string;
  readonly functions: Readonly<Record<LambdaTask, TaskFunction>>;
  /** The copier's cluster, task definition and container (Seed and Tail run it). */
  readonly copier: Copier;
  /** Where copier tasks run: the subnets and security groups that reach both clusters. */
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroups: readonly ec2.ISecurityGroup[];
}

export class Workflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const fn = (state: LambdaTask): lambda.IFunction => props.functions[state].fn;
    /** A bit longer than the function's own timeout, so a hung invocation ends as a Lambda timeout. */
    const taskTimeout = (state: LambdaTask) =>
      sfn.Timeout.duration(props.functions[state].spec.timeout.plus(Duration.seconds(30)));

    const retryLambdaService = (task: sfn.TaskStateBase) =>
      task.addRetry({
        errors: [...LAMBDA_SERVICE_ERRORS],
        interval: Duration.seconds(2),
        backoffRate: 2,
        maxAttempts: 6,
      });
    const retryTransient = (task: sfn.TaskStateBase) =>
      task.addRetry({
        errors: [catalogue('TransientError')],
        interval: Duration.seconds(2),
        backoffRate: 2,
        maxAttempts: 5,
      });
    const stopErrors = [
      catalogue('InvalidInputError'),
      catalogue('PreconditionError'),
      catalogue('InvariantError'),
    ];

    // --- failure route -----------------------------------------------------------------------
    const migrationFailed = new sfn.Fail(this, STATE_NAMES.failed, {
      stateName: STATE_NAMES.failed,
      comment: 'The error and cause come from RecordFailure, which names the original error.',
      errorPath: '$.failure.error',
      causePath: '$.failure.cause',
    });

    const recordFailure = new tasks.LambdaInvoke(this, STATE_NAMES.recordFailure, {
      stateName: STATE_NAMES.recordFailure,
      comment: 'Journals `<state> -> failed` when there is a journal; never throws by design (no Catch).',
      lambdaFunction: fn(STATE_NAMES.recordFailure),
      payload: sfn.TaskInput.fromJsonPathAt('$'),
      resultSelector: payloadFields(recordFailureOutput),
      resultPath: '$.failure',
      retryOnServiceExceptions: false,
      taskTimeout: taskTimeout(STATE_NAMES.recordFailure),
    });
    retryLambdaService(recordFailure);
    recordFailure.next(migrationFailed);

    const inputNotValidated = new sfn.Pass(this, STATE_NAMES.inputNotValidated, {
      stateName: STATE_NAMES.inputNotValidated,
      comment: 'ValidateInput failed: there is no config, so only the caught error goes to RecordFailure.',
      parameters: { 'error.$': '$' },
    });
    inputNotValidated.next(recordFailure);

    // --- main route --------------------------------------------------------------------------
    const validateInput = new tasks.LambdaInvoke(this, STATE_NAMES.validateInput, {
      stateName: STATE_NAMES.validateInput,
      comment: 'The execution input is the migration config; validated exactly as the CLI does.',
      lambdaFunction: fn(STATE_NAMES.validateInput),
      payload: sfn.TaskInput.fromJsonPathAt('$'),
      resultSelector: payloadFields(validateInputOutput),
      // No resultPath: the validated {config} replaces the raw input.
      retryOnServiceExceptions: false,
      taskTimeout: taskTimeout(STATE_NAMES.validateInput),
    });
    retryTransient(validateInput);
    retryLambdaService(validateInput);
    // No resultPath: the caught {Error, Cause} replaces the input, whatever JSON the input was.
    validateInput.addCatch(inputNotValidated, { errors: stopErrors });
    validateInput.addCatch(inputNotValidated, { errors: [sfn.Errors.ALL] });

    const precheck = new tasks.LambdaInvoke(this, STATE_NAMES.precheck, {
      stateName: STATE_NAMES.precheck,
      comment: 'Opens or resumes the journal and evaluates every precheck rule; blockers are a result.',
      lambdaFunction: fn(STATE_NAMES.precheck),
      payload: sfn.TaskInput.fromObject({ 'config.$': '$.config' }),
      resultSelector: payloadFields(precheckOutput),
      resultPath: '$.precheck',
      retryOnServiceExceptions: false,
      taskTimeout: taskTimeout(STATE_NAMES.precheck),
    });
    retryTransient(precheck);
    retryLambdaService(precheck);
    precheck.addCatch(recordFailure, { errors: stopErrors, resultPath: '$.error' });
    precheck.addCatch(recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

    // --- copy route (SPEC §6.1–6.3) ---------------------------------------------------------------
    const copyTopology = new tasks.LambdaInvoke(this, STATE_NAMES.copyTopology, {
      stateName: STATE_NAMES.copyTopology,
      comment:
        'Topics with the source partition counts, copyable configs, ACLs; the seed plan to S3 (shard ids here). Idempotent.',
      lambdaFunction: fn(STATE_NAMES.copyTopology),
      payload: sfn.TaskInput.fromObject({
        'config.$': '$.config',
        'migration_id.$': '$.precheck.migration_id',
      }),
      resultSelector: {
        'seed_shard_ids.$': '$.Payload.seed_shard_ids',
        'seed_plan_key.$': '$.Payload.seed_plan_key',
        'partition_count.$': '$.Payload.partition_count',
        'max_parallel_copiers.$': '$.Payload.max_parallel_copiers',
        'copier_config_json.$': '$.Payload.copier_config_json',
        'seed_bytes.$': '$.Payload.seed_bytes',
      },
      resultPath: '$.topology',
      retryOnServiceExceptions: false,
      taskTimeout: taskTimeout(STATE_NAMES.copyTopology),
    });

    // The copier gets its part of the config (CopyTopology's copier_config_json: clusters, topics,
    // buckets, seed settings), never the whole: overrides are visible in DescribeTasks and in the
    // execution history, and the copier needs neither the webhook secret nor the signing settings.
    const copierEnv = (
      mode: 'seed' | 'tail',
      configPath: string,
      migrationIdPath: string,
      extra: tasks.TaskEnvironmentVariable[],
    ) => [
      // Already JSON text (CopyTopology serialises it): no States.JsonToString, whose local
      // interpreter (aws-local-stepfunctions 3.0.0) deletes every backslash of its result, so a
      // topics.include like `orders-\\d+` would reach the copier as `orders-d+`.
      { name: 'KRAFT_MIGRATE_CONFIG', value: sfn.JsonPath.stringAt(configPath) },
      { name: 'KRAFT_MIGRATE_MIGRATION_ID', value: sfn.JsonPath.stringAt(migrationIdPath) },
      { name: 'KRAFT_MIGRATE_MODE', value: mode },
      ...extra,
    ];
    const copierTask = (
      name: string,
      comment: string,
      pattern: sfn.IntegrationPattern,
      env: tasks.TaskEnvironmentVariable[],
      result: { resultSelector?: Record<string, string>; resultPath?: string } = {
        resultPath: sfn.JsonPath.DISCARD,
      },
    ) =>
      new tasks.EcsRunTask(this, name, {
        stateName: name,
        comment,
        integrationPattern: pattern,
        cluster: props.copier.cluster,
        taskDefinition: props.copier.taskDefinition,
        launchTarget: new tasks.EcsFargateLaunchTarget({
          platformVersion: ecs.FargatePlatformVersion.LATEST,
        }),
        subnets: props.subnets,
        securityGroups: [...props.securityGroups],
        containerOverrides: [{ containerDefinition: props.copier.container, environment: env }],
        ...result,
      });

    // The shard's partitions are not in the state nor in the overrides: the copier reads them from
    // the seed plan CopyTopology wrote (`<segments>/<id>/plan/shard-<id>.json`).
    const seedShard = copierTask(
      STATE_NAMES.seedShard,
      'The copier in seed mode for one shard of the plan in S3: log start → boundary, staged in S3 and produced to the target.',
      sfn.IntegrationPattern.RUN_JOB,
      copierEnv('seed', '$.copier_config_json', '$.migration_id', [
        { name: 'KRAFT_MIGRATE_SHARD_ID', value: sfn.JsonPath.stringAt('$.shard_id') },
        // In place of the task definition's (3/4 of the task memory, what the tail needs): a seed
        // copier's live heap stays small whatever it owns, and V8 would let garbage grow with it.
        { name: 'NODE_OPTIONS', value: `--max-old-space-size=${SEED_COPIER_HEAP_MIB}` },
      ]),
    );
    // A dying copier (OOM, Fargate interruption, broker restart) is retried here, not by the
    // operator: the retry resumes exactly from the checkpoints. Every attempt is in the execution
    // history (and in the local runner's timeline: `SeedShard retry #n (States.TaskFailed)`); the
    // spent budget fails the execution with the last task's stop reason as the cause.
    seedShard.addRetry({
      errors: ['States.TaskFailed'],
      interval: Duration.seconds(SEED_RETRY_INTERVAL_SECONDS),
      backoffRate: 2,
      maxAttempts: SEED_COPIER_ATTEMPTS - 1,
    });
    const seed = new sfn.Map(this, STATE_NAMES.seed, {
      stateName: STATE_NAMES.seed,
      comment: 'One copier per shard id; a restarted shard resumes exactly from its checkpoints.',
      itemsPath: '$.topology.seed_shard_ids',
      itemSelector: {
        'copier_config_json.$': '$.topology.copier_config_json',
        'migration_id.$': '$.precheck.migration_id',
        'shard_id.$': '$$.Map.Item.Value',
      },
      maxConcurrencyPath: '$.topology.max_parallel_copiers',
      resultPath: sfn.JsonPath.DISCARD,
    });
    seed.itemProcessor(seedShard);

    const tailEnv = copierEnv('tail', '$.topology.copier_config_json', '$.precheck.migration_id', [
      { name: 'KRAFT_MIGRATE_SHARD_ID', value: 'all' },
    ]);
    /** The tail's task ARN at `$.tail.task_arn` (StopTail stops it before RestartTail). */
    const tailResult = { resultSelector: { 'task_arn.$': '$.Tasks[0].TaskArn' }, resultPath: '$.tail' };
    const startTail = copierTask(
      STATE_NAMES.startTail,
      'The copier in tail mode over every partition, from the seed boundaries on; runs through cutover.',
      sfn.IntegrationPattern.REQUEST_RESPONSE,
      tailEnv,
      tailResult,
    );
    // CheckDrain finds the tail gone (failed, stopped or silent): stop what is left of it (a task
    // that cannot report may still write; one writer per partition) and start it again, at most
    // TAIL_STARTS - 1 times; then CheckDrain fails the execution with TAIL_FAILED.
    const stopTail = new tasks.CallAwsService(this, STATE_NAMES.stopTail, {
      stateName: STATE_NAMES.stopTail,
      comment: 'Stops the tail task CheckDrain found gone, before RestartTail starts another.',
      service: 'ecs',
      action: 'stopTask',
      parameters: {
        Cluster: props.copier.cluster.clusterArn,
        Task: sfn.JsonPath.stringAt('$.tail.task_arn'),
        Reason: 'kraft-migrate: the tail stopped reporting; the workflow restarts it',
      },
      iamAction: 'ecs:StopTask',
      iamResources: [
        Stack.of(this).formatArn({
          service: 'ecs',
          resource: 'task',
          resourceName: `${props.copier.cluster.clusterName}/*`,
        }),
      ],
      resultPath: sfn.JsonPath.DISCARD,
    });
    const restartTail = copierTask(
      STATE_NAMES.restartTail,
      'The tail again, from its checkpoints (CheckDrain found the previous one gone).',
      sfn.IntegrationPattern.REQUEST_RESPONSE,
      tailEnv,
      tailResult,
    );
    stopTail.next(restartTail);

    const initDrain = new sfn.Pass(this, STATE_NAMES.initDrain, {
      stateName: STATE_NAMES.initDrain,
      result: sfn.Result.fromObject({ checks: 0 }),
      resultPath: '$.drain',
    });
    const checkDrain = new tasks.LambdaInvoke(this, STATE_NAMES.checkDrain, {
      stateName: STATE_NAMES.checkDrain,
      comment:
        'Lag per partition from the tail status; drain_ready after drain_stable_window, or drain_timeout.',
      lambdaFunction: fn(STATE_NAMES.checkDrain),
      payload: sfn.TaskInput.fromObject({
        'config.$': '$.config',
        'migration_id.$': '$.precheck.migration_id',
        'expected_partitions.$': '$.topology.partition_count',
        'drain.$': '$.drain',
      }),
      resultSelector: payloadFields(checkDrainOutput),
      resultPath: '$.drain',
      retryOnServiceExceptions: false,
      taskTimeout: taskTimeout(STATE_NAMES.checkDrain),
    });
    const waitForDrain = new sfn.Wait(this, STATE_NAMES.waitForDrain, {
      stateName: STATE_NAMES.waitForDrain,
      time: sfn.WaitTime.duration(Duration.seconds(DRAIN_POLL_SECONDS)),
    });
    waitForDrain.next(checkDrain);
    restartTail.next(waitForDrain);

    const awaitApproval = new tasks.LambdaInvoke(this, STATE_NAMES.awaitCutoverApproval, {
      stateName: STATE_NAMES.awaitCutoverApproval,
      comment: 'Waits for `kraft-migrate cutover` (or SendTaskSuccess with the recorded token).',
      lambdaFunction: fn(STATE_NAMES.awaitCutoverApproval),
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: sfn.TaskInput.fromObject({
        'config.$': '$.config',
        'migration_id.$': '$.precheck.migration_id',
        task_token: sfn.JsonPath.taskToken,
      }),
      resultPath: '$.approval',
      retryOnServiceExceptions: false,
    });
    // --- cutover route (SPEC §6.4) ----------------------------------------------------------------
    const cutoverPayload = (extra: Record<string, unknown> = {}) =>
      sfn.TaskInput.fromObject({
        'config.$': '$.config',
        'migration_id.$': '$.precheck.migration_id',
        ...extra,
      });
    const cutoverTask = (
      state: LambdaTask,
      comment: string,
      resultPath: string,
      extra: { payload?: Record<string, unknown>; resultSelector?: Record<string, string> } = {},
    ) =>
      new tasks.LambdaInvoke(this, state, {
        stateName: state,
        comment,
        lambdaFunction: fn(state),
        payload: cutoverPayload(extra.payload),
        resultSelector: extra.resultSelector ?? { 'result.$': '$.Payload' },
        resultPath,
        retryOnServiceExceptions: false,
        taskTimeout: taskTimeout(state),
      });

    const unfreeze = cutoverTask(
      STATE_NAMES.unfreeze,
      'Failure route of every state after the freeze: webhook {action:"unfreeze"} (best effort; never throws by design).',
      '$.unfreeze',
      { payload: { 'error.$': '$.error' }, resultSelector: payloadFields(unfreezeOutput) },
    );
    retryLambdaService(unfreeze);
    unfreeze.addCatch(recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.unfreeze_error' });
    unfreeze.next(recordFailure);

    const startCutover = cutoverTask(
      STATE_NAMES.startCutover,
      'Journals drain_ready -> cutting_over; FreezeProducers gets max_producer_freeze in seconds.',
      '$.cutover.start',
      { resultSelector: payloadFields(startCutoverOutput) },
    );
    const freezeProducers = new tasks.LambdaInvoke(this, STATE_NAMES.freezeProducers, {
      stateName: STATE_NAMES.freezeProducers,
      comment:
        'Webhook {action:"freeze"} (200: frozen now, 202: the freeze system answers the token) or the operator (`kraft-migrate cutover`).',
      lambdaFunction: fn(STATE_NAMES.freezeProducers),
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: cutoverPayload({ task_token: sfn.JsonPath.taskToken }),
      // TimeoutSeconds = cutover.max_producer_freeze (StartCutover's result).
      taskTimeout: sfn.Timeout.at('$.cutover.start.freeze_timeout_seconds'),
      resultPath: '$.cutover.freeze',
      retryOnServiceExceptions: false,
    });
    const verifyFreeze = cutoverTask(
      STATE_NAMES.verifyFreeze,
      'The source end offsets of every selected partition must stop moving for FREEZE_VERIFY_WINDOW_MS.',
      '$.cutover.verify',
      { resultSelector: payloadFields(verifyFreezeOutput) },
    );
    const placeSentinels = cutoverTask(
      STATE_NAMES.placeSentinels,
      'One sentinel record per selected source partition; recorded in the journal and an S3 artifact.',
      '$.cutover.sentinels',
    );
    const finalDrain = cutoverTask(
      STATE_NAMES.finalDrain,
      'Every sentinel on the target and lag 0; records the cutover snapshot. TransientError while not drained.',
      '$.cutover.drain',
    );
    const translateOffsets = cutoverTask(
      STATE_NAMES.translateOffsets,
      "Translates every selected group's committed offsets through the offset map and commits them on the target.",
      '$.cutover.translation',
    );
    const logStartGuard = cutoverTask(
      STATE_NAMES.logStartGuard,
      "The target's log start has not passed the first copied record nor any translated offset.",
      '$.cutover.guard',
    );
    const awaitClientSwitch = new tasks.LambdaInvoke(this, STATE_NAMES.awaitClientSwitch, {
      stateName: STATE_NAMES.awaitClientSwitch,
      comment:
        'Journals cutting_over -> awaiting_client_switch (READY_FOR_CLIENT_SWITCH); waits for `kraft-migrate cutover-ack`.',
      lambdaFunction: fn(STATE_NAMES.awaitClientSwitch),
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: cutoverPayload({ task_token: sfn.JsonPath.taskToken }),
      taskTimeout: sfn.Timeout.duration(Duration.seconds(CLIENT_SWITCH_TIMEOUT_SECONDS)),
      resultPath: '$.cutover.ack',
      retryOnServiceExceptions: false,
    });
    const confirmClientSwitch = cutoverTask(
      STATE_NAMES.confirmClientSwitch,
      'Translation round `ack` (consumers stopped late on the source); journals awaiting_client_switch -> validating.',
      '$.cutover.confirm',
      {
        payload: { 'ack.$': '$.cutover.ack' },
        resultSelector: payloadFields(confirmClientSwitchOutput),
      },
    );
    // --- proof (SPEC §6.5, §6.6): after the client switch producers write to the target, so a
    // failure here is journaled without an unfreeze.
    const validate = cutoverTask(
      STATE_NAMES.validate,
      'counts_and_offsets, spot_check_records, sentinel_presence, consumer_offsets; the report is stored for SignEvidence.',
      '$.validation',
      { resultSelector: payloadFields(validateStepOutput) },
    );
    const signEvidence = cutoverTask(
      STATE_NAMES.signEvidence,
      'Signed evidence to <evidence>/migrations/<id>/ (also for a failed validation); journals finalized or failed.',
      '$.evidence',
      { payload: { 'validation.$': '$.validation' }, resultSelector: payloadFields(signEvidenceOutput) },
    );
    const finalized = new sfn.Succeed(this, STATE_NAMES.finalized, {
      stateName: STATE_NAMES.finalized,
      comment: 'Finalized: validation PASSED, evidence signed and uploaded.',
    });
    const validationFailed = new sfn.Fail(this, STATE_NAMES.validationFailed, {
      stateName: STATE_NAMES.validationFailed,
      error: catalogue('PreconditionError'),
      cause:
        'validation FAILED: the journal names the failed check and the evidence; repair, then `kraft-migrate finalize`',
    });
    const validationPassed = new sfn.Choice(this, STATE_NAMES.validationPassed, {
      stateName: STATE_NAMES.validationPassed,
    })
      .when(sfn.Condition.stringEquals('$.evidence.validation', 'PASSED'), finalized)
      .otherwise(validationFailed);
    for (const task of [validate, signEvidence]) {
      retryTransient(task);
      retryLambdaService(task);
      task.addCatch(recordFailure, { errors: stopErrors, resultPath: '$.error' });
      task.addCatch(recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    }

    startCutover.addCatch(recordFailure, { errors: stopErrors, resultPath: '$.error' });
    startCutover.addCatch(recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    const frozenRoute = [
      freezeProducers,
      verifyFreeze,
      placeSentinels,
      finalDrain,
      translateOffsets,
      logStartGuard,
      awaitClientSwitch,
      confirmClientSwitch,
    ];
    finalDrain.addRetry({
      errors: [catalogue('TransientError')],
      interval: Duration.seconds(FINAL_DRAIN_RETRY.intervalSeconds),
      backoffRate: FINAL_DRAIN_RETRY.backoffRate,
      maxAttempts: FINAL_DRAIN_RETRY.maxAttempts,
    });
    for (const task of [startCutover, ...frozenRoute]) {
      if (task !== finalDrain) retryTransient(task);
      retryLambdaService(task);
    }
    // The freeze may already be in force when any of these fails (a 202 answered late, a timeout):
    // every one of them unfreezes first (Unfreeze knows from the freeze record whether to call).
    for (const task of frozenRoute) {
      task.addCatch(unfreeze, { errors: stopErrors, resultPath: '$.error' });
      task.addCatch(unfreeze, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    }
    sfn.Chain.start(startCutover)
      .next(freezeProducers)
      .next(verifyFreeze)
      .next(placeSentinels)
      .next(finalDrain)
      .next(translateOffsets)
      .next(logStartGuard)
      .next(awaitClientSwitch)
      .next(confirmClientSwitch)
      .next(validate)
      .next(signEvidence)
      .next(validationPassed);

    awaitApproval.next(startCutover);
    const autoApprove = new sfn.Choice(this, STATE_NAMES.autoApprove, { stateName: STATE_NAMES.autoApprove })
      .when(sfn.Condition.booleanEquals('$.config.cutover.auto_approve', true), startCutover)
      .otherwise(awaitApproval);
    const drainReady = new sfn.Choice(this, STATE_NAMES.drainReady, { stateName: STATE_NAMES.drainReady })
      .when(sfn.Condition.booleanEquals('$.drain.ready', true), autoApprove)
      .when(sfn.Condition.booleanEquals('$.drain.restart_tail', true), stopTail)
      .otherwise(waitForDrain);

    for (const task of [copyTopology, checkDrain, awaitApproval]) {
      retryTransient(task);
      retryLambdaService(task);
    }
    for (const task of [copyTopology, seed, startTail, stopTail, restartTail, checkDrain, awaitApproval]) {
      task.addCatch(recordFailure, { errors: stopErrors, resultPath: '$.error' });
      task.addCatch(recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    }
    copyTopology.next(seed);
    seed.next(startTail);
    startTail.next(initDrain);
    initDrain.next(checkDrain);
    checkDrain.next(drainReady);

    const blockersFound = new sfn.Choice(this, STATE_NAMES.checkBlockers, {
      stateName: STATE_NAMES.checkBlockers,
      comment: 'Precheck blockers are a result, not an error: route them to RecordFailure.',
    })
      .when(
        sfn.Condition.stringEquals('$.precheck.overall', precheckOutput.shape.overall.enum.BLOCKED),
        recordFailure,
      )
      .otherwise(copyTopology);

    const definition = sfn.Chain.start(validateInput).next(precheck).next(blockersFound);

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: `kraft-migrate-${props.migrationName}`,
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment:
        'kraft-migrate: MSK ZooKeeper → KRaft migration (execution input = the migration config as JSON)',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
  }
}
