/**
 * `kraft-migrate callback --token T (--success JSON | --failure ERROR [--cause TEXT] | --heartbeat)`:
 * answers a task token — what a producer-freeze system or an operator does, without the AWS CLI.
 * `--runner local` (default) answers the local runner's broker found in `--state-dir`;
 * `--runner aws` calls Step Functions SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat.
 */
import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { causeText, InvalidInputError, PreconditionError } from '../../core/domain/errors.ts';
import { type CliIO, EXIT } from '../io.ts';
import { toJson } from '../render.ts';
import { sendTaskFailure, sendTaskHeartbeat, sendTaskSuccess } from '../runner/broker-client.ts';
import { tokenLabel } from '../runner/broker-protocol.ts';
import { resolveStateDir } from '../runner/state-dir.ts';

export interface CallbackOptions {
  readonly token?: string;
  /** The task's output, as JSON text. */
  readonly success?: string;
  /** The error name the task fails with (what Retry/Catch match). */
  readonly failure?: string;
  readonly cause?: string;
  readonly heartbeat?: boolean;
  readonly runner?: 'local' | 'aws';
  readonly stateDir?: string;
  readonly json?: boolean;
}

export interface CallbackDeps {
  /** Step Functions client for `--runner aws` (tests pass a mocked one). */
  readonly sfn?: () => SFNClient;
}

/** Step Functions' limits on SendTaskFailure. */
const MAX_ERROR_CHARS = 256;
const MAX_CAUSE_CHARS = 32_768;

type Answer =
  | { readonly outcome: 'success'; readonly output: unknown }
  | { readonly outcome: 'failure'; readonly error: string; readonly cause?: string }
  | { readonly outcome: 'heartbeat' };

export async function runCallback(
  opts: CallbackOptions,
  io: CliIO,
  deps: CallbackDeps = {},
): Promise<number> {
  const token = opts.token?.trim();
  if (!token) {
    throw new InvalidInputError('callback needs the task token (--token).', {
      code: 'CALLBACK_NO_TOKEN',
      fix: 'Pass the token the workflow handed out, e.g. --token AAAA...; `kraft-migrate status` lists the pending ones of a local run.',
    });
  }
  const answer = parseAnswer(opts);
  const runner = opts.runner ?? 'local';

  let stateName: string | undefined;
  let gate: string | undefined;
  if (runner === 'local') {
    const stateDir = resolveStateDir(opts.stateDir, io.env);
    const receipt =
      answer.outcome === 'success'
        ? await sendTaskSuccess(stateDir, token, answer.output)
        : answer.outcome === 'failure'
          ? await sendTaskFailure(stateDir, token, answer.error, answer.cause)
          : await sendTaskHeartbeat(stateDir, token);
    stateName = receipt.stateName;
    gate = receipt.gate;
  } else {
    await answerOnAws((deps.sfn ?? (() => new SFNClient({})))(), token, answer);
  }

  if (opts.json) {
    io.out(
      toJson({
        token: tokenLabel(token),
        outcome: answer.outcome,
        runner,
        state: stateName ?? null,
        gate: gate ?? null,
      }),
    );
  } else {
    const where = stateName ? ` of state "${stateName}"${gate ? ` (gate "${gate}")` : ''}` : '';
    const what = answer.outcome === 'failure' ? `failure ${answer.error}` : answer.outcome;
    io.out(
      `Answered task token ${tokenLabel(token)}${where}: ${what}${runner === 'aws' ? ' (AWS Step Functions)' : ''}`,
    );
  }
  return EXIT.ok;
}

function parseAnswer(opts: CallbackOptions): Answer {
  const given = [opts.success !== undefined, opts.failure !== undefined, opts.heartbeat === true].filter(
    Boolean,
  );
  if (given.length !== 1) {
    throw new InvalidInputError(
      `callback needs exactly one of --success JSON, --failure ERROR or --heartbeat (got ${given.length}).`,
      {
        code: 'CALLBACK_ANSWER',
        fix: `e.g. --success '{"frozen":true}' or --failure ProducerFreezeFailed --cause "webhook said no"`,
      },
    );
  }
  if (opts.success !== undefined) {
    let output: unknown;
    try {
      output = JSON.parse(opts.success);
    } catch (e) {
      throw new InvalidInputError(
        `--success must be JSON: ${causeText(e)} in ${JSON.stringify(opts.success.slice(0, 80))}.`,
        {
          code: 'CALLBACK_OUTPUT',
          fix: `Quote it for the shell, e.g. --success '{"ok":true}' (a bare word needs quotes: '"yes"').`,
        },
      );
    }
    return { outcome: 'success', output };
  }
  if (opts.failure !== undefined) {
    const error = opts.failure.trim();
    if (!error || error.length > MAX_ERROR_CHARS) {
      throw new InvalidInputError(
        `--failure must be an error name of 1 to ${MAX_ERROR_CHARS} characters (got ${error.length}).`,
        {
          code: 'CALLBACK_ERROR',
          fix: 'Use the error name the workflow catches, e.g. --failure ProducerFreezeFailed.',
        },
      );
    }
    if (opts.cause !== undefined && opts.cause.length > MAX_CAUSE_CHARS) {
      throw new InvalidInputError(
        `--cause is ${opts.cause.length} characters; Step Functions accepts at most ${MAX_CAUSE_CHARS}.`,
        {
          code: 'CALLBACK_CAUSE',
          fix: 'Shorten the cause.',
        },
      );
    }
    return opts.cause === undefined
      ? { outcome: 'failure', error }
      : { outcome: 'failure', error, cause: opts.cause };
  }
  return { outcome: 'heartbeat' };
}

async function answerOnAws(sfn: SFNClient, taskToken: string, answer: Answer): Promise<void> {
  try {
    if (answer.outcome === 'success') {
      await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(answer.output) }));
    } else if (answer.outcome === 'failure') {
      await sfn.send(
        new SendTaskFailureCommand({
          taskToken,
          error: answer.error,
          ...(answer.cause === undefined ? {} : { cause: answer.cause }),
        }),
      );
    } else {
      await sfn.send(new SendTaskHeartbeatCommand({ taskToken }));
    }
  } catch (e) {
    throw awsError(e, taskToken);
  } finally {
    sfn.destroy();
  }
}

const AWS_REFUSALS: Readonly<Record<string, { input: boolean; fix: string }>> = {
  TaskTimedOut: {
    input: false,
    fix: 'The task is no longer waiting (answered before, timed out, or the execution ended): nothing to do for this token.',
  },
  TaskDoesNotExist: { input: true, fix: 'Check the token (copy it whole) and the AWS account and region.' },
  InvalidToken: { input: true, fix: 'Pass the task token exactly as the workflow handed it out.' },
  InvalidOutput: { input: true, fix: 'Send a JSON value of at most 256 KiB.' },
  AccessDeniedException: {
    input: false,
    fix: 'Use credentials allowed states:SendTaskSuccess/SendTaskFailure/SendTaskHeartbeat on the state machine (the stack creates a callback role).',
  },
};

function awsError(e: unknown, token: string): unknown {
  const name = (e as Error).name;
  const known = AWS_REFUSALS[name];
  if (!known) return e;
  const message = `${name}: Step Functions refused task token ${tokenLabel(token)}: ${causeText(e)}`;
  const options = {
    code: `AWS_${name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`,
    fix: known.fix,
    cause: e,
  };
  return known.input ? new InvalidInputError(message, options) : new PreconditionError(message, options);
}
