import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrecheckOutput, precheckOutput } from '../../core/domain/contracts.ts';
import { PreconditionError, TransientError } from '../../core/domain/errors.ts';
import { STATE_NAMES } from '../../core/domain/workflow.ts';
import { handler as recordFailure } from '../../lambdas/record-failure/handler.ts';
import { handler as validateInput } from '../../lambdas/validate-input/handler.ts';
import { stateMachineDefinition, synth } from './helpers.ts';

/**
 * The synthesized ASL, run in-process by aws-local-stepfunctions with the real ValidateInput and
 * RecordFailure handlers (RecordFailure validates its input with recordFailureInput) and a fake
 * Precheck: proves that every route hands each state the payload its contract expects. A local
 * journal directory keeps RecordFailure off the network.
 */

const CONFIG = {
  source: { bootstrap_servers: ['127.0.0.1:19092'] },
  target: { bootstrap_servers: ['127.0.0.1:29092'] },
  storage: { segments: 's3://segments-bucket/seg', evidence: 's3://evidence-bucket/ev' },
};

const precheckResult = (overall: 'PASSED' | 'BLOCKED'): PrecheckOutput =>
  precheckOutput.parse({
    migration_id: 'mig-1',
    fingerprint: 'f'.repeat(64),
    overall,
    counts: { blocker: overall === 'BLOCKED' ? 1 : 0, warning: 0, info: 0 },
    findings:
      overall === 'BLOCKED'
        ? [
            {
              code: 'B09',
              severity: 'blocker',
              subject: 'source',
              message: 'source brokers unreachable',
              fix: 'check the security groups',
            },
          ]
        : [],
    summary: `precheck ${overall}`,
    state: 'prechecking',
    resumed: false,
  });

/**
 * What the local runner must do for an `arn:aws:states:::lambda:invoke` Task: the local handler
 * receives the whole Parameters object `{FunctionName, Payload}` and must return the Lambda
 * envelope, because the ASL reads `$.Payload`.
 */
const envelope = (fn: (payload: unknown) => Promise<unknown>) => async (parameters: unknown) => ({
  StatusCode: 200,
  ExecutedVersion: '$LATEST',
  Payload: await fn((parameters as { Payload: unknown }).Payload),
});

let definition: ReturnType<typeof stateMachineDefinition>;
let journalDir: string;
const savedJournalDir = process.env['KRAFT_MIGRATE_JOURNAL_DIR'];
beforeAll(() => {
  definition = stateMachineDefinition(synth({}, { bundle: false }).template);
  journalDir = mkdtempSync(path.join(tmpdir(), 'kraft-migrate-asl-'));
  process.env['KRAFT_MIGRATE_JOURNAL_DIR'] = journalDir;
}, 60_000);
afterAll(() => {
  if (savedJournalDir === undefined) delete process.env['KRAFT_MIGRATE_JOURNAL_DIR'];
  else process.env['KRAFT_MIGRATE_JOURNAL_DIR'] = savedJournalDir;
  rmSync(journalDir, { recursive: true, force: true });
});

interface Outcome {
  readonly states: string[];
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

/** CopyTopology stands in for the copy route, which test/it/cli/execute.test.ts runs for real. */
const stopAtCopyTopology = async (): Promise<unknown> => {
  throw new PreconditionError('CopyTopology reached');
};

async function run(
  input: unknown,
  precheck: (input: unknown) => Promise<unknown>,
  copyTopology: (input: unknown) => Promise<unknown> = stopAtCopyTopology,
): Promise<Outcome> {
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: {
        [STATE_NAMES.validateInput]: envelope((i) => validateInput(i)) as never,
        [STATE_NAMES.precheck]: envelope(precheck) as never,
        [STATE_NAMES.recordFailure]: envelope((i) => recordFailure(i)) as never,
        [STATE_NAMES.copyTopology]: envelope(copyTopology) as never,
      },
      retryIntervalOverrides: { [STATE_NAMES.validateInput]: 0, [STATE_NAMES.precheck]: 0 },
    },
  });
  const states: string[] = [];
  const collect = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') states.push(event.state.name);
    }
  })();
  try {
    const output = await execution.result;
    await collect;
    return { states, output };
  } catch (e) {
    await collect;
    const failure = (e as { cause?: { name?: string; message?: string } }).cause;
    return { states, error: failure?.name ?? String(e), cause: failure?.message };
  }
}

