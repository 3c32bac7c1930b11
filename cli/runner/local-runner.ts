/**
 * Runs the workflow's ASL on this machine with aws-local-stepfunctions, every Task state mapped
 * to the same handler code the deployed workflow runs: Lambda handlers in-process, ECS tasks as
 * child processes (containers.ts), task tokens served by the local broker (token-broker.ts).
 * What aws-local-stepfunctions 3.0.0 does differently from AWS (context object, task tokens,
 * timeouts, errors, paths, Map, payload limits, events) and what this runner does about each:
 * docs/local-runner.md — keep it in step with this file.
 */

import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { causeText, InvalidInputError, InvariantError } from '../../core/domain/errors.ts';
import { secretValues } from '../../core/domain/journal/secrets.ts';
import { TOKEN_GATES } from '../../core/domain/workflow.ts';
import { type AslDefinition, type AslState, LOCAL_ACCOUNT_ID, LOCAL_REGION } from './asl.ts';
import { MAX_PAYLOAD_BYTES, payloadBytes } from './broker-protocol.ts';
import {
  type ContainerHandler,
  ContainerSupervisor,
  isContainerHandler,
  runtimeError,
} from './containers.ts';
import { fromInterpreterEvent, type RunnerEvent, redacted } from './events.ts';
import {
  checkLocallyRunnable,
  LOCAL_TIMEOUT_PARAMETER,
  MAX_LOCAL_TIMEOUT_SECONDS,
  prepareForLocal,
} from './guard.ts';
import { resolveReferencePath } from './json-path.ts';
import { classifyResource, type TaskResource } from './resources.ts';
import { TokenBroker } from './token-broker.ts';
import { allStates } from './walk.ts';

/** A Lambda handler as lambdas/_shared/step.ts builds them (any `(event) => result` works). */
export type LambdaHandler = (event: unknown, context?: Partial<Context>) => unknown;

export type TaskHandler = LambdaHandler | ContainerHandler;

/** Handlers keyed by Task state name. */
export type TaskHandlers = Readonly<Record<string, TaskHandler>>;

type JSONValue = Parameters<StateMachine['run']>[0];

export interface RunOverrides {
  /** Milliseconds to wait before retrying, per state (number or one per retrier). */
  readonly retryIntervalOverrides?: Readonly<Record<string, number | number[]>>;
  /** Milliseconds a Wait state waits, per state. */
  readonly waitTimeOverrides?: Readonly<Record<string, number>>;
}

export interface RunLocalOptions {
  readonly asl: AslDefinition;
  readonly input: unknown;
  readonly handlers: TaskHandlers;
  /** Where the token broker publishes broker.json (answering processes read it). */
  readonly stateDir: string;
  readonly onEvent?: (event: RunnerEvent) => void;
  readonly overrides?: RunOverrides;
  /** Gate name → state name of the token tasks answerable by gate. @default TOKEN_GATES */
  readonly gates?: Readonly<Record<string, string>>;
  /** Aborting ends the run with status ABORTED. */
  readonly signal?: AbortSignal;
  /** `$$.Execution.Name`. @default local-<time>-<random> */
  readonly executionName?: string;
  /** `$$.StateMachine.Name`. @default kraft-migrate */
  readonly stateMachineName?: string;
  /** Time a container gets between SIGTERM and SIGKILL when stopped. @default 5000 */
  readonly stopGraceMs?: number;
  /**
   * Writes the execution history — every event with its inputs and outputs, and every container
   * line (what CloudWatch Logs would hold) — to `<historyDir>/<execution name>.jsonl`, redacted.
   */
  readonly historyDir?: string;
}

export type RunStatus = 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

export interface RunLocalResult {
  readonly status: RunStatus;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly executionArn: string;
  readonly startedAt: string;
  readonly stoppedAt: string;
  /** With `historyDir`: the file the history went to. */
  readonly historyFile?: string;
  /** The timeline, ordered by time (container output lines only go to onEvent). */
  readonly events: readonly RunnerEvent[];
}

/** `$$.Task.Token` as the interpreter sees it; replaced per task execution by a minted token. */
export const TASK_TOKEN_PLACEHOLDER = 'kraft-migrate-local-task-token-placeholder';

interface TaskState {
  readonly name: string;
  readonly state: AslState;
  readonly resource: TaskResource;
  readonly handler: TaskHandler | undefined;
  readonly gate: string | undefined;
}

