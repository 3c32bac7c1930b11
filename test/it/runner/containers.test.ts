import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ContainerHandler } from '../../../cli/runner/containers.ts';
import { runLocal } from '../../../cli/runner/local-runner.ts';
import {
  CLUSTER,
  EventTap,
  isAlive,
  machine,
  RUN_TASK,
  RUN_TASK_SYNC,
  TASK_DEF,
  tempStateDir,
} from './helpers.ts';

/** Prints what the copier would see, fails with EXIT_CODE when it is not 0. */
const COPIER_SCRIPT = [
  'console.log("GREETING=" + process.env.GREETING);',
  'console.log("FROM_DESCRIPTOR=" + process.env.FROM_DESCRIPTOR);',
  'const code = Number(process.env.EXIT_CODE);',
  'if (code !== 0) console.error("boom on stderr: cannot reach target");',
  'process.exit(code);',
].join('\n');

const copier: ContainerHandler = {
  kind: 'container',
  command: [process.execPath, '-e', COPIER_SCRIPT],
  env: { FROM_DESCRIPTOR: 'descriptor', GREETING: 'overridden by ContainerOverrides' },
};

function seedAsl() {
  return machine({
    Seed: {
      Type: 'Task',
      Resource: RUN_TASK_SYNC,
      Parameters: {
        Cluster: CLUSTER,
        TaskDefinition: TASK_DEF,
        LaunchType: 'FARGATE',
        Overrides: {
          ContainerOverrides: [
            {
              Name: 'copier',
              Environment: [
                { Name: 'GREETING', 'Value.$': '$.greeting' },
                { Name: 'EXIT_CODE', 'Value.$': '$.exitCode' },
              ],
            },
          ],
        },
      },
      ResultSelector: {
        'exitCode.$': '$.Containers[0].ExitCode',
        'name.$': '$.Containers[0].Name',
        'stopCode.$': '$.StopCode',
        'lastStatus.$': '$.LastStatus',
      },
      ResultPath: '$.seed',
      Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: 'SeedFailed' }],
      End: true,
    },
    SeedFailed: { Type: 'Pass', End: true },
  });
}

