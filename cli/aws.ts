import { CreateScheduleCommand, FlexibleTimeWindowMode, SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { MigrationConfig } from '../core/domain/config/schema.ts';
import { InvalidInputError } from '../core/domain/errors.ts';

/**
 * The deployed state machine, driven from the CLI (`--runner aws`). Thin wrappers over
 * @aws-sdk/client-sfn and client-scheduler; clients are injectable so tests use aws-sdk-client-mock.
 */
export interface AwsClients {
  readonly sfn: SFNClient;
  readonly scheduler: SchedulerClient;
}

export function awsClients(region?: string): AwsClients {
  return {
    sfn: new SFNClient(region ? { region } : {}),
    scheduler: new SchedulerClient(region ? { region } : {}),
  };
}

/** The state machine to talk to: --state-machine-arn, else KRAFT_MIGRATE_STATE_MACHINE_ARN. */
export function stateMachineArn(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const arn = flag ?? env['KRAFT_MIGRATE_STATE_MACHINE_ARN'];
  if (!arn?.startsWith('arn:')) {
    throw new InvalidInputError(
      'no state machine to run: --runner aws needs the deployed state machine ARN',
      {
        code: 'AWS_NO_STATE_MACHINE',
        fix: 'Pass --state-machine-arn (the StateMachineArn output of `cdk deploy`) or set KRAFT_MIGRATE_STATE_MACHINE_ARN.',
      },
    );
  }
  return arn;
}

/**
 * The execution input is visible in the console and in the execution history: refuse any plain
 * secret in it (SPEC §3). Secrets travel as Secrets Manager ARNs instead.
 */
function assertNoPlainSecrets(config: MigrationConfig): void {
  const found: string[] = [];
  for (const role of ['source', 'target'] as const) {
    if (config[role].auth.password) found.push(`${role}.auth.password`);
  }
  if (config.cutover.producer_freeze_webhook_secret) found.push('cutover.producer_freeze_webhook_secret');
  if (found.length) {
    throw new InvalidInputError(
      `the config holds plain secrets (${found.join(', ')}), which would be visible in the Step Functions console and execution history`,
      {
        code: 'AWS_PLAIN_SECRET',
        fix: 'Use auth.secret_arn (MSK SCRAM secrets are named AmazonMSK_*) and cutover.producer_freeze_webhook_secret_arn instead.',
      },
    );
  }
}

/** Execution names: 1-80 chars of letters, digits, - and _. Unique per migration id and start. */
export function executionName(migrationId: string | undefined, now: Date): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '').slice(0, 15);
  const base = (migrationId ?? 'kraft-migrate').replace(/[^A-Za-z0-9_-]/g, '-');
  return `${base.slice(0, 80 - stamp.length - 1)}-${stamp}`;
}

export async function startExecution(
  clients: AwsClients,
  arn: string,
  config: MigrationConfig,
  name: string,
): Promise<{ executionArn: string; startDate: Date }> {
  assertNoPlainSecrets(config);
  const out = await clients.sfn.send(
    new StartExecutionCommand({ stateMachineArn: arn, name, input: JSON.stringify(config) }),
  );
  return { executionArn: out.executionArn ?? '', startDate: out.startDate ?? new Date() };
}

export interface ExecutionStatus {
  readonly status: string;
  readonly startDate: Date | undefined;
  readonly stopDate: Date | undefined;
  readonly currentState: string | undefined;
  readonly enteredAt: Date | undefined;
  readonly error: string | undefined;
  readonly cause: string | undefined;
}

export async function executionStatus(clients: AwsClients, executionArn: string): Promise<ExecutionStatus> {
  const exec = await clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
  const history = await clients.sfn.send(
    new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 50 }),
  );
  const entered = (history.events ?? []).find((e: HistoryEvent) => e.stateEnteredEventDetails?.name);
  return {
    status: exec.status ?? 'UNKNOWN',
    startDate: exec.startDate,
    stopDate: exec.stopDate,
    currentState: entered?.stateEnteredEventDetails?.name,
    enteredAt: entered?.timestamp,
    error: exec.error,
    cause: exec.cause,
  };
}

/** A one-time EventBridge Scheduler schedule that starts an execution with the config as input. */
export async function createOneTimeSchedule(
  clients: AwsClients,
  params: { name: string; at: Date; stateMachineArn: string; roleArn: string; config: MigrationConfig },
): Promise<string> {
  assertNoPlainSecrets(params.config);
  const at = params.at.toISOString().slice(0, 19);
  const out = await clients.scheduler.send(
    new CreateScheduleCommand({
      Name: params.name,
      ScheduleExpression: `at(${at})`,
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: FlexibleTimeWindowMode.OFF },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: params.stateMachineArn,
        RoleArn: params.roleArn,
        Input: JSON.stringify(params.config),
      },
    }),
  );
  return out.ScheduleArn ?? '';
}
