import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runLocal } from '../../../cli/runner/local-runner.ts';
import {
  InvalidInputError,
  InvariantError,
  PreconditionError,
  TransientError,
} from '../../../core/domain/errors.ts';
import { defineStep } from '../../../lambdas/_shared/step.ts';
import { EventTap, lambdaTask, machine, tempStateDir } from './helpers.ts';

describe('runLocal — Lambda tasks', () => {
  it('retries a handler that throws TransientError twice and succeeds on the third attempt', async () => {
    let attempts = 0;
    const flaky = defineStep({
      name: 'Flaky',
      input: z.object({ migration: z.string() }),
      output: z.object({ ok: z.boolean(), attempts: z.number() }),
      deps: () => ({}),
      run: async () => {
        attempts += 1;
        if (attempts <= 2) throw new TransientError(`NOT_CONTROLLER on attempt ${attempts}`);
        return { ok: true, attempts };
      },
    });
    const asl = machine({
      Flaky: lambdaTask('Flaky', {
        Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 2 }],
      }),
    });
    const tap = new EventTap();

    const result = await runLocal({
      asl,
      input: { migration: 'm-1' },
      handlers: { Flaky: flaky },
      stateDir: await tempStateDir(),
      onEvent: tap.onEvent,
      overrides: { retryIntervalOverrides: { Flaky: 0 } },
    });

    expect(attempts).toBe(3);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ ok: true, attempts: 3 });
    expect(tap.of('StateRetried').map((e) => e.attempt)).toEqual([1, 2]);
    expect(tap.of('StateFailed').map((e) => [e.error, e.cause])).toEqual([
      ['TransientError', '{"errorType":"TransientError","errorMessage":"NOT_CONTROLLER on attempt 1"}'],
      ['TransientError', '{"errorType":"TransientError","errorMessage":"NOT_CONTROLLER on attempt 2"}'],
    ]);
  });

  it('fails with the handler error once the retries are used up', async () => {
    let attempts = 0;
    const asl = machine({
      Flaky: lambdaTask('Flaky', { Retry: [{ ErrorEquals: ['TransientError'], MaxAttempts: 1 }] }),
    });

    const result = await runLocal({
      asl,
      input: {},
      handlers: {
        Flaky: async () => {
          attempts += 1;
          throw new TransientError(`still down (${attempts})`);
        },
      },
      stateDir: await tempStateDir(),
      overrides: { retryIntervalOverrides: { Flaky: 0 } },
    });

    expect(attempts).toBe(2);
    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'TransientError',
      cause: '{"errorType":"TransientError","errorMessage":"still down (2)"}',
    });
  });

  it('routes a PreconditionError through Catch to RecordFailure and a Fail state', async () => {
    const recorded: unknown[] = [];
    const asl = machine({
      Precheck: lambdaTask('Precheck', {
        Retry: [{ ErrorEquals: ['TransientError'], MaxAttempts: 3 }],
        Catch: [{ ErrorEquals: ['PreconditionError'], ResultPath: '$.error', Next: 'RecordFailure' }],
        Next: 'Done',
        End: undefined,
      }),
      Done: { Type: 'Succeed' },
      RecordFailure: lambdaTask('RecordFailure', {
        ResultPath: null,
        OutputPath: undefined,
        Next: 'MigrationFailed',
        End: undefined,
      }),
      MigrationFailed: { Type: 'Fail', Error: 'MigrationFailed', Cause: 'precheck found blockers' },
    });

    const result = await runLocal({
      asl,
      input: { migration: 'm-2' },
      handlers: {
        Precheck: async () => {
          throw new PreconditionError('blockers found: B03');
        },
        RecordFailure: async (event) => {
          recorded.push(event);
          return { recorded: true };
        },
      },
      stateDir: await tempStateDir(),
    });

    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'MigrationFailed',
      cause: 'precheck found blockers',
    });
    expect(recorded).toEqual([
      {
        migration: 'm-2',
        error: {
          Error: 'PreconditionError',
          Cause: '{"errorType":"PreconditionError","errorMessage":"blockers found: B03"}',
        },
      },
    ]);
  });

  it.each([
    { ErrorClass: TransientError, errorEquals: 'TransientError' },
    { ErrorClass: PreconditionError, errorEquals: 'PreconditionError' },
    { ErrorClass: InvalidInputError, errorEquals: 'InvalidInputError' },
    { ErrorClass: InvariantError, errorEquals: 'InvariantError' },
    { ErrorClass: InvariantError, errorEquals: 'States.ALL' },
    { ErrorClass: PreconditionError, errorEquals: 'States.TaskFailed' },
  ])(
    'a thrown $ErrorClass.name is caught by ErrorEquals $errorEquals',
    async ({ ErrorClass, errorEquals }) => {
      const asl = machine({
        Step: lambdaTask('Step', {
          Catch: [{ ErrorEquals: [errorEquals], ResultPath: '$.error', Next: 'Caught' }],
          End: undefined,
          Next: 'Caught',
        }),
        Caught: { Type: 'Pass', End: true },
      });

      const result = await runLocal({
        asl,
        input: {},
        handlers: {
          Step: async () => {
            throw new ErrorClass('it broke');
          },
        },
        stateDir: await tempStateDir(),
      });

      expect(result.status).toBe('SUCCEEDED');
      expect((result.output as { error: { Error: string } }).error.Error).toBe(new ErrorClass('x').name);
    },
  );

  it('does not catch an error whose name is not in ErrorEquals', async () => {
    const asl = machine({
      Step: lambdaTask('Step', {
        Catch: [{ ErrorEquals: ['TransientError'], Next: 'Caught' }],
        End: undefined,
        Next: 'Caught',
      }),
      Caught: { Type: 'Pass', End: true },
    });

    const result = await runLocal({
      asl,
      input: {},
      handlers: {
        Step: async () => {
          throw new InvariantError('hash chain broken');
        },
      },
      stateDir: await tempStateDir(),
    });

    expect(result).toMatchObject({ status: 'FAILED', error: 'InvariantError' });
  });

  it('wraps lambda:invoke results in the Lambda envelope and returns plain results for function ARNs', async () => {
    const asl = machine({
      Invoke: {
        ...lambdaTask('Invoke'),
        OutputPath: undefined,
        ResultPath: '$.invoke',
        End: undefined,
        Next: 'Direct',
      },
      Direct: {
        Type: 'Task',
        Resource: 'arn:aws:lambda:local:000000000000:function:Direct',
        ResultPath: '$.direct',
        End: true,
      },
    });

    const result = await runLocal({
      asl,
      input: { n: 1 },
      handlers: { Invoke: async (e) => ({ seen: e }), Direct: async () => ({ plain: true }) },
      stateDir: await tempStateDir(),
    });

    expect(result.output).toEqual({
      n: 1,
      invoke: { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: { seen: { n: 1 } } },
      direct: { plain: true },
    });
  });

  it('runs handlers inside a Map with the iteration item from ItemSelector', async () => {
    const seen: unknown[] = [];
    const asl = machine({
      Seed: {
        Type: 'Map',
        ItemsPath: '$.shards',
        ItemSelector: {
          'shard.$': '$$.Map.Item.Value',
          'index.$': '$$.Map.Item.Index',
          'migration.$': '$.migration',
        },
        ItemProcessor: { StartAt: 'CopyShard', States: { CopyShard: lambdaTask('CopyShard') } },
        End: true,
      },
    });

    const result = await runLocal({
      asl,
      input: { migration: 'm-3', shards: ['a', 'b'] },
      handlers: {
        CopyShard: async (e) => {
          seen.push(e);
          return { copied: (e as { shard: string }).shard };
        },
      },
      stateDir: await tempStateDir(),
    });

    expect(result.output).toEqual([{ copied: 'a' }, { copied: 'b' }]);
    expect(seen).toEqual(
      expect.arrayContaining([
        { shard: 'a', index: 0, migration: 'm-3' },
        { shard: 'b', index: 1, migration: 'm-3' },
      ]),
    );
  });

  it('reads TimeoutSecondsPath from the state input and clamps values the timer cannot hold', async () => {
    const asl = machine({ Slow: lambdaTask('Slow', { TimeoutSecondsPath: '$.timeout' }) });
    const payloads: unknown[] = [];
    const handlers = {
      Slow: async (e: unknown) => {
        payloads.push(e);
        await sleep((e as { sleepMs: number }).sleepMs);
        return { done: true };
      },
    };

    const huge = await runLocal({
      asl,
      input: { timeout: 3_000_000, sleepMs: 200 },
      handlers,
      stateDir: await tempStateDir(),
    });
    const short = await runLocal({
      asl,
      input: { timeout: 1, sleepMs: 1500 },
      handlers,
      stateDir: await tempStateDir(),
    });

    expect(huge).toMatchObject({ status: 'SUCCEEDED', output: { done: true } });
    expect(payloads[0]).toEqual({ timeout: 3_000_000, sleepMs: 200 });
    expect(short).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
  });

  it('fails with States.DataLimitExceeded, which States.ALL cannot catch, when a result exceeds 256 KiB', async () => {
    const asl = machine({
      Big: lambdaTask('Big', {
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
        Next: 'Caught',
        End: undefined,
      }),
      Caught: { Type: 'Pass', End: true },
    });

    const result = await runLocal({
      asl,
      input: {},
      handlers: { Big: async () => ({ blob: 'x'.repeat(300_000) }) },
      stateDir: await tempStateDir(),
    });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.DataLimitExceeded');
    expect(result.cause).toMatch(/^Big returned 3000\d\d bytes; Step Functions allows 262144 \(256 KiB\)/);
  });

  it('refuses to start when a Task state has no handler or a handler matches no state', async () => {
    const stateDir = await tempStateDir();
    const asl = machine({
      Precheck: lambdaTask('Precheck', { Next: 'Copy', End: undefined }),
      Copy: lambdaTask('Copy'),
    });

    const run = runLocal({
      asl,
      input: {},
      handlers: { Precheck: async () => ({}), Precheck2: async () => ({}) },
      stateDir,
    });

    await expect(run).rejects.toMatchObject({ name: 'InvalidInputError', code: 'RUNNER_HANDLERS' });
    await expect(run).rejects.toThrow(
      /- state "Copy" \(arn:aws:states:::lambda:invoke\) has no handler\n {2}- handler "Precheck2" matches no Task state/,
    );
    expect(existsSync(join(stateDir, 'broker.json'))).toBe(false);
  });

  it('refuses a definition the guard rejects before running anything', async () => {
    let called = false;
    const asl = machine({ Step: lambdaTask('Step', { Assign: { x: 1 } }) });

    const run = runLocal({
      asl,
      input: {},
      handlers: {
        Step: async () => {
          called = true;
          return {};
        },
      },
      stateDir: await tempStateDir(),
    });

    await expect(run).rejects.toMatchObject({ code: 'ASL_NOT_LOCALLY_RUNNABLE' });
    expect(called).toBe(false);
  });
});
