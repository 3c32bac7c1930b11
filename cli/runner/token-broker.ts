/**
 * Task tokens for the local runner. aws-local-stepfunctions has none, so the runner mints one
 * per `.waitForTaskToken` task execution here and waits on the promise this broker settles when
 * someone — another process included — calls sendTaskSuccess / sendTaskFailure.
 *
 * Reachable from other processes over HTTP on 127.0.0.1 (see broker-protocol.ts); other
 * processes use broker-client.ts. In this process, call the methods directly.
 *
 * Like AWS: a token answered (or timed out) before is refused with `TaskTimedOut`; a token this
 * broker never issued with `TaskDoesNotExist`; a malformed one with `InvalidToken`. HeartbeatSeconds
 * is emulated: without a heartbeat in time the task fails with `States.HeartbeatTimeout`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { causeText, PreconditionError } from '../../core/domain/errors.ts';
import {
  type AnswerReceipt,
  BROKER_ERROR_STATUS,
  BROKER_PROTOCOL_VERSION,
  type BrokerInfo,
  BrokerRefusal,
  brokerFile,
  MAX_PAYLOAD_BYTES,
  type PendingTask,
  payloadBytes,
  SECRET_HEADER,
  type TaskSelector,
  tokenLabel,
} from './broker-protocol.ts';
import type { RunnerEvent } from './events.ts';

export * from './broker-client.ts';
export * from './broker-protocol.ts';

export interface MintOptions {
  readonly stateName: string;
  readonly gate?: string;
  readonly timeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
}

export interface MintedToken {
  readonly token: string;
  /** Resolves with the output of sendTaskSuccess; rejects with the sendTaskFailure error. */
  readonly settled: Promise<unknown>;
}

type TokenStatus = 'pending' | 'succeeded' | 'failed' | 'timed-out' | 'closed';

interface TokenRecord {
  readonly token: string;
  readonly stateName: string;
  readonly gate: string | undefined;
  readonly createdAt: Date;
  readonly timeoutAt: Date | undefined;
  readonly heartbeatSeconds: number | undefined;
  payload: unknown;
  status: TokenStatus;
  settledAt: Date | undefined;
  detail: string | undefined;
  heartbeatTimer: NodeJS.Timeout | undefined;
  readonly resolve: (output: unknown) => void;
  readonly reject: (error: Error) => void;
}

export interface BrokerStartOptions {
  readonly stateDir: string;
  readonly onEvent?: (event: RunnerEvent) => void;
  /** `POST /v1/stop-execution` (kraft-migrate rollback): the runner ends the execution. */
  readonly onStop?: (reason: string) => void;
}

const TOKEN_BYTES = 48;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{64}$/;
const MAX_BODY_BYTES = 2 * MAX_PAYLOAD_BYTES;

export class TokenBroker {
  readonly stateDir: string;
  readonly info: BrokerInfo;
  readonly #server: Server;
  readonly #tokens = new Map<string, TokenRecord>();
  readonly #onEvent: (event: RunnerEvent) => void;
  readonly #onStop: (reason: string) => void;
  #closed = false;

  private constructor(
    stateDir: string,
    info: BrokerInfo,
    server: Server,
    onEvent: (e: RunnerEvent) => void,
    onStop: (reason: string) => void,
  ) {
    this.stateDir = stateDir;
    this.info = info;
    this.#server = server;
    this.#onEvent = onEvent;
    this.#onStop = onStop;
  }