interface Deps {
  readonly broker: TokenBroker;
  readonly containers: ContainerSupervisor;
  /** The execution input's secrets (secretValues): redacted from container results and causes. */
  readonly secrets: readonly string[];
}

export async function runLocal(opts: RunLocalOptions): Promise<RunLocalResult> {
  checkLocallyRunnable(opts.asl);
  validateDefinition(opts.asl);
  const prepared = prepareForLocal(opts.asl);
  const tasks = taskStates(prepared, opts.handlers, opts.gates ?? TOKEN_GATES);

  const stateMachineName = opts.stateMachineName ?? 'kraft-migrate';
  const executionName =
    opts.executionName ??
    `local-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const executionArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:execution:${stateMachineName}:${executionName}`;

  // Every event, container line, task result and failure cause goes through `redacted`: the
  // timeline is the local execution history, and the input's passwords must not be in it.
  const secrets = secretValues(opts.input);
  const events: RunnerEvent[] = [];
  const history = opts.historyDir ? await openHistory(opts.historyDir, executionName) : undefined;
  const emit = (raw: RunnerEvent) => {
    const event = redacted(raw, secrets);
    if (event.type !== 'ContainerOutput') events.push(event);
    history?.stream.write(`${JSON.stringify(event)}\n`);
    try {
      opts.onEvent?.(event);
    } catch {
      // a broken listener must not break the run
    }
  };

  const startedAt = new Date().toISOString();
  let abortExecution: (() => void) | undefined;
  let stopRequested = false;
  const broker = await TokenBroker.start({
    stateDir: opts.stateDir,
    onEvent: emit,
    onStop: () => {
      stopRequested = true;
      abortExecution?.();
    },
  });
  const containers = new ContainerSupervisor({
    emit,
    ...(opts.stopGraceMs === undefined ? {} : { stopGraceMs: opts.stopGraceMs }),
  });
  const deps: Deps = { broker, containers, secrets };
  let outcome: Pick<RunLocalResult, 'status' | 'output' | 'error' | 'cause'>;
  try {
    const machine = new StateMachine(prepared as unknown as StateMachineDefinition, {
      validationOptions: { noValidate: true },
    });
    const runOptions: RunOptions = {
      overrides: {
        taskResourceLocalHandlers: Object.fromEntries(tasks.map((t) => [t.name, localHandler(t, deps)])),
        ...(opts.overrides?.retryIntervalOverrides
          ? { retryIntervalOverrides: { ...opts.overrides.retryIntervalOverrides } }
          : {}),
        ...(opts.overrides?.waitTimeOverrides
          ? { waitTimeOverrides: { ...opts.overrides.waitTimeOverrides } }
          : {}),
      },
      context: {
        Execution: {
          Id: executionArn,
          Name: executionName,
          RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/kraft-migrate-local`,
        },
        StateMachine: {
          Id: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stateMachine:${stateMachineName}`,
          Name: stateMachineName,
        },
        Task: { Token: TASK_TOKEN_PLACEHOLDER },
      },
    };
    const execution = machine.run(opts.input as JSONValue, runOptions);
    const pump = (async () => {
      for await (const event of execution.eventLogs) emit(fromInterpreterEvent(event));
    })();
    const onAbort = () => execution.abort();
    abortExecution = onAbort;
    if (opts.signal?.aborted || stopRequested) onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      outcome = { status: 'SUCCEEDED', output: await execution.result };
    } catch (e) {
      outcome = failureOutcome(e);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    // The generator ends when the interpreter closes its log (every end of a run does); do not
    // let a missing close hang the CLI.
    await Promise.race([pump, sleep(2000, undefined, { ref: false })]);
  } finally {
    await containers.stopAll('the execution ended');
    await broker.close();
    if (history) await new Promise((resolve) => history.stream.end(resolve));
  }
  return {
    ...redacted(outcome, secrets),
    ...(history ? { historyFile: history.path } : {}),
    executionArn,
    startedAt,
    stoppedAt: new Date().toISOString(),
    events: events
      .map((e, i) => ({ e, i }))
      .sort((a, b) => a.e.timestamp - b.e.timestamp || a.i - b.i)
      .map((x) => x.e),
  };
}

