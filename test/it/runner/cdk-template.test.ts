/**
 * The whole chain on what CDK really synthesizes (infra/ builds the real workflow; this is a
 * small stand-in with the same constructs): template → extractDefinition → guard → runLocal.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { describe, expect, it } from 'vitest';
import { extractDefinition } from '../../../cli/runner/asl.ts';
import { findLocalRunBlockers } from '../../../cli/runner/guard.ts';
import { runLocal } from '../../../cli/runner/local-runner.ts';
import { PreconditionError, TransientError } from '../../../core/domain/errors.ts';
import { EventTap, tempStateDir } from './helpers.ts';

function synthesize(): object {
  const app = new App();
  const stack = new Stack(app, 'KraftMigrateTest');
  const fn = (id: string) =>
    new lambda.Function(stack, `${id}Fn`, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'CopierTask');
  const container = taskDefinition.addContainer('copier', {
    image: ecs.ContainerImage.fromRegistry('copier'),
  });

  const failed = new sfn.Fail(stack, 'MigrationFailed', {
    error: 'MigrationFailed',
    causePath: '$.error.Cause',
  });
  const precheck = new tasks.LambdaInvoke(stack, 'Precheck', {
    lambdaFunction: fn('Precheck'),
    payloadResponseOnly: false,
    resultSelector: { 'precheck.$': '$.Payload' },
    resultPath: '$.precheck',
  });
  precheck.addRetry({ errors: ['TransientError'], interval: Duration.seconds(2), maxAttempts: 3 });
  precheck.addCatch(failed, { errors: ['PreconditionError'], resultPath: '$.error' });
  const approval = new tasks.LambdaInvoke(stack, 'AwaitCutoverApproval', {
    lambdaFunction: fn('Approval'),
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: sfn.TaskInput.fromObject({ taskToken: sfn.JsonPath.taskToken, 'migration.$': '$.migration' }),
    resultPath: '$.approval',
    taskTimeout: sfn.Timeout.duration(Duration.hours(12)),
  });
  const seed = new tasks.EcsRunTask(stack, 'Seed', {
    cluster,
    taskDefinition,
    launchTarget: new tasks.EcsFargateLaunchTarget(),
    subnets: { subnetType: ec2.SubnetType.PUBLIC },
    assignPublicIp: true,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    containerOverrides: [
      {
        containerDefinition: container,
        environment: [{ name: 'MIGRATION_ID', value: sfn.JsonPath.stringAt('$.migration') }],
      },
    ],
    resultSelector: { 'exitCode.$': '$.Containers[0].ExitCode' },
    resultPath: '$.seed',
  });
  const definition = precheck.next(approval).next(seed).next(new sfn.Succeed(stack, 'Finalized'));
  new sfn.StateMachine(stack, 'Workflow', { definitionBody: sfn.DefinitionBody.fromChainable(definition) });
  return Template.fromStack(stack).toJSON();
}

describe('the local runner on a CDK-synthesized template', () => {
  const template = synthesize();

  it('extracts an ASL the guard accepts, with CDK default retries and fake ARNs', () => {
    const asl = extractDefinition(template);

    expect(findLocalRunBlockers(asl)).toEqual([]);
    expect(Object.keys(asl.States)).toEqual([
      'Precheck',
      'AwaitCutoverApproval',
      'Seed',
      'Finalized',
      'MigrationFailed',
    ]);
    expect(asl.States['Precheck']).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: expect.stringMatching(/^arn:aws:lambda:local:000000000000:function:PrecheckFn/),
      },
    });
    expect(asl.States['Seed']).toMatchObject({
      Resource: 'arn:aws:states:::ecs:runTask.sync',
      Parameters: { Cluster: expect.stringMatching(/^arn:aws:ecs:local:000000000000:cluster\/Cluster/) },
    });
    expect(JSON.stringify(extractDefinition(template))).toBe(JSON.stringify(asl));
  });

  it('runs it: retry on TransientError, a token answered by gate, the copier as a child process', async () => {
    const asl = extractDefinition(template);
    const tap = new EventTap();
    let precheckCalls = 0;
    const stateDir = await tempStateDir();

    const running = runLocal({
      asl,
      input: { migration: 'm-cdk' },
      stateDir,
      gates: { cutover: 'AwaitCutoverApproval' },
      onEvent: tap.onEvent,
      overrides: { retryIntervalOverrides: { Precheck: 0 } },
      handlers: {
        Precheck: async () => {
          precheckCalls += 1;
          if (precheckCalls === 1) throw new TransientError('coordinator moved');
          return { overall: 'PASSED' };
        },
        AwaitCutoverApproval: async () => ({}),
        Seed: {
          kind: 'container',
          command: [process.execPath, '-e', 'process.exit(process.env.MIGRATION_ID === "m-cdk" ? 0 : 9)'],
        },
      },
    });
    await tap.next('TaskTokenIssued', 'AwaitCutoverApproval');
    const { answerGate } = await import('../../../cli/runner/broker-client.ts');
    await answerGate(stateDir, 'cutover', { approved: true });
    const result = await running;

    expect(precheckCalls).toBe(2);
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: {
        migration: 'm-cdk',
        precheck: { precheck: { overall: 'PASSED' } },
        approval: { approved: true },
        seed: { exitCode: 0 },
      },
    });
  });

  it('fails through the Catch with the precheck error as the Fail cause', async () => {
    const result = await runLocal({
      asl: extractDefinition(template),
      input: { migration: 'm-cdk' },
      stateDir: await tempStateDir(),
      handlers: {
        Precheck: async () => {
          throw new PreconditionError('2 blockers: B03, B16');
        },
        AwaitCutoverApproval: async () => ({}),
        Seed: { kind: 'container', command: ['true'] },
      },
    });

    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'MigrationFailed',
      cause: '{"errorType":"PreconditionError","errorMessage":"2 blockers: B03, B16"}',
    });
  });
});
