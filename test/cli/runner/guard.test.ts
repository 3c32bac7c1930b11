import { describe, expect, it } from 'vitest';
import type { AslDefinition } from '../../../cli/runner/asl.ts';
import {
  checkLocallyRunnable,
  findLocalRunBlockers,
  LOCAL_TIMEOUT_PARAMETER,
  MAX_LOCAL_TIMEOUT_SECONDS,
  prepareForLocal,
} from '../../../cli/runner/guard.ts';

const LAMBDA = 'arn:aws:states:::lambda:invoke';
const TOKEN_LAMBDA = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const FN = 'arn:aws:lambda:local:000000000000:function:Fn';

function task(extra: Record<string, unknown> = {}) {
  return {
    Type: 'Task',
    Resource: LAMBDA,
    Parameters: { FunctionName: FN, 'Payload.$': '$' },
    End: true,
    ...extra,
  };
}

function machine(states: Record<string, unknown>, extra: Record<string, unknown> = {}): AslDefinition {
  return { StartAt: Object.keys(states)[0]!, States: states, ...extra } as AslDefinition;
}

/** The state `CopyShard` inside the Map `Seed`, with `extra` fields. */
function inMap(extra: Record<string, unknown>, mapExtra: Record<string, unknown> = {}): AslDefinition {
  return machine({
    Seed: {
      Type: 'Map',
      ItemsPath: '$.shards',
      ItemProcessor: { StartAt: 'CopyShard', States: { CopyShard: task(extra) } },
      End: true,
      ...mapExtra,
    },
  });
}

describe('findLocalRunBlockers', () => {
  it('accepts a JSONPath-only definition like the one CDK synthesizes', () => {
    const asl = machine({
      Precheck: task({ Retry: [{ ErrorEquals: ['TransientError'] }], Next: 'Gate', End: undefined }),
      Gate: {
        Type: 'Task',
        Resource: TOKEN_LAMBDA,
        Parameters: { FunctionName: FN, Payload: { 'token.$': '$$.Task.Token', 'id.$': '$$.Execution.Id' } },
        HeartbeatSeconds: 60,
        TimeoutSecondsPath: '$.freeze_seconds',
        End: true,
      },
    });

    expect(findLocalRunBlockers(asl)).toEqual([]);
    expect(() => checkLocallyRunnable(asl)).not.toThrow();
  });

  it.each([
    ['QueryLanguage', { QueryLanguage: 'JSONata' }],
    ['Arguments', { Arguments: { Payload: '{% $states.input %}' } }],
    ['Output', { Output: '{% $states.result %}' }],
    ['Assign', { Assign: { x: 1 } }],
    ['HeartbeatSecondsPath', { HeartbeatSecondsPath: '$.hb' }],
    ['HeartbeatSeconds', { HeartbeatSeconds: 30 }],
    ['Catch[0].Assign', { Catch: [{ ErrorEquals: ['States.ALL'], Next: 'X', Assign: { e: 1 } }] }],
  ])('refuses %s on a task state and names the state', (field, extra) => {
    const blockers = findLocalRunBlockers(machine({ Precheck: task(extra) }));

    expect(blockers).toEqual([expect.objectContaining({ where: 'Precheck', field })]);
  });

  it.each([
    'ItemReader',
    'ItemBatcher',
    'ResultWriter',
    'ToleratedFailurePercentage',
    'ToleratedFailurePercentagePath',
    'ToleratedFailureCount',
    'ToleratedFailureCountPath',
  ])('refuses Map %s and names the Map state', (field) => {
    const blockers = findLocalRunBlockers(inMap({}, { [field]: field.endsWith('Path') ? '$.x' : 1 }));

    expect(blockers).toEqual([expect.objectContaining({ where: 'Seed', field })]);
  });

  it('refuses forbidden fields inside a Map ItemProcessor and a Parallel branch, naming the nesting', () => {
    const asl = machine({
      Seed: {
        Type: 'Map',
        Iterator: { StartAt: 'CopyShard', States: { CopyShard: task({ Assign: { a: 1 } }) } },
        Next: 'Both',
      },
      Both: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'Left', States: { Left: task() } },
          { StartAt: 'Right', States: { Right: task({ Output: {} }) } },
        ],
        End: true,
      },
    });

    expect(findLocalRunBlockers(asl).map((b) => `${b.where}: ${b.field}`)).toEqual([
      'Seed > CopyShard: Assign',
      'Both > Right: Output',
    ]);
  });

  it('refuses top-level JSONata', () => {
    expect(findLocalRunBlockers(machine({ A: task() }, { QueryLanguage: 'JSONata' }))).toEqual([
      expect.objectContaining({ where: '(top level)', field: 'QueryLanguage' }),
    ]);
  });

  it('allows HeartbeatSeconds on a .waitForTaskToken task (the broker emulates it)', () => {
    const asl = machine({ Gate: task({ Resource: TOKEN_LAMBDA, HeartbeatSeconds: 30 }) });

    expect(findLocalRunBlockers(asl)).toEqual([]);
  });

  it('refuses $$.State, $$.Execution.Input inside a Map, and $$.Task.Token outside a token task', () => {
    const asl = machine({
      Top: task({
        Parameters: { 'input.$': '$$.Execution.Input', 'st.$': '$$.State.Name' },
        Next: 'Seed',
        End: undefined,
      }),
      Seed: {
        Type: 'Map',
        ItemSelector: { 'cfg.$': '$$.Execution.Input.config', 'item.$': '$$.Map.Item.Value' },
        ItemProcessor: {
          StartAt: 'CopyShard',
          States: {
            CopyShard: task({ Parameters: { 'cfg.$': '$$.Execution.Input.config', 't.$': '$$.Task.Token' } }),
          },
        },
        End: true,
      },
    });

    expect(findLocalRunBlockers(asl).map((b) => `${b.where}: ${b.field}`)).toEqual([
      'Top: Parameters.st.$',
      'Seed > CopyShard: Parameters.cfg.$',
      'Seed > CopyShard: Parameters.t.$',
    ]);
  });

  it('refuses a state name used twice (handlers are keyed by name)', () => {
    const asl = machine({
      Copy: task({ Next: 'Seed', End: undefined }),
      Seed: { Type: 'Map', ItemProcessor: { StartAt: 'Copy', States: { Copy: task() } }, End: true },
    });

    expect(findLocalRunBlockers(asl)).toEqual([
      {
        where: 'Seed > Copy',
        field: '(name)',
        reason: 'the state name is also used at Copy; handlers are keyed by state name',
      },
    ]);
  });
});