async function openHistory(
  dir: string,
  executionName: string,
): Promise<{ path: string; stream: WriteStream }> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${executionName}.jsonl`);
  return { path, stream: createWriteStream(path, { flags: 'a', mode: 0o600 }) };
}

function failureOutcome(e: unknown): Pick<RunLocalResult, 'status' | 'error' | 'cause'> {
  if (e instanceof ExecutionAbortedError) return { status: 'ABORTED' };
  if (e instanceof ExecutionTimeoutError) {
    return {
      status: 'TIMED_OUT',
      error: 'States.Timeout',
      cause: 'the execution exceeded its TimeoutSeconds',
    };
  }
  if (e instanceof ExecutionError) {
    const cause = e.cause as Error | undefined;
    return { status: 'FAILED', error: cause?.name ?? 'Error', cause: cause?.message ?? e.message };
  }
  throw e;
}

function validateDefinition(asl: AslDefinition): void {
  try {
    new StateMachine(asl as unknown as StateMachineDefinition);
  } catch (e) {
    throw new InvalidInputError(`The state machine definition is invalid: ${causeText(e)}`, {
      code: 'ASL_INVALID',
      fix: 'Fix the workflow in infra/ and synthesize again; AWS would refuse this definition too.',
    });
  }
}

function taskStates(
  asl: AslDefinition,
  handlers: TaskHandlers,
  gates: Readonly<Record<string, string>>,
): TaskState[] {
  const gateOfState = new Map(Object.entries(gates).map(([gate, state]) => [state, gate]));
  const tasks: TaskState[] = [];
  const problems: string[] = [];
  for (const { name, state, where } of allStates(asl)) {
    if (state.Type !== 'Task') continue;
    const resource = classifyResource(String(state['Resource']));
    const handler = handlers[name];
    if (
      handler === undefined &&
      resource.kind !== 'ecs-stop-task' &&
      resource.kind !== 'ecs-describe-tasks'
    ) {
      problems.push(`state "${where}" (${resource.resource}) has no handler`);
    }
    if (isContainerHandler(handler) && resource.kind !== 'ecs-run-task') {
      problems.push(
        `state "${where}" is ${resource.resource}, but its handler is a container (only for ecs:runTask)`,
      );
    }
    tasks.push({ name, state, resource, handler, gate: gateOfState.get(name) });
  }
  for (const name of Object.keys(handlers)) {
    if (!tasks.some((t) => t.name === name))
      problems.push(`handler "${name}" matches no Task state (a typo?)`);
  }
  if (problems.length > 0) {
    throw new InvalidInputError(
      `The local runner cannot map every Task state to a handler:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      {
        code: 'RUNNER_HANDLERS',
        fix: 'Give every Task state a handler keyed by its state name (core/domain/workflow.ts STATE_NAMES); without one, aws-local-stepfunctions would call the real AWS Lambda API.',
      },
    );
  }
  return tasks;
}

/**
 * The function aws-local-stepfunctions calls for the state. Its synchronous part must stay
 * synchronous: the interpreter reads TimeoutSecondsPath from `input` right after calling it.
 */
function localHandler(task: TaskState, deps: Deps): (input: JSONValue) => Promise<JSONValue> {
  return (input) => {
    let timeoutSeconds: number | undefined;
    try {
      timeoutSeconds = takeTimeout(task, input);
    } catch (e) {
      return Promise.reject(e);
    }
    const effective = withoutLocalKeys(input);
    // Created before the interpreter's own timer (same duration): it fires first, so clean-up
    // (expire the token, stop the container) happens before the state fails with States.Timeout.
    const watch = new TimeoutWatch(timeoutSeconds);
    return runTask(task, effective, timeoutSeconds, watch, deps)
      .then((result) => checkedResult(task, result))
      .finally(() => watch.clear());
  };
}

class TimeoutWatch {
  fired = false;
  #listener: (() => void) | undefined;
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(seconds: number | undefined) {
    if (seconds === undefined) return;
    this.#timer = setTimeout(() => {
      this.fired = true;
      this.#listener?.();
    }, Math.min(seconds, MAX_LOCAL_TIMEOUT_SECONDS) * 1000);
  }

  onTimeout(listener: () => void): void {
    this.#listener = listener;
    if (this.fired) listener();
  }

  clear(): void {
    clearTimeout(this.#timer);
  }
}

