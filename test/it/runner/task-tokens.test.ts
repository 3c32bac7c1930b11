import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  answerGate,
  listPending,
  sendTaskHeartbeat,
  sendTaskSuccess,
} from '../../../cli/runner/broker-client.ts';
import { runLocal } from '../../../cli/runner/local-runner.ts';
import { callbackProcess, EventTap, machine, tempStateDir, tokenTask } from './helpers.ts';

describe('runLocal — .waitForTaskToken tasks', () => {
  it('hands a minted token to the handler and continues with what a second process sends', async () => {
    const stateDir = await tempStateDir();
    const asl = machine({ FreezeProducers: tokenTask('FreezeProducers') });
    const received: unknown[] = [];
    const tap = new EventTap();
    const stop = new AbortController();

    const running = runLocal({
      asl,
      input: { migration: 'm-7' },
      signal: stop.signal,
      handlers: {
        FreezeProducers: async (event) => {
          received.push(event);
          return { webhook: 'accepted' }; // ignored: the token's answer is the result
        },
      },
      stateDir,
      onEvent: tap.onEvent,
    });
    const issued = await tap.next('TaskTokenIssued', 'FreezeProducers');
    const token = issued.token!;
    const pending = await listPending(stateDir);
    const answer = await callbackProcess([
      '--token',
      token,
      '--success',
      '{"ok":true}',
      '--state-dir',
      stateDir,
    ]);
    if (answer.code !== 0) stop.abort(); // fail fast (the assertions below say why) instead of timing out
    const result = await running;

    expect(token).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(received).toEqual([{ taskToken: token, input: { migration: 'm-7' } }]);
    expect(pending).toEqual([
      expect.objectContaining({
        token,
        stateName: 'FreezeProducers',
        payload: { taskToken: token, input: { migration: 'm-7' } },
      }),
    ]);
    expect(answer).toEqual({
      code: 0,
      stdout: `Answered task token ${token.slice(0, 8)}…${token.slice(-4)} of state "FreezeProducers" (gate "freeze"): success`,
      stderr: '',
    });
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { ok: true } });
    expect(existsSync(join(stateDir, 'broker.json'))).toBe(false);
  });

  it('fails the state with the error name a second process sends with --failure', async () => {
    const stateDir = await tempStateDir();
    const asl = machine({ FreezeProducers: tokenTask('FreezeProducers') });
    const tap = new EventTap();

    const running = runLocal({
      asl,
      input: {},
      handlers: { FreezeProducers: async () => ({}) },
      stateDir,
      onEvent: tap.onEvent,
    });
    const { token } = await tap.next('TaskTokenIssued');
    const answer = await callbackProcess([
      '--token',
      token!,
      '--failure',
      'ProducerFreezeFailed',
      '--cause',
      'webhook said no',
      '--state-dir',
      stateDir,
    ]);
    const result = await running;

    expect(answer.code).toBe(0);
    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'ProducerFreezeFailed',
      cause: 'webhook said no',
    });
  });

  it('refuses a token answered twice (TaskTimedOut) and an unknown one (TaskDoesNotExist); answers a gate by name', async () => {
    const stateDir = await tempStateDir();
    const asl = machine({
      AwaitCutoverApproval: tokenTask('AwaitCutoverApproval', {
        ResultPath: '$.approval',
        Next: 'AwaitClientSwitch',
        End: undefined,
      }),
      AwaitClientSwitch: tokenTask('AwaitClientSwitch', { ResultPath: '$.switch' }),
    });
    const tap = new EventTap();

    const running = runLocal({
      asl,
      input: { migration: 'm-8' },
      handlers: { AwaitCutoverApproval: async () => ({}), AwaitClientSwitch: async () => ({}) },
      stateDir,
      gates: { cutover: 'AwaitCutoverApproval', 'cutover-ack': 'AwaitClientSwitch' },
      onEvent: tap.onEvent,
    });
    const first = await tap.next('TaskTokenIssued', 'AwaitCutoverApproval');
    const approved = await answerGate(stateDir, 'cutover', { approvedBy: 'operator' });
    const second = await tap.next('TaskTokenIssued', 'AwaitClientSwitch');
    const pending = await listPending(stateDir);
    const twice = await callbackProcess([
      '--token',
      first.token!,
      '--success',
      '{}',
      '--state-dir',
      stateDir,
    ]);
    const unknownToken = 'Z'.repeat(64);
    const unknown = await callbackProcess([
      '--token',
      unknownToken,
      '--success',
      '{}',
      '--state-dir',
      stateDir,
    ]);
    const wrongGate = answerGate(stateDir, 'cutover', {});
    await expect(wrongGate).rejects.toMatchObject({ name: 'PreconditionError', code: 'GATE_NOT_PENDING' });
    await expect(wrongGate).rejects.toThrow(
      /^GateNotPending: the workflow is not waiting at gate "cutover" \(it was answered with success at .*\); waiting: AwaitClientSwitch \(gate "cutover-ack"\)$/,
    );
    await answerGate(stateDir, 'cutover-ack', { switched: true });
    const result = await running;

    expect(first.gate).toBe('cutover');
    expect(approved).toEqual({
      token: first.token,
      stateName: 'AwaitCutoverApproval',
      gate: 'cutover',
      outcome: 'success',
    });
    expect(pending.map((p) => [p.stateName, p.gate, p.token])).toEqual([
      ['AwaitClientSwitch', 'cutover-ack', second.token],
    ]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(
      `Error: TaskTimedOut: task token ${first.token!.slice(0, 8)}…${first.token!.slice(-4)} of state "AwaitCutoverApproval" is no longer waiting: it was answered with success at`,
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Error: TaskDoesNotExist: the local runner');
    expect(unknown.stderr).toContain('never issued task token ZZZZZZZZ…ZZZZ');
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { migration: 'm-8', approval: { approvedBy: 'operator' }, switch: { switched: true } },
    });
  });

  it('times out with States.Timeout (not matched by States.TaskFailed) and refuses the late answer', async () => {
    const stateDir = await tempStateDir();
    const asl = machine({
      FreezeProducers: tokenTask('FreezeProducers', {
        TimeoutSeconds: 1,
        Catch: [
          { ErrorEquals: ['States.TaskFailed'], Next: 'Wrong' },
          { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'Hold' },
        ],
        Next: 'Hold',
        End: undefined,
      }),
      Wrong: { Type: 'Fail', Error: 'WrongCatcher' },
      Hold: tokenTask('Hold', { ResultPath: '$.hold' }),
    });
    const tap = new EventTap();

    const running = runLocal({
      asl,
      input: {},
      handlers: { FreezeProducers: async () => ({}), Hold: async () => ({}) },
      stateDir,
      gates: { hold: 'Hold' },
      onEvent: tap.onEvent,
    });
    const freeze = await tap.next('TaskTokenIssued', 'FreezeProducers');
    await tap.next('TaskTokenIssued', 'Hold');
    const late = sendTaskSuccess(stateDir, freeze.token!, { tooLate: true });
    await expect(late).rejects.toMatchObject({ name: 'PreconditionError', code: 'TASK_TIMED_OUT' });
    await expect(late).rejects.toThrow(
      /is no longer waiting: it expired \(the state timed out after TimeoutSeconds=1 \(States\.Timeout\)\) at /,
    );
    await answerGate(stateDir, 'hold', { released: true });
    const result = await running;

    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { error: { Error: 'States.Timeout' }, hold: { released: true } },
    });
    expect(tap.of('TaskTokenExpired').map((e) => e.stateName)).toEqual(['FreezeProducers']);
  });

  it('emulates HeartbeatSeconds: heartbeats keep the task alive, silence fails it with States.HeartbeatTimeout', async () => {
    const asl = machine({ Freeze: tokenTask('Freeze', { HeartbeatSeconds: 1 }) });
    const alive = new EventTap();
    const silent = new EventTap();
    const aliveDir = await tempStateDir();

    const kept = runLocal({
      asl,
      input: {},
      handlers: { Freeze: async () => ({}) },
      stateDir: aliveDir,
      onEvent: alive.onEvent,
    });
    const { token } = await alive.next('TaskTokenIssued');
    await sleep(600);
    await sendTaskHeartbeat(aliveDir, token!);
    await sleep(600);
    await sendTaskSuccess(aliveDir, token!, { frozen: true });
    const dropped = await runLocal({
      asl,
      input: {},
      handlers: { Freeze: async () => ({}) },
      stateDir: await tempStateDir(),
      onEvent: silent.onEvent,
    });

    expect(await kept).toMatchObject({ status: 'SUCCEEDED', output: { frozen: true } });
    expect(dropped).toMatchObject({
      status: 'FAILED',
      error: 'States.HeartbeatTimeout',
      cause: 'no heartbeat within HeartbeatSeconds=1',
    });
  });

  it('fails the task with the handler error when the handler fails before anyone answers', async () => {
    const stateDir = await tempStateDir();
    const tap = new EventTap();
    const asl = machine({ FreezeProducers: tokenTask('FreezeProducers') });

    const result = await runLocal({
      asl,
      input: {},
      handlers: {
        FreezeProducers: async () => {
          throw Object.assign(new Error('producer freeze webhook returned HTTP 500'), {
            name: 'PreconditionError',
          });
        },
      },
      stateDir,
      onEvent: tap.onEvent,
    });

    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'PreconditionError',
      cause: '{"errorType":"PreconditionError","errorMessage":"producer freeze webhook returned HTTP 500"}',
    });
    expect(tap.of('TaskTokenExpired').map((e) => e.reason)).toEqual([
      'the handler failed: PreconditionError',
    ]);
  });

  it('ends ABORTED when the signal aborts, expiring the pending token and removing broker.json', async () => {
    const stateDir = await tempStateDir();
    const controller = new AbortController();
    const tap = new EventTap();
    const asl = machine({ AwaitCutoverApproval: tokenTask('AwaitCutoverApproval') });

    const running = runLocal({
      asl,
      input: {},
      handlers: { AwaitCutoverApproval: async () => ({}) },
      stateDir,
      signal: controller.signal,
      onEvent: tap.onEvent,
    });
    await tap.next('TaskTokenIssued');
    controller.abort();
    const result = await running;

    expect(result.status).toBe('ABORTED');
    expect(tap.of('TaskTokenExpired').map((e) => e.reason)).toEqual(['the execution ended']);
    expect(existsSync(join(stateDir, 'broker.json'))).toBe(false);
  });
});
