import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { runCallback } from '../../../cli/commands/callback.ts';
import type { CliIO } from '../../../cli/io.ts';

function bufferIO(): CliIO & { outText: () => string } {
  const out: string[] = [];
  return {
    out: (t) => out.push(t),
    err: () => {},
    env: {},
    stdoutIsTTY: false,
    stdinIsTTY: false,
    outText: () => out.join('\n'),
  };
}

const TOKEN = `${'T'.repeat(60)}oken`;

describe('runCallback — arguments', () => {
  it('needs a token', async () => {
    await expect(runCallback({ success: '{}' }, bufferIO())).rejects.toMatchObject({
      name: 'InvalidInputError',
      code: 'CALLBACK_NO_TOKEN',
    });
  });

  it('needs exactly one answer', async () => {
    await expect(runCallback({ token: TOKEN, success: '{}', failure: 'X' }, bufferIO())).rejects.toThrow(
      'callback needs exactly one of --success JSON, --failure ERROR or --heartbeat (got 2).',
    );
    await expect(runCallback({ token: TOKEN }, bufferIO())).rejects.toThrow('(got 0)');
  });

  it('says what is wrong with --success that is not JSON', async () => {
    await expect(runCallback({ token: TOKEN, success: 'yes' }, bufferIO())).rejects.toMatchObject({
      name: 'InvalidInputError',
      code: 'CALLBACK_OUTPUT',
      message: expect.stringMatching(/^--success must be JSON: .* in "yes"\.$/),
    });
  });

  it('refuses an error name longer than Step Functions accepts', async () => {
    await expect(runCallback({ token: TOKEN, failure: 'E'.repeat(257) }, bufferIO())).rejects.toThrow(
      '--failure must be an error name of 1 to 256 characters (got 257).',
    );
  });
});

describe('runCallback --runner aws', () => {
  const sfn = mockClient(SFNClient);
  afterEach(() => sfn.reset());

  it('sends SendTaskSuccess with the output as JSON text', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    const io = bufferIO();

    const code = await runCallback({ token: TOKEN, success: '{"frozen": true}', runner: 'aws' }, io, {
      sfn: () => new SFNClient({ region: 'eu-west-1' }),
    });

    expect(code).toBe(0);
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({
      taskToken: TOKEN,
      output: '{"frozen":true}',
    });
    expect(io.outText()).toBe('Answered task token TTTTTTTT…oken: success (AWS Step Functions)');
  });

  it('sends SendTaskFailure with error and cause', async () => {
    sfn.on(SendTaskFailureCommand).resolves({});

    await runCallback(
      { token: TOKEN, failure: 'ProducerFreezeFailed', cause: 'webhook said no', runner: 'aws' },
      bufferIO(),
      {
        sfn: () => new SFNClient({ region: 'eu-west-1' }),
      },
    );

    expect(sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toEqual({
      taskToken: TOKEN,
      error: 'ProducerFreezeFailed',
      cause: 'webhook said no',
    });
  });

  it('turns TaskTimedOut into a PreconditionError that names it', async () => {
    sfn
      .on(SendTaskSuccessCommand)
      .rejects(Object.assign(new Error('Provided task does not exist anymore'), { name: 'TaskTimedOut' }));

    await expect(
      runCallback({ token: TOKEN, success: '{}', runner: 'aws' }, bufferIO(), {
        sfn: () => new SFNClient({ region: 'eu-west-1' }),
      }),
    ).rejects.toMatchObject({
      name: 'PreconditionError',
      code: 'AWS_TASK_TIMED_OUT',
      message:
        'TaskTimedOut: Step Functions refused task token TTTTTTTT…oken: Provided task does not exist anymore',
    });
  });
});
