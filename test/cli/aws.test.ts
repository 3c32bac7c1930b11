import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createOneTimeSchedule,
  executionName,
  executionStatus,
  startExecution,
  stateMachineArn,
} from '../../cli/aws.ts';
import { parseConfigText } from '../../core/domain/config/parse.ts';
import { InvalidInputError } from '../../core/domain/errors.ts';

const sfn = mockClient(SFNClient);
const scheduler = mockClient(SchedulerClient);
const clients = {
  sfn: new SFNClient({ region: 'eu-west-2' }),
  scheduler: new SchedulerClient({ region: 'eu-west-2' }),
};
const ARN = 'arn:aws:states:eu-west-2:123456789012:stateMachine:kraft-migrate';

const config = (extra = '') =>
  parseConfigText(
    `source: {cluster_arn: "arn:aws:kafka:eu-west-2:123456789012:cluster/src/abc-1", auth: {mode: iam}}
target: {cluster_arn: "arn:aws:kafka:eu-west-2:123456789012:cluster/tgt/def-2", auth: {mode: iam}}
storage: {segments: "s3://seg-bucket", evidence: "s3://ev-bucket"}
${extra}`,
    {},
  );

beforeEach(() => {
  sfn.reset();
  scheduler.reset();
});

describe('--runner aws', () => {
  it('starts an execution whose input is exactly the config document', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:exec-1`, startDate: new Date(0) });
    const out = await startExecution(clients, ARN, config(), 'm-1');
    expect(out.executionArn).toBe(`${ARN}:exec-1`);
    const input = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(input.stateMachineArn).toBe(ARN);
    expect(input.name).toBe('m-1');
    expect(JSON.parse(input.input!)).toEqual(JSON.parse(JSON.stringify(config())));
  });

  it('refuses to start an execution whose input holds a plain password', async () => {
    const withPassword = parseConfigText(
      `source: {bootstrap_servers: ["b:9096"], auth: {mode: scram-sha-512, username: u, password: p}}
target: {bootstrap_servers: ["c:9096"]}
storage: {segments: "s3://seg-bucket", evidence: "s3://ev-bucket"}`,
      {},
    );
    await expect(startExecution(clients, ARN, withPassword, 'm')).rejects.toThrow(InvalidInputError);
    await expect(startExecution(clients, ARN, withPassword, 'm')).rejects.toThrow(/source\.auth\.password/);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('reads status back: execution status and the state it is in', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', startDate: new Date(1000) });
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 5, type: 'TaskScheduled', timestamp: new Date(3000) },
        {
          id: 4,
          type: 'TaskStateEntered',
          timestamp: new Date(2000),
          stateEnteredEventDetails: { name: 'Precheck' },
        },
      ],
    });
    const s = await executionStatus(clients, `${ARN}:exec-1`);
    expect(s.status).toBe('RUNNING');
    expect(s.currentState).toBe('Precheck');
    expect(s.enteredAt).toEqual(new Date(2000));
  });

  it('creates a one-time schedule that starts the state machine with the config', async () => {
    scheduler
      .on(CreateScheduleCommand)
      .resolves({ ScheduleArn: 'arn:aws:scheduler:eu-west-2:1:schedule/default/s' });
    await createOneTimeSchedule(clients, {
      name: 's',
      at: new Date('2026-12-01T02:30:00Z'),
      stateMachineArn: ARN,
      roleArn: 'arn:aws:iam::123456789012:role/sched',
      config: config(),
    });
    const input = scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input;
    expect(input.ScheduleExpression).toBe('at(2026-12-01T02:30:00)');
    expect(input.Target?.Arn).toBe(ARN);
    expect(JSON.parse(input.Target!.Input!).storage.evidence).toBe('s3://ev-bucket');
  });

  it('needs a state machine ARN and says where to find it', () => {
    expect(() => stateMachineArn(undefined, {})).toThrow(InvalidInputError);
    try {
      stateMachineArn(undefined, {});
    } catch (e) {
      expect((e as InvalidInputError).fix).toContain('--state-machine-arn');
    }
    expect(stateMachineArn(undefined, { KRAFT_MIGRATE_STATE_MACHINE_ARN: ARN })).toBe(ARN);
  });

  it('makes valid execution names', () => {
    const name = executionName('a'.repeat(100), new Date('2026-01-02T03:04:05Z'));
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});
