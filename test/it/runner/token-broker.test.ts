import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  answerGate,
  type BrokerInfo,
  failGate,
  listPending,
  readBrokerInfo,
  SECRET_HEADER,
  sendTaskSuccess,
  TokenBroker,
} from '../../../cli/runner/token-broker.ts';
import { tempStateDir } from './helpers.ts';

describe('TokenBroker', () => {
  const open: TokenBroker[] = [];
  async function start(stateDir?: string): Promise<TokenBroker> {
    const broker = await TokenBroker.start({ stateDir: stateDir ?? (await tempStateDir()) });
    open.push(broker);
    return broker;
  }
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });

  it('publishes broker.json readable only by the owner, with the port and a secret', async () => {
    const broker = await start();

    const info = JSON.parse(await readFile(join(broker.stateDir, 'broker.json'), 'utf8')) as BrokerInfo;
    const mode = (await stat(join(broker.stateDir, 'broker.json'))).mode & 0o777;

    expect(info).toEqual({
      version: 1,
      port: broker.info.port,
      pid: process.pid,
      secret: broker.info.secret,
      startedAt: broker.info.startedAt,
    });
    expect(mode).toBe(0o600);
    expect(info.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('mints distinct 64-character URL-safe tokens that never start with a dash', async () => {
    const broker = await start();

    const tokens = Array.from({ length: 2000 }, () => broker.mint({ stateName: 'Gate' }).token);

    expect(new Set(tokens).size).toBe(2000);
    expect(tokens.filter((t) => !/^[A-Za-z0-9_][A-Za-z0-9_-]{63}$/.test(t))).toEqual([]);
  });

  it('answers a minted token over HTTP and settles its promise with the output', async () => {
    const broker = await start();
    const { token, settled } = broker.mint({ stateName: 'FreezeProducers' });
    broker.setPayload(token, { taskToken: token });

    const receipt = await sendTaskSuccess(broker.stateDir, token, { frozen: true });

    await expect(settled).resolves.toEqual({ frozen: true });
    expect(receipt).toEqual({ token, stateName: 'FreezeProducers', outcome: 'success' });
  });

  it('rejects the promise with the error name and cause of a failure answered by gate', async () => {
    const broker = await start();
    const { settled } = broker.mint({ stateName: 'AwaitCutoverApproval', gate: 'cutover' });

    await failGate(broker.stateDir, 'cutover', 'CutoverDeclined', 'operator said not today');

    await expect(settled).rejects.toMatchObject({
      name: 'CutoverDeclined',
      message: 'operator said not today',
    });
  });

  it('lists pending tasks with gate, payload and timeout, oldest first, and drops answered ones', async () => {
    const broker = await start();
    const a = broker.mint({ stateName: 'AwaitCutoverApproval', gate: 'cutover', timeoutSeconds: 3600 });
    broker.setPayload(a.token, { taskToken: a.token });
    const b = broker.mint({ stateName: 'FreezeProducers', heartbeatSeconds: 600 });

    const before = await listPending(broker.stateDir);
    await answerGate(broker.stateDir, 'cutover', {});
    const after = await listPending(broker.stateDir);

    expect(before).toEqual([
      {
        token: a.token,
        stateName: 'AwaitCutoverApproval',
        gate: 'cutover',
        createdAt: expect.any(String),
        payload: { taskToken: a.token },
        timeoutAt: expect.any(String),
      },
      { token: b.token, stateName: 'FreezeProducers', createdAt: expect.any(String), heartbeatSeconds: 600 },
    ]);
    expect(Date.parse(before[0]!.timeoutAt!) - Date.parse(before[0]!.createdAt)).toBe(3_600_000);
    expect(after.map((p) => p.token)).toEqual([b.token]);
  });

  it('refuses a request without the secret', async () => {
    const broker = await start();

    const response = await fetch(`http://127.0.0.1:${broker.info.port}/v1/pending`, {
      headers: { [SECRET_HEADER]: 'not-the-secret' },
    });

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: 'Unauthorized',
      message: `Unauthorized: missing or wrong ${SECRET_HEADER}; read it from ${join(broker.stateDir, 'broker.json')}`,
    });
  });

  it('refuses a malformed token, an output over 256 KiB and a gate two tasks wait at', async () => {
    const broker = await start();
    const { token } = broker.mint({ stateName: 'CopyShard', gate: 'shard' });
    broker.mint({ stateName: 'CopyShard', gate: 'shard' });

    await expect(sendTaskSuccess(broker.stateDir, 'short', {})).rejects.toMatchObject({
      name: 'InvalidInputError',
      code: 'INVALID_TOKEN',
      message:
        'InvalidToken: "short" is not a task token of the local runner (expected 64 URL-safe base64 characters, got 5)',
    });
    await expect(
      sendTaskSuccess(broker.stateDir, token, { blob: 'x'.repeat(262_144) }),
    ).rejects.toMatchObject({
      code: 'INVALID_OUTPUT',
      message: 'InvalidOutput: the output is 262155 bytes; Step Functions accepts at most 262144 (256 KiB)',
    });
    await expect(answerGate(broker.stateDir, 'shard', {})).rejects.toMatchObject({
      name: 'PreconditionError',
      code: 'GATE_AMBIGUOUS',
      message: expect.stringMatching(/^GateAmbiguous: 2 tasks wait at gate "shard"/),
    });
  });

  it('refuses to share a state dir with a running broker and takes over a stale broker.json', async () => {
    const stateDir = await tempStateDir();
    const first = await start(stateDir);

    await expect(TokenBroker.start({ stateDir })).rejects.toMatchObject({
      name: 'PreconditionError',
      code: 'LOCAL_RUNNER_BUSY',
      message: `Another local runner (pid ${process.pid}, started ${first.info.startedAt}) is using the state dir ${stateDir}.`,
    });
    await first.close();
    await writeFile(join(stateDir, 'broker.json'), JSON.stringify({ ...first.info, pid: 2 ** 22 + 7 }));
    const second = await start(stateDir);
    expect((await readBrokerInfo(stateDir))?.secret).toBe(second.info.secret);
  });

  it('tells the caller when no runner is there', async () => {
    const stateDir = await tempStateDir();

    await expect(listPending(stateDir)).rejects.toMatchObject({
      name: 'PreconditionError',
      code: 'LOCAL_RUNNER_NOT_RUNNING',
      message: `No local runner is executing the workflow for state dir ${stateDir}: ${join(stateDir, 'broker.json')} does not exist.`,
    });
  });
});