describe('runLocal — ECS tasks as child processes', () => {
  it('runs a runTask.sync container with the environment from ContainerOverrides and returns the ECS task', async () => {
    const tap = new EventTap();

    const result = await runLocal({
      asl: seedAsl(),
      input: { greeting: 'hello from the ASL', exitCode: '0' },
      handlers: { Seed: copier },
      stateDir: await tempStateDir(),
      onEvent: tap.onEvent,
    });

    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as { seed: unknown }).seed).toEqual({
      exitCode: 0,
      name: 'copier',
      stopCode: 'EssentialContainerExited',
      lastStatus: 'STOPPED',
    });
    expect(tap.of('ContainerOutput').map((e) => `${e.stream}: ${e.line}`)).toEqual([
      'stdout: GREETING=hello from the ASL',
      'stdout: FROM_DESCRIPTOR=descriptor',
    ]);
    expect(tap.of('ContainerOutput')[0]?.taskArn).toMatch(
      /^arn:aws:ecs:local:000000000000:task\/KraftMigrateCluster\/[0-9a-f]{32}$/,
    );
  });

  it('fails a container that exits non-zero with States.TaskFailed, the exit code and the last stderr lines', async () => {
    const result = await runLocal({
      asl: seedAsl(),
      input: { greeting: 'hi', exitCode: '3' },
      handlers: { Seed: copier },
      stateDir: await tempStateDir(),
    });

    expect(result.status).toBe('SUCCEEDED'); // caught into SeedFailed
    const error = (result.output as { error: { Error: string; Cause: string } }).error;
    expect(error.Error).toBe('States.TaskFailed');
    const task = JSON.parse(error.Cause);
    expect(task).toMatchObject({
      LastStatus: 'STOPPED',
      StopCode: 'EssentialContainerExited',
      ClusterArn: CLUSTER,
      TaskDefinitionArn: TASK_DEF,
      Containers: [{ Name: 'copier', ExitCode: 3, Reason: 'boom on stderr: cannot reach target' }],
    });
  });

  it("redacts the input's secrets from container lines, the failure cause, the result and the history file", async () => {
    const secret = 'p@ss-SECRET-123';
    const tap = new EventTap();
    const asl = seedAsl();
    const seed = asl.States['Seed'] as unknown as {
      Parameters: { Overrides: { ContainerOverrides: { Environment: unknown[] }[] } };
    };
    seed.Parameters.Overrides.ContainerOverrides[0]!.Environment[0] = {
      Name: 'GREETING',
      'Value.$': '$.auth.password',
    };
    const stateDir = await tempStateDir();

    const result = await runLocal({
      asl,
      input: { auth: { password: secret }, exitCode: '3' },
      handlers: { Seed: copier },
      stateDir,
      historyDir: join(stateDir, 'executions'),
      onEvent: tap.onEvent,
    });

    expect(tap.of('ContainerOutput').map((e) => e.line)).toContain('GREETING=***');
    const error = (result.output as { error: { Cause: string } }).error;
    expect(JSON.parse(error.Cause).Overrides.ContainerOverrides[0].Environment[0]).toEqual({
      Name: 'GREETING',
      Value: '***',
    });
    const history = await readFile(result.historyFile ?? '', 'utf8');
    expect(history).toContain('GREETING=***');
    for (const text of [history, JSON.stringify(result), JSON.stringify(tap.events)])
      expect(text).not.toContain(secret);
  });

  it('refuses a non-string environment value like ECS does, with States.Runtime that Catch cannot take', async () => {
    const result = await runLocal({
      asl: seedAsl(),
      input: { greeting: 'hi', exitCode: 0 },
      handlers: { Seed: copier },
      stateDir: await tempStateDir(),
    });

    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(result.cause).toBe(
      "Overrides.ContainerOverrides[0].Environment[1] (EXIT_CODE) is number 0; ECS accepts only strings — wrap it with States.Format('{}', ...) or States.JsonToString(...)",
    );
  });

  it('starts runTask containers without waiting, stops one with ecs:stopTask and the rest when the execution ends', async () => {
    const tap = new EventTap();
    const forever: ContainerHandler = {
      kind: 'container',
      command: [process.execPath, '-e', 'console.log("tail running"); setInterval(() => {}, 1000);'],
    };
    const asl = machine({
      StartTail: {
        Type: 'Task',
        Resource: RUN_TASK,
        Parameters: { Cluster: CLUSTER, TaskDefinition: TASK_DEF },
        ResultSelector: { 'taskArn.$': '$.Tasks[0].TaskArn', 'status.$': '$.Tasks[0].LastStatus' },
        ResultPath: '$.tail',
        Next: 'WaitABit',
      },
      WaitABit: { Type: 'Wait', Seconds: 3600, Next: 'StopTail' },
      StopTail: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:ecs:stopTask',
        Parameters: { Cluster: CLUSTER, 'Task.$': '$.tail.taskArn', Reason: 'drained' },
        ResultSelector: {
          'status.$': '$.Task.LastStatus',
          'stopCode.$': '$.Task.StopCode',
          'reason.$': '$.Task.StoppedReason',
        },
        ResultPath: '$.stopped',
        Next: 'StartSidecar',
      },
      StartSidecar: {
        Type: 'Task',
        Resource: RUN_TASK,
        Parameters: { Cluster: CLUSTER, TaskDefinition: TASK_DEF },
        ResultPath: null,
        End: true,
      },
    });

    const result = await runLocal({
      asl,
      input: {},
      handlers: { StartTail: forever, StartSidecar: forever },
      stateDir: await tempStateDir(),
      onEvent: tap.onEvent,
      overrides: { waitTimeOverrides: { WaitABit: 300 } },
      stopGraceMs: 2000,
    });
    await sleep(50);

    const started = tap.of('ContainerStarted');
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as { tail: unknown }).tail).toEqual({
      taskArn: started[0]?.taskArn,
      status: 'RUNNING',
    });
    expect((result.output as { stopped: unknown }).stopped).toEqual({
      status: 'STOPPED',
      stopCode: 'UserInitiated',
      reason: 'drained',
    });
    expect(started.map((e) => e.stateName)).toEqual(['StartTail', 'StartSidecar']);
    expect(tap.of('ContainerExited').map((e) => [e.stateName, e.reason])).toEqual([
      ['StartTail', 'drained'],
      ['StartSidecar', 'the execution ended'],
    ]);
    for (const e of started) expect(isAlive(e.pid!)).toBe(false);
  });

  it('stops a runTask.sync container when the state times out', async () => {
    const tap = new EventTap();
    const asl = machine({
      Seed: {
        Type: 'Task',
        Resource: RUN_TASK_SYNC,
        Parameters: { Cluster: CLUSTER, TaskDefinition: TASK_DEF },
        TimeoutSeconds: 1,
        End: true,
      },
    });

    const result = await runLocal({
      asl,
      input: {},
      handlers: {
        Seed: { kind: 'container', command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'] },
      },
      stateDir: await tempStateDir(),
      onEvent: tap.onEvent,
    });

    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    const [started] = tap.of('ContainerStarted');
    expect(tap.of('ContainerExited').map((e) => e.reason)).toEqual([
      'the state timed out after TimeoutSeconds=1',
    ]);
    expect(isAlive(started!.pid!)).toBe(false);
  });

  it('fails with States.TaskFailed and TaskFailedToStart when the command does not exist', async () => {
    const result = await runLocal({
      asl: seedAsl(),
      input: { greeting: 'hi', exitCode: '0' },
      handlers: { Seed: { kind: 'container', command: ['/nonexistent/kraft-migrate-copier'] } },
      stateDir: await tempStateDir(),
    });

    const error = (result.output as { error: { Error: string; Cause: string } }).error;
    expect(error.Error).toBe('States.TaskFailed');
    expect(JSON.parse(error.Cause)).toMatchObject({
      StopCode: 'TaskFailedToStart',
      StoppedReason: 'CannotStartContainerError: spawn /nonexistent/kraft-migrate-copier ENOENT',
    });
  });
});
