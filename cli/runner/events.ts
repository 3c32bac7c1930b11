/**
 * The local run's timeline: the interpreter's own events (state entered/exited/failed/retried/
 * caught, Map iterations, Parallel branches, execution start/end) plus the runner's (task tokens,
 * containers), in one flat shape, and one readable console line per event.
 */
import type { StateMachine } from 'aws-local-stepfunctions';
import { redact } from '../../core/adapters/kafka/logging.ts';
import { causeText } from '../../core/domain/errors.ts';
import { tokenLabel } from './broker-protocol.ts';

type InterpreterEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

export type RunnerEventType =
  | InterpreterEvent['type']
  | 'TaskTokenIssued'
  | 'TaskTokenAnswered'
  | 'TaskTokenExpired'
  | 'ContainerStarted'
  | 'ContainerOutput'
  | 'ContainerExited'
  | 'ContainerStopping';

export interface RunnerEvent {
  readonly type: RunnerEventType;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly stateName?: string;
  readonly stateType?: string;
  /** Map iteration index, for events of states inside a Map. */
  readonly index?: number;
  /** The enclosing Map/Parallel state, for iteration and branch events. */
  readonly parentState?: string;
  readonly input?: unknown;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** StateRetried: the retry number (1 = first retry) and the retrier's error names. */
  readonly attempt?: number;
  readonly errorEquals?: readonly string[];
  /** StateCaught: where the catcher goes. */
  readonly next?: string;
  /** Task-token events. */
  readonly token?: string;
  readonly gate?: string;
  readonly outcome?: 'success' | 'failure' | 'heartbeat';
  /** Container events. */
  readonly taskArn?: string;
  readonly pid?: number;
  readonly stream?: 'stdout' | 'stderr';
  readonly line?: string;
  readonly exitCode?: number | null;
  readonly reason?: string;
}

export function fromInterpreterEvent(e: InterpreterEvent): RunnerEvent {
  const base = { type: e.type, timestamp: e.timestamp };
  switch (e.type) {
    case 'ExecutionStarted':
      return { ...base, input: e.input };
    case 'ExecutionSucceeded':
      return { ...base, output: e.output };
    case 'ExecutionFailed':
      return { ...base, error: e.Error, cause: rawCause(e.Cause) };
    case 'ExecutionAborted':
    case 'ExecutionTimeout':
      return base;
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
      return { ...base, parentState: e.parentState.name, index: e.index };
    case 'MapIterationFailed':
      return {
        ...base,
        parentState: e.parentState.name,
        index: e.index,
        error: e.Error,
        cause: rawCause(e.Cause),
      };
    case 'ParallelBranchStarted':
    case 'ParallelBranchSucceeded':
      return { ...base, parentState: e.parentState.name };
    case 'ParallelBranchFailed':
      return { ...base, parentState: e.parentState.name, error: e.Error, cause: rawCause(e.Cause) };
    case 'StateEntered':
      return { ...base, ...stateOf(e), input: e.state.input };
    case 'StateExited':
      return { ...base, ...stateOf(e), input: e.state.input, output: e.state.output };
    case 'StateFailed':
      return { ...base, ...stateOf(e), error: e.Error, cause: rawCause(e.Cause) };
    case 'StateRetried':
      return { ...base, ...stateOf(e), attempt: e.retry.attempt, errorEquals: e.retry.retrier.ErrorEquals };
    case 'StateCaught':
      return { ...base, ...stateOf(e), next: e.catch.catcher.Next, errorEquals: e.catch.catcher.ErrorEquals };
  }
}

function stateOf(e: { state: { name: string; type: string }; index?: number }) {
  return e.index === undefined
    ? { stateName: e.state.name, stateType: e.state.type }
    : { stateName: e.state.name, stateType: e.state.type, index: e.index };
}

/** The cause as Step Functions records it: a Lambda's JSON cause stays JSON, as in the execution history. */
function rawCause(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  return typeof cause === 'string' ? cause : causeText(cause);
}

/**
 * `value` (an event, a task result, an error text) with every secret replaced by `***`: the
 * timeline is the local execution history, and like AWS's it must not hold a password.
 */
export function redacted<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0 || value === undefined) return value;
  if (typeof value === 'string') return redact(value, secrets) as T;
  return JSON.parse(redact(JSON.stringify(value), secrets)) as T;
}

/** One console line: `<ISO time>  <state[index]>  <what happened>`. */
export function formatEvent(e: RunnerEvent): string {
  const time = new Date(e.timestamp).toISOString();
  const label = e.stateName ? `${e.stateName}${e.index === undefined ? '' : `[${e.index}]`}` : '';
  return `${time}  ${describe(e, label)}`;
}

function describe(e: RunnerEvent, label: string): string {
  const err = () => `${e.error ?? ''}${e.cause ? `: ${shorten(e.cause)}` : ''}`;
  switch (e.type) {
    case 'ExecutionStarted':
      return 'execution started';
    case 'ExecutionSucceeded':
      return 'execution succeeded';
    case 'ExecutionFailed':
      return `execution failed: ${err()}`;
    case 'ExecutionAborted':
      return 'execution aborted';
    case 'ExecutionTimeout':
      return 'execution timed out (States.Timeout)';
    case 'MapIterationStarted':
      return `${e.parentState}[${e.index}] iteration started`;
    case 'MapIterationSucceeded':
      return `${e.parentState}[${e.index}] iteration succeeded`;
    case 'MapIterationFailed':
      return `${e.parentState}[${e.index}] iteration failed: ${err()}`;
    case 'ParallelBranchStarted':
      return `${e.parentState} branch started`;
    case 'ParallelBranchSucceeded':
      return `${e.parentState} branch succeeded`;
    case 'ParallelBranchFailed':
      return `${e.parentState} branch failed: ${err()}`;
    case 'StateEntered':
      return `${label} entered`;
    case 'StateExited':
      return `${label} exited`;
    case 'StateFailed':
      return `${label} failed: ${err()}`;
    case 'StateRetried':
      return `${label} retry #${e.attempt} (${(e.errorEquals ?? []).join(', ')})`;
    case 'StateCaught':
      return `${label} caught (${(e.errorEquals ?? []).join(', ')}) -> ${e.next}`;
    case 'TaskTokenIssued':
      return `${label} waiting for task token ${tokenLabel(e.token ?? '')}${e.gate ? ` (gate "${e.gate}")` : ''}`;
    case 'TaskTokenAnswered':
      return `${label} task token ${tokenLabel(e.token ?? '')} answered: ${e.outcome}${e.outcome === 'failure' ? ` ${err()}` : ''}`;
    case 'TaskTokenExpired':
      return `${label} task token ${tokenLabel(e.token ?? '')} expired: ${e.reason ?? ''}`;
    case 'ContainerStarted':
      return `${label} container started (pid ${e.pid}, ${e.taskArn})`;
    case 'ContainerOutput':
      return `[${label}#${taskId(e.taskArn)} ${e.stream}] ${e.line}`;
    case 'ContainerStopping':
      return `${label} stopping container ${taskId(e.taskArn)}: ${e.reason ?? ''}`;
    case 'ContainerExited':
      return `${label} container ${taskId(e.taskArn)} exited with code ${e.exitCode ?? 'none'}${e.reason ? ` (${e.reason})` : ''}`;
  }
}

function taskId(taskArn: string | undefined): string {
  return (taskArn ?? '').split('/').pop()?.slice(0, 8) ?? '';
}

function shorten(text: string): string {
  const first = text.split('\n')[0] ?? '';
  return first.length > 200 ? `${first.slice(0, 199)}…` : first;
}