function takeTimeout(task: TaskState, input: unknown): number | undefined {
  const { state } = task;
  if (typeof state['TimeoutSeconds'] === 'number') return state['TimeoutSeconds'];
  const path = state['TimeoutSecondsPath'];
  if (typeof path !== 'string') return undefined;
  if (path === `$.${LOCAL_TIMEOUT_PARAMETER}` && isObject(input)) {
    const value = input[LOCAL_TIMEOUT_PARAMETER];
    if (typeof value !== 'number') return undefined; // the interpreter reports it as States.Runtime
    if (value > MAX_LOCAL_TIMEOUT_SECONDS) input[LOCAL_TIMEOUT_PARAMETER] = MAX_LOCAL_TIMEOUT_SECONDS;
    return Math.min(value, MAX_LOCAL_TIMEOUT_SECONDS);
  }
  const value = resolveReferencePath(path, input);
  if (typeof value === 'number' && value > MAX_LOCAL_TIMEOUT_SECONDS) {
    throw runtimeError(
      `${task.name}: TimeoutSecondsPath ${path} is ${value} s, more than the local runner's maximum ${MAX_LOCAL_TIMEOUT_SECONDS} s (24.8 days); the interpreter's timer would fire at once. Give the state Parameters (the runner then clamps the value) or a smaller timeout.`,
    );
  }
  return typeof value === 'number' ? value : undefined;
}

async function runTask(
  task: TaskState,
  input: unknown,
  timeoutSeconds: number | undefined,
  watch: TimeoutWatch,
  deps: Deps,
): Promise<unknown> {
  // Let the interpreter's StateEntered event reach the timeline before this task's own events.
  await new Promise((resolve) => setImmediate(resolve));
  const { handler, resource } = task;
  if (handler === undefined) return builtIn(task, input, deps);
  if (resource.pattern === 'wait-for-task-token')
    return waitForTaskToken(task, handler, input, timeoutSeconds, watch, deps);
  if (isContainerHandler(handler)) {
    return resource.pattern === 'sync'
      ? runContainerToCompletion(task, handler, input, timeoutSeconds, watch, deps)
      : startContainer(task, handler, input, deps);
  }
  const payload = resource.kind === 'lambda-invoke' ? lambdaPayload(input) : input;
  const result = await callFunction(task, handler, payload, timeoutSeconds);
  return resource.kind === 'lambda-invoke' ? lambdaEnvelope(result) : result;
}

async function waitForTaskToken(
  task: TaskState,
  handler: TaskHandler,
  input: unknown,
  timeoutSeconds: number | undefined,
  watch: TimeoutWatch,
  deps: Deps,
): Promise<unknown> {
  const { broker } = deps;
  const heartbeat = task.state['HeartbeatSeconds'];
  const minted = broker.mint({
    stateName: task.name,
    ...(task.gate === undefined ? {} : { gate: task.gate }),
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
    ...(typeof heartbeat === 'number' ? { heartbeatSeconds: heartbeat } : {}),
  });
  const withToken = replacePlaceholder(input, minted.token);
  const payload = task.resource.kind === 'lambda-invoke' ? lambdaPayload(withToken) : withToken;
  // What `status` lists for the pending task: without the input's secrets.
  broker.setPayload(minted.token, redacted(payload, deps.secrets));
  watch.onTimeout(() =>
    broker.expire(
      minted.token,
      `the state timed out after TimeoutSeconds=${timeoutSeconds} (States.Timeout)`,
    ),
  );
  // The handler hands the token out (webhook, gate record, container env); its own result is
  // ignored, as in AWS. If it fails first, the task fails with its error.
  const handlerFailed = (async () => {
    if (isContainerHandler(handler)) await deps.containers.start(task.name, handler, withToken);
    else await callFunction(task, handler, payload, timeoutSeconds);
    return new Promise<never>(() => {});
  })().catch((e: unknown) => {
    broker.expire(minted.token, `the handler failed: ${(e as Error).name}`);
    throw e;
  });
  return Promise.race([minted.settled, handlerFailed]);
}

async function runContainerToCompletion(
  task: TaskState,
  handler: ContainerHandler,
  input: unknown,
  timeoutSeconds: number | undefined,
  watch: TimeoutWatch,
  deps: Deps,
): Promise<unknown> {
  const run = await deps.containers.start(task.name, handler, input);
  watch.onTimeout(() => {
    void deps.containers.stop(run.taskArn, `the state timed out after TimeoutSeconds=${timeoutSeconds}`);
  });
  const stopped = await run.done;
  // The interpreter has already failed the state with States.Timeout: leave its verdict alone.
  if (watch.fired) return new Promise<never>(() => {});
  const exit = stopped.Containers[0]?.ExitCode;
  if (stopped.StopCode === 'EssentialContainerExited' && exit === 0) return redacted(stopped, deps.secrets);
  throw taskFailed(stopped, deps);
}

