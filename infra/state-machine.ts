import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { z } from 'zod';
import { precheckOutput, recordFailureOutput, validateInputOutput } from '../core/domain/contracts.ts';
import { ERROR_NAMES, type ErrorName } from '../core/domain/errors.ts';
import { STATE_NAMES } from '../core/domain/workflow.ts';
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

    // Later issues replace this with CopyTopology → Seed → Tail → … (SPEC §7).
    const precheckPassed = new sfn.Succeed(this, STATE_NAMES.precheckPassed, {
      stateName: STATE_NAMES.precheckPassed,
      comment: 'End of the graph so far; CopyTopology and the copy phases follow in later releases.',
    });

    const blockersFound = new sfn.Choice(this, STATE_NAMES.checkBlockers, {
      stateName: STATE_NAMES.checkBlockers,
      comment: 'Precheck blockers are a result, not an error: route them to RecordFailure.',
    })
      .when(
        sfn.Condition.stringEquals('$.precheck.overall', precheckOutput.shape.overall.enum.BLOCKED),
        recordFailure,
      )
      .otherwise(precheckPassed);

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
