import { describe, expect, it } from 'vitest';
import { formatEvent, fromInterpreterEvent, type RunnerEvent, redacted } from '../../../cli/runner/events.ts';
import { secretValues } from '../../../core/domain/journal/secrets.ts';

const T = Date.parse('2026-04-25T06:47:45.748Z');

describe('formatEvent', () => {
  it.each<[RunnerEvent, string]>([
    [{ type: 'ExecutionStarted', timestamp: T }, 'execution started'],
    [{ type: 'StateEntered', timestamp: T, stateName: 'Precheck' }, 'Precheck entered'],
    [
      {
        type: 'StateFailed',
        timestamp: T,
        stateName: 'CopyShard',
        index: 3,
        error: 'TransientError',
        cause: 'line one\nline two',
      },
      'CopyShard[3] failed: TransientError: line one',
    ],
    [
      {
        type: 'StateRetried',
        timestamp: T,
        stateName: 'Precheck',
        attempt: 2,
        errorEquals: ['TransientError'],
      },
      'Precheck retry #2 (TransientError)',
    ],
    [
      {
        type: 'StateCaught',
        timestamp: T,
        stateName: 'Precheck',
        next: 'RecordFailure',
        errorEquals: ['States.ALL'],
      },
      'Precheck caught (States.ALL) -> RecordFailure',
    ],
    [
      {
        type: 'TaskTokenIssued',
        timestamp: T,
        stateName: 'AwaitCutoverApproval',
        token: 'A'.repeat(60) + 'wxyz',
        gate: 'cutover',
      },
      'AwaitCutoverApproval waiting for task token AAAAAAAA…wxyz (gate "cutover")',
    ],
    [
      {
        type: 'ContainerOutput',
        timestamp: T,
        stateName: 'Seed',
        taskArn: 'arn:aws:ecs:local:000000000000:task/C/0123456789abcdef',
        stream: 'stderr',
        line: 'copied 10 records',
      },
      '[Seed#01234567 stderr] copied 10 records',
    ],
    [
      {
        type: 'ContainerExited',
        timestamp: T,
        stateName: 'Seed',
        taskArn: 'arn:aws:ecs:local:000000000000:task/C/0123456789abcdef',
        exitCode: 3,
      },
      'Seed container 01234567 exited with code 3',
    ],
    [
      { type: 'ExecutionFailed', timestamp: T, error: 'MigrationFailed', cause: 'blockers' },
      'execution failed: MigrationFailed: blockers',
    ],
  ])('%j', (event, text) => {
    expect(formatEvent(event)).toBe(`2026-04-25T06:47:45.748Z  ${text}`);
  });
});

describe('fromInterpreterEvent', () => {
  it('flattens a retried state inside a Map iteration', () => {
    const event = fromInterpreterEvent({
      type: 'StateRetried',
      timestamp: T,
      index: 2,
      state: { name: 'CopyShard', type: 'Task', input: {} },
      retry: { retrier: { ErrorEquals: ['TransientError'] }, attempt: 1 },
    });

    expect(event).toEqual({
      type: 'StateRetried',
      timestamp: T,
      stateName: 'CopyShard',
      stateType: 'Task',
      index: 2,
      attempt: 1,
      errorEquals: ['TransientError'],
    });
  });
});

describe('redacted', () => {
  const secrets = secretValues({ source: { auth: { password: 'p@ss-SECRET-123' } } });

  it('replaces the secret in an event input, and in JSON quoted in a cause', () => {
    const input = { config: { source: { auth: { mode: 'none', password: 'p@ss-SECRET-123' } } } };
    const cause = JSON.stringify({ Overrides: { Environment: [{ Value: JSON.stringify(input) }] } });
    const event: RunnerEvent = { type: 'StateFailed', timestamp: T, stateName: 'SeedShard', input, cause };
    const out = redacted(event, secrets);
    expect(JSON.stringify(out)).not.toContain('SECRET');
    expect(out.input).toEqual({ config: { source: { auth: { mode: 'none', password: '***' } } } });
    expect(JSON.parse(JSON.parse(out.cause ?? '').Overrides.Environment[0].Value)).toEqual(out.input);
  });

  it('leaves values alone when there is no secret', () => {
    const event: RunnerEvent = { type: 'ContainerOutput', timestamp: T, line: 'p@ss' };
    expect(redacted(event, [])).toBe(event);
    expect(redacted('a p@ss-SECRET-123 b', secrets)).toBe('a *** b');
  });
});