  /** Starts the HTTP endpoint and publishes `<stateDir>/broker.json`. */
  static async start(opts: BrokerStartOptions): Promise<TokenBroker> {
    await mkdir(opts.stateDir, { recursive: true, mode: 0o700 });
    await refuseIfAnotherRunner(opts.stateDir);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const info: BrokerInfo = {
      version: BROKER_PROTOCOL_VERSION,
      port: (server.address() as AddressInfo).port,
      pid: process.pid,
      secret: randomBytes(32).toString('base64url'),
      startedAt: new Date().toISOString(),
    };
    const broker = new TokenBroker(
      opts.stateDir,
      info,
      server,
      opts.onEvent ?? (() => {}),
      opts.onStop ?? (() => {}),
    );
    server.on('request', (req, res) => void broker.#handle(req, res));
    const tmp = join(opts.stateDir, `.broker.${process.pid}.tmp`);
    await writeFile(tmp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, brokerFile(opts.stateDir));
    return broker;
  }

  /** A new token for one execution of a `.waitForTaskToken` task. */
  mint(opts: MintOptions): MintedToken {
    if (this.#closed) throw new Error('the token broker is closed: the execution has ended');
    const token = newToken();
    let resolve!: (output: unknown) => void;
    let reject!: (error: Error) => void;
    const settled = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // The runner may stop awaiting (timeout, handler failure); never leave an unhandled rejection.
    settled.catch(() => {});
    const now = new Date();
    const record: TokenRecord = {
      token,
      stateName: opts.stateName,
      gate: opts.gate,
      createdAt: now,
      timeoutAt:
        opts.timeoutSeconds === undefined ? undefined : new Date(now.getTime() + opts.timeoutSeconds * 1000),
      heartbeatSeconds: opts.heartbeatSeconds,
      payload: undefined,
      status: 'pending',
      settledAt: undefined,
      detail: undefined,
      heartbeatTimer: undefined,
      resolve,
      reject,
    };
    this.#tokens.set(token, record);
    this.#armHeartbeat(record);
    this.#emit('TaskTokenIssued', record);
    return { token, settled };
  }

  /** Records what the task's handler received, for listPending. */
  setPayload(token: string, payload: unknown): void {
    const record = this.#tokens.get(token);
    if (record) record.payload = payload;
  }

  pending(): PendingTask[] {
    return [...this.#tokens.values()]
      .filter((r) => r.status === 'pending')
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .map((r) => ({
        token: r.token,
        stateName: r.stateName,
        ...(r.gate === undefined ? {} : { gate: r.gate }),
        createdAt: r.createdAt.toISOString(),
        payload: r.payload,
        ...(r.timeoutAt === undefined ? {} : { timeoutAt: r.timeoutAt.toISOString() }),
        ...(r.heartbeatSeconds === undefined ? {} : { heartbeatSeconds: r.heartbeatSeconds }),
      }));
  }

  /** The task's result becomes `output`. Throws BrokerRefusal. */
  sendTaskSuccess(selector: TaskSelector, output: unknown): AnswerReceipt {
    const record = this.#select(selector);
    const bytes = payloadBytes(output);
    if (output === undefined || bytes > MAX_PAYLOAD_BYTES) {
      throw new BrokerRefusal(
        'InvalidOutput',
        output === undefined
          ? 'InvalidOutput: the output is missing; send a JSON value (e.g. {})'
          : `InvalidOutput: the output is ${bytes} bytes; Step Functions accepts at most ${MAX_PAYLOAD_BYTES} (256 KiB)`,
      );
    }
    this.#settle(record, 'succeeded', 'was answered with success');
    record.resolve(output);
    this.#emit('TaskTokenAnswered', record, { outcome: 'success' });
    return receipt(record, 'success');
  }

  /** The task fails with `error` (the ASL error name, matched by Retry/Catch) and `cause`. */
  sendTaskFailure(selector: TaskSelector, error = '', cause = ''): AnswerReceipt {
    const record = this.#select(selector);
    this.#settle(record, 'failed', `was answered with failure ${error}`);
    record.reject(Object.assign(new Error(cause), { name: error }));
    this.#emit('TaskTokenAnswered', record, { outcome: 'failure', error, cause });
    return receipt(record, 'failure');
  }

  sendTaskHeartbeat(selector: TaskSelector): AnswerReceipt {
    const record = this.#select(selector);
    this.#armHeartbeat(record);
    this.#emit('TaskTokenAnswered', record, { outcome: 'heartbeat' });
    return receipt(record, 'heartbeat');
  }

  /**
   * The runner stopped waiting for this token (state timeout, handler failure, end of the
   * execution): later answers get TaskTimedOut. Does not settle the promise.
   */
  expire(token: string, reason: string): void {
    const record = this.#tokens.get(token);
    if (record?.status !== 'pending') return;
    this.#settle(record, 'timed-out', `expired (${reason})`);
    this.#emit('TaskTokenExpired', record, { reason });
  }

  /** Expires every pending token, stops the endpoint and removes broker.json. */
  async close(): Promise<void> {
    if (this.#closed) return;
    for (const record of this.#tokens.values()) {
      if (record.status === 'pending') this.expire(record.token, 'the execution ended');
    }
    this.#closed = true;
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    await removeIfOurs(this.stateDir, this.info.secret);
  }

  #select(selector: TaskSelector): TokenRecord {
    if ('gate' in selector) return this.#byGate(selector.gate);
    const { token } = selector;
    const record = this.#tokens.get(token);
    if (!record) {
      if (!TOKEN_PATTERN.test(token)) {
        throw new BrokerRefusal(
          'InvalidToken',
          `InvalidToken: ${JSON.stringify(tokenLabel(token))} is not a task token of the local runner (expected 64 URL-safe base64 characters, got ${token.length})`,
        );
      }
      throw new BrokerRefusal(
        'TaskDoesNotExist',
        `TaskDoesNotExist: the local runner (pid ${this.info.pid}, state dir ${this.stateDir}) never issued task token ${tokenLabel(token)}; it may belong to another execution or state dir`,
      );
    }
    if (record.status !== 'pending') {
      throw new BrokerRefusal(
        'TaskTimedOut',
        `TaskTimedOut: task token ${tokenLabel(token)} of state "${record.stateName}" is no longer waiting: it ${record.detail} at ${record.settledAt?.toISOString()}`,
      );
    }
    return record;
  }

  #byGate(gate: string): TokenRecord {
    const all = [...this.#tokens.values()].filter((r) => r.gate === gate);
    const pending = all.filter((r) => r.status === 'pending');
    if (pending.length === 1) return pending[0]!;
    if (pending.length > 1) {
      throw new BrokerRefusal(
        'GateAmbiguous',
        `GateAmbiguous: ${pending.length} tasks wait at gate "${gate}" (tokens ${pending.map((r) => tokenLabel(r.token)).join(', ')}); answer one by --token`,
      );
    }
    const waiting = this.pending();
    const last = all.at(-1);
    throw new BrokerRefusal(
      'GateNotPending',
      `GateNotPending: the workflow is not waiting at gate "${gate}"${last ? ` (it ${last.detail} at ${last.settledAt?.toISOString()})` : ''}; ${
        waiting.length === 0
          ? 'no task is waiting for a token right now'
          : `waiting: ${waiting.map((p) => (p.gate ? `${p.stateName} (gate "${p.gate}")` : p.stateName)).join(', ')}`
      }`,
    );
  }

  #settle(record: TokenRecord, status: TokenStatus, detail: string): void {
    record.status = status;
    record.settledAt = new Date();
    record.detail = detail;
    clearTimeout(record.heartbeatTimer);
    record.heartbeatTimer = undefined;
  }

  #armHeartbeat(record: TokenRecord): void {
    if (record.heartbeatSeconds === undefined) return;
    clearTimeout(record.heartbeatTimer);
    const seconds = record.heartbeatSeconds;
    record.heartbeatTimer = setTimeout(() => {
      if (record.status !== 'pending') return;
      const reason = `no heartbeat within HeartbeatSeconds=${seconds}`;
      this.#settle(record, 'timed-out', `expired (${reason})`);
      record.reject(Object.assign(new Error(reason), { name: 'States.HeartbeatTimeout' }));
      this.#emit('TaskTokenExpired', record, { reason });
    }, seconds * 1000);
  }

  #emit(type: RunnerEvent['type'], record: TokenRecord, extra: Partial<RunnerEvent> = {}): void {
    this.#onEvent({
      type,
      timestamp: Date.now(),
      stateName: record.stateName,
      token: record.token,
      ...(record.gate === undefined ? {} : { gate: record.gate }),
      ...extra,
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (!this.#authorized(req)) {
        throw new BrokerRefusal(
          'Unauthorized',
          `Unauthorized: missing or wrong ${SECRET_HEADER}; read it from ${brokerFile(this.stateDir)}`,
        );
      }
      const url = req.url ?? '';
      if (req.method === 'GET' && url === '/v1/pending') {
        reply(res, 200, { pending: this.pending() });
        return;
      }
      if (req.method !== 'POST') throw new BrokerRefusal('BadRequest', `BadRequest: ${req.method} ${url}`);
      const body = await readJson(req);
      if (url === '/v1/stop-execution') {
        this.#onStop(optString(body, 'reason') ?? 'stopped on request');
        reply(res, 200, { stopping: true });
        return;
      }
      const selector = selectorOf(body);
      switch (url) {
        case '/v1/send-task-success':
          reply(res, 200, this.sendTaskSuccess(selector, body['output']));
          return;
        case '/v1/send-task-failure':
          reply(res, 200, this.sendTaskFailure(selector, optString(body, 'error'), optString(body, 'cause')));
          return;
        case '/v1/send-task-heartbeat':
          reply(res, 200, this.sendTaskHeartbeat(selector));
          return;
        default:
          throw new BrokerRefusal('BadRequest', `BadRequest: no such endpoint POST ${url}`);
      }
    } catch (e) {
      if (e instanceof BrokerRefusal)
        reply(res, BROKER_ERROR_STATUS[e.error], { error: e.error, message: e.message });
      else reply(res, 500, { error: 'InternalError', message: causeText(e) });
    }
  }

  #authorized(req: IncomingMessage): boolean {
    const given = Buffer.from(String(req.headers[SECRET_HEADER] ?? ''));
    const expected = Buffer.from(this.info.secret);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/**
 * 64 URL-safe characters, never starting with `-`: a token like `-Ab…` after `--token` would be
 * read as an option by argument parsers and shells' users alike.
 */
