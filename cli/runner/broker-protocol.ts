/**
 * The local task-token broker's wire protocol, shared by the runner (server) and every other
 * process that answers tokens (`kraft-migrate callback`, `cutover`, `cutover-ack`, `status`).
 *
 * - The runner serves HTTP on 127.0.0.1 (random port) and writes `<stateDir>/broker.json`
 *   `{version, port, pid, secret, startedAt}` (mode 0600) for as long as the execution runs.
 * - A client reads that file and sends JSON with the secret in the `x-kraft-migrate-secret`
 *   header: `GET /v1/pending`; `POST /v1/send-task-success {token|gate, output}`;
 *   `POST /v1/send-task-failure {token|gate, error, cause}`; `POST /v1/send-task-heartbeat {token|gate}`;
 *   `POST /v1/stop-execution {reason}` (the runner aborts the execution and stops its containers).
 * - Success: 200 `{token, stateName, gate?, outcome}`. Failure: 4xx `{error, message}` where
 *   `error` is the name AWS uses for the same case (TaskDoesNotExist, TaskTimedOut,
 *   InvalidToken, InvalidOutput) or GateNotPending / GateAmbiguous / Unauthorized / BadRequest.
 */
import { join } from 'node:path';

export const BROKER_FILE = 'broker.json';
export const BROKER_PROTOCOL_VERSION = 1;
export const SECRET_HEADER = 'x-kraft-migrate-secret';

/** Step Functions' limit for SendTaskSuccess output and for every state payload. */
export const MAX_PAYLOAD_BYTES = 262_144;

export interface BrokerInfo {
  readonly version: number;
  readonly port: number;
  readonly pid: number;
  readonly secret: string;
  readonly startedAt: string;
}

/** A task waiting for its token to be answered. */
export interface PendingTask {
  readonly token: string;
  readonly stateName: string;
  /** Set when the state is a named gate (e.g. `cutover`), answerable without knowing the token. */
  readonly gate?: string;
  readonly createdAt: string;
  /** What the task's handler received (the token included). */
  readonly payload: unknown;
  /** When the state times out (`States.Timeout`), if it has a timeout. */
  readonly timeoutAt?: string;
  readonly heartbeatSeconds?: number;
}

export type AnswerOutcome = 'success' | 'failure' | 'heartbeat';

export interface AnswerReceipt {
  readonly token: string;
  readonly stateName: string;
  readonly gate?: string;
  readonly outcome: AnswerOutcome;
}

/** Addresses one pending task: by its token, or by the gate it waits at. */
export type TaskSelector = { readonly token: string } | { readonly gate: string };

export type BrokerErrorName =
  | 'TaskDoesNotExist'
  | 'TaskTimedOut'
  | 'InvalidToken'
  | 'InvalidOutput'
  | 'GateNotPending'
  | 'GateAmbiguous'
  | 'Unauthorized'
  | 'BadRequest';

export const BROKER_ERROR_STATUS: Readonly<Record<BrokerErrorName, number>> = {
  TaskDoesNotExist: 404,
  TaskTimedOut: 410,
  InvalidToken: 400,
  InvalidOutput: 400,
  GateNotPending: 409,
  GateAmbiguous: 409,
  Unauthorized: 401,
  BadRequest: 400,
};

/** A broker refusal, carrying the AWS-style name. */
export class BrokerRefusal extends Error {
  override readonly name = 'BrokerRefusal';
  readonly error: BrokerErrorName;
  constructor(error: BrokerErrorName, message: string) {
    super(message);
    this.error = error;
  }
}

export function brokerFile(stateDir: string): string {
  return join(stateDir, BROKER_FILE);
}

/** Enough of a token to recognise it in a message or a log line, never the whole capability. */
export function tokenLabel(token: string): string {
  return token.length > 16 ? `${token.slice(0, 8)}…${token.slice(-4)}` : token;
}

export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');
}