const failureRouteAfterValidate = [
  STATE_NAMES.validateInput,
  STATE_NAMES.inputNotValidated,
  STATE_NAMES.recordFailure,
  STATE_NAMES.failed,
];

describe('the synthesized workflow, run locally', () => {
  it('passes a valid config through ValidateInput and Precheck to CopyTopology with the migration id', async () => {
    const seen: unknown[] = [];
    const topologyInput: unknown[] = [];
    const outcome = await run(
      CONFIG,
      async (i) => {
        seen.push(i);
        return precheckResult('PASSED');
      },
      async (i) => {
        topologyInput.push(i);
        throw new PreconditionError('CopyTopology reached');
      },
    );
    expect(outcome.states).toEqual([
      STATE_NAMES.validateInput,
      STATE_NAMES.precheck,
      STATE_NAMES.checkBlockers,
      STATE_NAMES.copyTopology,
      STATE_NAMES.recordFailure,
      STATE_NAMES.failed,
    ]);
    expect(seen).toHaveLength(1);
    expect(Object.keys(seen[0] as object)).toEqual(['config']);
    expect(topologyInput[0]).toMatchObject({
      config: { source: { bootstrap_servers: ['127.0.0.1:19092'] }, seed: { max_concurrent_partitions: 4 } },
      migration_id: 'mig-1',
    });
    expect(outcome.cause).toContain('CopyTopology reached');
  });

  it('routes precheck blockers through BlockersFound to RecordFailure and fails with the blockers', async () => {
    const outcome = await run(CONFIG, async () => precheckResult('BLOCKED'));
    expect(outcome.states).toEqual([
      STATE_NAMES.validateInput,
      STATE_NAMES.precheck,
      STATE_NAMES.checkBlockers,
      STATE_NAMES.recordFailure,
      STATE_NAMES.failed,
    ]);
    expect(outcome.error).toBe('PreconditionError');
    expect(outcome.cause).toContain('B09 source: source brokers unreachable');
  });

  it('routes a Precheck error to RecordFailure with the config and the caught error', async () => {
    const outcome = await run(CONFIG, async () => {
      throw new PreconditionError('precheck could not identify both clusters');
    });
    expect(outcome.states).toEqual([
      STATE_NAMES.validateInput,
      STATE_NAMES.precheck,
      STATE_NAMES.recordFailure,
      STATE_NAMES.failed,
    ]);
    expect(outcome.error).toBe('PreconditionError');
    expect(outcome.cause).toContain('precheck could not identify both clusters');
  });

  it('retries a TransientError from Precheck', async () => {
    let calls = 0;
    const outcome = await run(CONFIG, async () => {
      calls += 1;
      if (calls < 3) throw new TransientError('ECONNRESET');
      return precheckResult('PASSED');
    });
    expect(calls).toBe(3);
    expect(outcome.states).toContain(STATE_NAMES.copyTopology);
  });

  it('routes an invalid config through InputNotValidated and fails with InvalidInputError', async () => {
    const outcome = await run({ ...CONFIG, sede: {} }, async () => precheckResult('PASSED'));
    expect(outcome.states).toEqual(failureRouteAfterValidate);
    expect(outcome.error).toBe('InvalidInputError');
    expect(outcome.cause).toContain('sede');
  });

  it('handles an execution input that is not a JSON object', async () => {
    const outcome = await run([1, 2], async () => precheckResult('PASSED'));
    expect(outcome.states).toEqual(failureRouteAfterValidate);
    expect(outcome.error).toBe('InvalidInputError');
  });

  it('does not pass stray top-level `config`/`precheck` keys of a bad input on to RecordFailure', async () => {
    const outcome = await run({ config: 1, precheck: 'x' }, async () => precheckResult('PASSED'));
    expect(outcome.states).toEqual(failureRouteAfterValidate);
    expect(outcome.error).toBe('InvalidInputError');
  });
});