describe('checkLocallyRunnable', () => {
  it('throws one InvalidInputError listing every offending state and field', () => {
    const asl = machine({
      A: task({ Assign: { x: 1 }, Next: 'Seed', End: undefined }),
      Seed: { ...inMap({}).States['Seed'], ItemReader: { Resource: 'arn:aws:states:::s3:getObject' } },
    });

    let thrown: unknown;
    try {
      checkLocallyRunnable(asl);
    } catch (e) {
      thrown = e;
    }

    expect(thrown).toMatchObject({ name: 'InvalidInputError', code: 'ASL_NOT_LOCALLY_RUNNABLE' });
    const message = (thrown as Error).message;
    expect(message).toContain('uses 2 feature(s)');
    expect(message).toContain('  - state "A": Assign — workflow variables are not supported');
    expect(message).toContain('  - state "Seed": ItemReader — Distributed Map reader');
  });
});

describe('prepareForLocal', () => {
  it('clamps timeouts above the timer limit and leaves smaller ones', () => {
    const asl = machine(
      {
        Big: task({ TimeoutSeconds: 99_999_999, Next: 'Small', End: undefined }),
        Small: task({ TimeoutSeconds: 30, Next: 'Sleep', End: undefined }),
        Sleep: { Type: 'Wait', Seconds: 3_000_000, End: true },
      },
      { TimeoutSeconds: 31_536_000 },
    );

    const local = prepareForLocal(asl);

    expect(local.TimeoutSeconds).toBe(MAX_LOCAL_TIMEOUT_SECONDS);
    expect(local.States['Big']?.['TimeoutSeconds']).toBe(2_147_483);
    expect(local.States['Small']?.['TimeoutSeconds']).toBe(30);
    expect(local.States['Sleep']?.['Seconds']).toBe(2_147_483);
    expect(asl.States['Big']?.['TimeoutSeconds']).toBe(99_999_999); // the input is not modified
  });

  it('gives tasks without a timeout the maximum instead of the interpreter default of 60 s, also inside a Map', () => {
    const local = prepareForLocal(inMap({}));

    const seed = local.States['Seed'] as unknown as { ItemProcessor: AslDefinition };
    expect(seed.ItemProcessor.States['CopyShard']?.['TimeoutSeconds']).toBe(2_147_483);
  });

  it('carries TimeoutSecondsPath through Parameters so it is read from the state input, as in AWS', () => {
    const local = prepareForLocal(
      machine({ Freeze: task({ TimeoutSecondsPath: '$.cutover.freeze_seconds' }) }),
    );

    expect(local.States['Freeze']).toMatchObject({
      TimeoutSecondsPath: `$.${LOCAL_TIMEOUT_PARAMETER}`,
      Parameters: {
        FunctionName: FN,
        'Payload.$': '$',
        [`${LOCAL_TIMEOUT_PARAMETER}.$`]: '$.cutover.freeze_seconds',
      },
    });
    expect(local.States['Freeze']?.['TimeoutSeconds']).toBeUndefined();
  });

  it('removes ResultPath "$" and rewrites $[...] result paths the interpreter misparses', () => {
    const local = prepareForLocal(
      machine({
        A: task({
          ResultPath: '$',
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: "$['error']", Next: 'B' }],
          Next: 'B',
          End: undefined,
        }),
        B: { Type: 'Pass', ResultPath: '$.b', End: true },
      }),
    );

    expect('ResultPath' in (local.States['A'] ?? {})).toBe(false);
    expect(local.States['A']?.['Catch']).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: "$.['error']", Next: 'B' },
    ]);
    expect(local.States['B']?.['ResultPath']).toBe('$.b');
  });
});
