import { Duration, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { z } from 'zod';
import { precheckOutput, recordFailureOutput, validateInputOutput } from '../core/domain/contracts.ts';
import { checkDrainOutput } from '../core/domain/drain.ts';
import { ERROR_NAMES, type ErrorName } from '../core/domain/errors.ts';
import { SEED_COPIER_ATTEMPTS, SEED_RETRY_INTERVAL_SECONDS } from '../core/domain/topology/seed.ts';
import { DRAIN_POLL_SECONDS, STATE_NAMES } from '../core/domain/workflow.ts';
import type { Copier } from './copier.ts';
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
        'copier_config.$': '$.Payload.copier_config',
        'seed_bytes.$': '$.Payload.seed_bytes',
      },
      resultPath: '$.topology',
      retryOnServiceExceptions: false,
      taskTimeout: taskTimeout(STATE_NAMES.copyTopology),
    });

    // The copier gets its part of the config (CopyTopology's copier_config: clusters, topics,
    // buckets, seed settings), never the whole: overrides are visible in DescribeTasks and in the
    // execution history, and the copier needs neither the webhook secret nor the signing settings.
    const copierEnv = (
      mode: 'seed' | 'tail',
      configPath: string,
      migrationIdPath: string,
      extra: tasks.TaskEnvironmentVariable[],
    ) => [
      { name: 'KRAFT_MIGRATE_CONFIG', value: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt(configPath)) },
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
      copierEnv('seed', '$.copier_config', '$.migration_id', [
        { name: 'KRAFT_MIGRATE_SHARD_ID', value: sfn.JsonPath.stringAt('$.shard_id') },
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
        'copier_config.$': '$.topology.copier_config',
        'migration_id.$': '$.precheck.migration_id',
        'shard_id.$': '$$.Map.Item.Value',
      },
      maxConcurrencyPath: '$.topology.max_parallel_copiers',
      resultPath: sfn.JsonPath.DISCARD,
    });
    seed.itemProcessor(seedShard);

    const tailEnv = copierEnv('tail', '$.topology.copier_config', '$.precheck.migration_id', [
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
    const cutoverApproved = new sfn.Succeed(this, STATE_NAMES.cutoverApproved, {
      stateName: STATE_NAMES.cutoverApproved,
      comment:
        'Cutover approved; the tail keeps running. Freeze, sentinels and offset translation follow in the next release.',
    });
    awaitApproval.next(cutoverApproved);
    const autoApprove = new sfn.Choice(this, STATE_NAMES.autoApprove, { stateName: STATE_NAMES.autoApprove })
      .when(sfn.Condition.booleanEquals('$.config.cutover.auto_approve', true), cutoverApproved)
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