function newToken(): string {
  for (;;) {
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    if (token[0] !== '-') return token;
  }
}

function receipt(record: TokenRecord, outcome: AnswerReceipt['outcome']): AnswerReceipt {
  return {
    token: record.token,
    stateName: record.stateName,
    ...(record.gate === undefined ? {} : { gate: record.gate }),
    outcome,
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new BrokerRefusal(
        'InvalidOutput',
        `InvalidOutput: the request is larger than ${MAX_BODY_BYTES} bytes`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw new BrokerRefusal('BadRequest', `BadRequest: the body is not JSON (${causeText(e)})`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BrokerRefusal('BadRequest', 'BadRequest: the body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function selectorOf(body: Record<string, unknown>): TaskSelector {
  if (typeof body['token'] === 'string') return { token: body['token'] };
  if (typeof body['gate'] === 'string') return { gate: body['gate'] };
  throw new BrokerRefusal('BadRequest', 'BadRequest: the body needs "token" or "gate" (a string)');
}

function optString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new BrokerRefusal('BadRequest', `BadRequest: "${key}" must be a string`);
  return v;
}

async function refuseIfAnotherRunner(stateDir: string): Promise<void> {
  let existing: BrokerInfo;
  try {
    existing = JSON.parse(await readFile(brokerFile(stateDir), 'utf8')) as BrokerInfo;
  } catch {
    return; // none, or unreadable: ours to replace
  }
  if (existing.pid !== process.pid && !isAlive(existing.pid)) return; // stale, from a crashed run
  throw new PreconditionError(
    `Another local runner (pid ${existing.pid}, started ${existing.startedAt}) is using the state dir ${stateDir}.`,
    {
      code: 'LOCAL_RUNNER_BUSY',
      fix: `Wait for that execution to end or stop it, or use another state dir. If no such process runs, delete ${brokerFile(stateDir)}.`,
    },
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function removeIfOurs(stateDir: string, secret: string): Promise<void> {
  try {
    const current = JSON.parse(await readFile(brokerFile(stateDir), 'utf8')) as BrokerInfo;
    if (current.secret === secret) await rm(brokerFile(stateDir), { force: true });
  } catch {
    // already gone
  }
}