async function startContainer(
  task: TaskState,
  handler: ContainerHandler,
  input: unknown,
  deps: Deps,
): Promise<unknown> {
  const run = await deps.containers.start(task.name, handler, input);
  const described = run.describe();
  if (described.StopCode === 'TaskFailedToStart' || run.pid === undefined) {
    throw taskFailed(await run.done, deps);
  }
  // RunTask's response: the task is on its way; the runner stops it when the execution ends.
  return redacted({ Tasks: [described], Failures: [] }, deps.secrets);
}

/** States.TaskFailed with the stopped task (DescribeTasks shape) as its cause, secrets redacted. */
function taskFailed(stopped: unknown, deps: Deps): Error {
  return Object.assign(new Error(redacted(JSON.stringify(stopped), deps.secrets)), {
    name: 'States.TaskFailed',
  });
}

/** ECS stopTask / describeTasks (aws-sdk integrations) on the containers this runner started. */
async function builtIn(task: TaskState, input: unknown, deps: Deps): Promise<unknown> {
  const params = isObject(input) ? input : {};
  if (task.resource.kind === 'ecs-stop-task') {
    const taskArn = String(params['Task'] ?? '');
    const reason = typeof params['Reason'] === 'string' ? params['Reason'] : `stopped by state ${task.name}`;
    const stopped = await deps.containers.stop(taskArn, reason);
    if (!stopped) {
      throw Object.assign(new Error(`The referenced task was not found: ${taskArn}`), {
        name: 'Ecs.InvalidParameterException',
      });
    }
    return redacted({ Task: stopped }, deps.secrets);
  }
  const arns = Array.isArray(params['Tasks']) ? params['Tasks'].map(String) : [];
  const found = arns.map((arn) => deps.containers.get(arn)?.describe());
  return redacted(
    {
      Tasks: found.filter((t) => t !== undefined),
      Failures: arns.filter((_, i) => found[i] === undefined).map((arn) => ({ Arn: arn, Reason: 'MISSING' })),
    },
    deps.secrets,
  );
}

async function callFunction(
  task: TaskState,
  handler: LambdaHandler,
  payload: unknown,
  timeoutSeconds: number | undefined,
): Promise<unknown> {
  const deadline = Date.now() + (timeoutSeconds ?? MAX_LOCAL_TIMEOUT_SECONDS) * 1000;
  const context: Partial<Context> = {
    functionName: task.name,
    awsRequestId: randomUUID(),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    return await handler(structuredClone(payload), context);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const name = err.name || 'Error';
    const isLambda = task.resource.kind === 'lambda-invoke' || task.resource.kind === 'lambda-function';
    // Lambda's error output: Error = errorType, Cause = {"errorType","errorMessage"} as JSON.
    const cause = isLambda ? JSON.stringify({ errorType: name, errorMessage: err.message }) : err.message;
    throw Object.assign(new Error(cause), { name });
  }
}

function checkedResult(task: TaskState, result: unknown): JSONValue {
  let json: string | undefined;
  try {
    json = JSON.stringify(result);
  } catch (e) {
    throw new InvariantError(`${task.name}: the handler returned a value that is not JSON: ${causeText(e)}`, {
      code: 'RUNNER_RESULT_NOT_JSON',
      fix: 'Return plain JSON from handlers (offsets as decimal strings, not BigInt).',
    });
  }
  if (json === undefined) return null;
  const bytes = payloadBytes(result);
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw Object.assign(
      new Error(
        `${task.name} returned ${bytes} bytes; Step Functions allows ${MAX_PAYLOAD_BYTES} (256 KiB) per payload, so in AWS this execution fails here. Store large results in S3 and pass the key.`,
      ),
      { name: 'States.DataLimitExceeded', isCatchable: false, isRetryable: false },
    );
  }
  return JSON.parse(json) as JSONValue;
}

function lambdaPayload(input: unknown): unknown {
  return isObject(input) && 'Payload' in input ? input['Payload'] : {};
}

function lambdaEnvelope(result: unknown): unknown {
  return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: result === undefined ? null : result };
}

function withoutLocalKeys(input: unknown): unknown {
  if (!isObject(input) || !(LOCAL_TIMEOUT_PARAMETER in input)) return input;
  const { [LOCAL_TIMEOUT_PARAMETER]: _removed, ...rest } = input;
  return rest;
}

function replacePlaceholder(value: unknown, token: string): unknown {
  if (typeof value === 'string') return value.split(TASK_TOKEN_PLACEHOLDER).join(token);
  if (Array.isArray(value)) return value.map((v) => replacePlaceholder(v, token));
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replacePlaceholder(v, token)]));
  }
  return value;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
