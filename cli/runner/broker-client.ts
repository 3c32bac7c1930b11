/**
 * Answering the local runner's task tokens from any process: reads `<stateDir>/broker.json`
 * and talks to the runner's loopback endpoint (protocol in broker-protocol.ts). Refusals become
 * catalogue errors whose message starts with the AWS-style name (TaskTimedOut, ...).
 */
import { readFile } from 'node:fs/promises';
import { causeText, InvalidInputError, PreconditionError } from '../../core/domain/errors.ts';
import {
  type AnswerReceipt,
  BROKER_PROTOCOL_VERSION,
  type BrokerErrorName,
  type BrokerInfo,
  brokerFile,
  type PendingTask,
  SECRET_HEADER,
  type TaskSelector,
} from './broker-protocol.ts';

/** The running broker of this state dir, or undefined when no local runner publishes one. */
export async function readBrokerInfo(stateDir: string): Promise<BrokerInfo | undefined> {
  let text: string;
  try {
    text = await readFile(brokerFile(stateDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let info: BrokerInfo;
  try {
    info = JSON.parse(text) as BrokerInfo;
  } catch {
    throw notRunning(stateDir, `${brokerFile(stateDir)} is not JSON`);
  }
  if (info.version !== BROKER_PROTOCOL_VERSION) {
    throw new PreconditionError(
      `The local runner's broker at ${brokerFile(stateDir)} speaks protocol version ${info.version}; this kraft-migrate speaks ${BROKER_PROTOCOL_VERSION}.`,
      {
        code: 'BROKER_PROTOCOL',
        fix: 'Use the same kraft-migrate version for the runner and for callbacks.',
      },
    );
  }
  return info;
}

export function sendTaskSuccess(stateDir: string, token: string, output: unknown): Promise<AnswerReceipt> {
  return post(stateDir, '/v1/send-task-success', { token, output });
}

export function sendTaskFailure(
  stateDir: string,
  token: string,
  error: string,
  cause?: string,
): Promise<AnswerReceipt> {
  return post(stateDir, '/v1/send-task-failure', { token, error, cause });
}

export function sendTaskHeartbeat(stateDir: string, token: string): Promise<AnswerReceipt> {
  return post(stateDir, '/v1/send-task-heartbeat', { token });
}

/** Answers the one task waiting at a named gate (e.g. `cutover`) with success. */
export function answerGate(stateDir: string, gate: string, output: unknown): Promise<AnswerReceipt> {
  return post(stateDir, '/v1/send-task-success', { gate, output });
}

/** Fails the one task waiting at a named gate (e.g. the operator declines the cutover). */
export function failGate(
  stateDir: string,
  gate: string,
  error: string,
  cause?: string,
): Promise<AnswerReceipt> {
  return post(stateDir, '/v1/send-task-failure', { gate, error, cause });
}

/** Asks the runner to end its execution (ABORTED; it stops its containers). */
export async function stopExecution(stateDir: string, reason: string): Promise<void> {
  await call(stateDir, 'POST', '/v1/stop-execution', { reason });
}

/** Every task waiting for a token right now. */
export async function listPending(stateDir: string): Promise<PendingTask[]> {
  const body = (await call(stateDir, 'GET', '/v1/pending')) as { pending: PendingTask[] };
  return body.pending;
}

async function post(
  stateDir: string,
  path: string,
  body: (TaskSelector & Record<string, unknown>) | Record<string, unknown>,
): Promise<AnswerReceipt> {
  return (await call(stateDir, 'POST', path, body)) as AnswerReceipt;
}

async function call(stateDir: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const info = await readBrokerInfo(stateDir);
  if (!info) throw notRunning(stateDir, `${brokerFile(stateDir)} does not exist`);
  let response: Response;
  try {
    response = await fetch(`http://127.0.0.1:${info.port}${path}`, {
      method,
      headers: { 'content-type': 'application/json', [SECRET_HEADER]: info.secret },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (e) {
    const cause = (e as Error & { cause?: { code?: string } }).cause;
    throw notRunning(
      stateDir,
      `its broker (pid ${info.pid}, port ${info.port}) does not answer (${cause?.code ?? causeText(e)})`,
    );
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new PreconditionError(
      `The local runner's broker answered HTTP ${response.status} with something that is not JSON: ${text.slice(0, 120)}`,
      { code: 'BROKER_PROTOCOL' },
    );
  }
  if (response.ok) return parsed;
  const { error, message } = parsed as { error: BrokerErrorName; message: string };
  throw refusalError(error, message, stateDir);
}

const REFUSAL_FIX: Readonly<Record<BrokerErrorName, string>> = {
  TaskDoesNotExist: 'Check the token (copy it whole) and the --state-dir of the running execution.',
  TaskTimedOut:
    'Nothing to do for this token. Run `kraft-migrate status` to see what the workflow waits for now.',
  InvalidToken: 'Pass the task token exactly as the workflow handed it out.',
  InvalidOutput: 'Send a JSON value of at most 256 KiB.',
  GateNotPending:
    'Run `kraft-migrate status` to see where the workflow is; answer the gate once it waits there.',
  GateAmbiguous: 'Answer one of the tasks with `kraft-migrate callback --token ...`.',
  Unauthorized: 'The broker was restarted while reading its file; run the command again.',
  BadRequest: 'This is a bug in kraft-migrate: report it with the message above.',
};

function refusalError(error: BrokerErrorName, message: string, stateDir: string): Error {
  const code = error.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase(); // TaskTimedOut → TASK_TIMED_OUT
  const options = { code, fix: REFUSAL_FIX[error] ?? `See ${brokerFile(stateDir)}.` };
  const userInput = error === 'TaskDoesNotExist' || error === 'InvalidToken' || error === 'InvalidOutput';
  return userInput ? new InvalidInputError(message, options) : new PreconditionError(message, options);
}

function notRunning(stateDir: string, why: string): PreconditionError {
  return new PreconditionError(
    `No local runner is executing the workflow for state dir ${stateDir}: ${why}.`,
    {
      code: 'LOCAL_RUNNER_NOT_RUNNING',
      fix: 'Start it with `kraft-migrate execute --runner local` (same --state-dir), or use --runner aws for a deployed state machine.',
    },
  );
}
