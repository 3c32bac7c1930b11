/**
 * The cutover's freeze half and rollback against the real local stack: the synthesized ASL under
 * the local runner with the real handlers, a real freeze service on 127.0.0.1 that pauses real
 * producers, and the real CLI for cutover / cutover-ack / rollback / status. A run that gets past
 * the freeze goes on through the real sentinels, final drain, translation, log-start guard,
 * validation and signed evidence to Finalized.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listPending } from '../../../cli/runner/broker-client.ts';
import { localHandlers } from '../../../cli/runner/handlers.ts';
import { type RunLocalResult, runLocal } from '../../../cli/runner/local-runner.ts';
import { synthesizeLocalDefinition } from '../../../cli/runner/synth.ts';
import { FreezeWebhook } from '../../../core/adapters/freeze-webhook.ts';
import { validateConfig } from '../../../core/domain/config/parse.ts';
import { signBody } from '../../../core/domain/freeze.ts';
import type { CutoverSteps } from '../../../core/ports.ts';
import { cli } from '../cli-run.ts';
import {
  createBucket,
  createTopics,
  produce,
  STACK_ENV,
  stackConfig,
  stackStore,
  tempDir,
  withAdmin,
  writeConfig,
} from '../fixtures.ts';
import { FreezeService, TestProducer } from '../freeze-service.ts';
import { STACK, uniqueName } from '../stack.ts';
import { REPO_ROOT } from '../stack-control.ts';

const PASSWORD = 'p@ss-SECRET-123';
const WEBHOOK_SECRET = 'whsec-SECRET-456';

let dir: string;
let segments: string;
let evidence: string;
let asl: Awaited<ReturnType<typeof synthesizeLocalDefinition>>;
const services: FreezeService[] = [];

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: STACK_ENV.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: STACK_ENV.AWS_SECRET_ACCESS_KEY,
    AWS_REGION: STACK_ENV.AWS_REGION,
  });
  dir = await tempDir();
  [segments, evidence] = await Promise.all([createBucket(), createBucket({ objectLock: true })]);
  asl = await synthesizeLocalDefinition();
}, 120_000);

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

function config(p: string, cutover: Record<string, unknown> = {}) {
  return stackConfig({
    migration_id: `it-${p}`,
    topics: { include: [`${p}\\..*`] },
    groups: { include: [`${p}\\..*`] },
    storage: { segments: `s3://${segments}/seeds`, evidence: `s3://${evidence}/ev` },
    cutover: {
      auto_approve: true,
      drain_stable_window: '1s',
      drain_timeout: '5m',
      max_producer_freeze: '15s',
      ...cutover,
    },
  });
}

interface Run {
  readonly result: RunLocalResult;
  readonly entered: string[];
}

async function workflow(
  doc: Record<string, unknown>,
  journalDir: string,
  steps?: CutoverSteps,
): Promise<Run> {
  process.env['KRAFT_MIGRATE_JOURNAL_DIR'] = journalDir;
  const stateDir = `${journalDir}-runner`;
  const result = await runLocal({
    asl,
    input: validateConfig(doc, STACK_ENV),
    handlers: localHandlers(process.env, { stateDir, ...(steps ? { cutover: { steps } } : {}) }),
    stateDir,
    overrides: { waitTimeOverrides: { WaitForDrain: 500 } },
  });
  const entered = result.events.filter((e) => e.type === 'StateEntered').map((e) => String(e.stateName));
  return { result, entered };
}

async function journal(
  journalDir: string,
): Promise<{ to: string; reason: string; detail: Record<string, unknown> }[]> {
  const text = await readFile(join(journalDir, 'journal.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

async function waitForGate(stateDir: string, gate: string, ms = 120_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const pending = await listPending(stateDir).catch(() => []);
    if (pending.some((p) => p.gate === gate)) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`gate ${gate} never opened`);
}

async function endOffsets(topic: string): Promise<string[]> {
  return withAdmin('source', async (admin) =>
    (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((o) => o.high),
  );
}

async function targetTopics(): Promise<string[]> {
  return withAdmin('target', (admin) => admin.listTopics());
}

/** Processes whose environment names this migration (copier children carry KRAFT_MIGRATE_MIGRATION_ID). */
async function copierProcesses(migrationId: string): Promise<number[]> {
  const out: number[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const env = await readFile(`/proc/${pid}/environ`, 'utf8');
      if (env.split('\0').includes(`KRAFT_MIGRATE_MIGRATION_ID=${migrationId}`)) out.push(Number(pid));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

describe('the freeze webhook adapter against the local freeze service', () => {
  it('is refused with the real status when signed with the wrong secret, and frozen (200, producers paused) when signed right', async () => {
    const p = uniqueName('frzsig');
    const topic = `${p}.t`;
    await createTopics('source', [{ name: topic }]);
    const service = await FreezeService.start('sync', 'right-secret');
    services.push(service);
    const producer = new TestProducer(topic, 1);
    service.producers.push(producer);
    const request = {
      action: 'freeze',
      migration_id: p,
      task_token: 't',
      deadline: 'd',
      topics: [topic],
    } as const;

    const wrong = new FreezeWebhook({ url: service.url, secret: 'wrong-secret' }).freeze(request, 5_000);

    await expect(wrong).rejects.toThrow('producer freeze webhook returned HTTP 401');
    expect(producer.paused).toBe(false);
    await expect(
      new FreezeWebhook({ url: service.url, secret: 'right-secret' }).freeze(request, 5_000),
    ).resolves.toBe('frozen');
    expect(producer.paused).toBe(true);
    const sent = producer.sent;
    await new Promise((r) => setTimeout(r, 300));
    expect(producer.sent).toBe(sent);
    expect(service.calls.map((c) => c.status)).toEqual([401, 200]);
  });
});

describe('cutover: producer freeze', () => {
  it('webhook HTTP 500: exact text, unfreeze sent, failed; resumed once the webhook works it reaches READY_FOR_CLIENT_SWITCH, cutover-ack and Finalized, with the config secrets in none of its outputs', {
    timeout: 300_000,
  }, async () => {
    const p = uniqueName('frz500');
    const topic = `${p}.orders`;
    await createTopics('source', [{ name: topic, partitions: 2, configs: { 'retention.ms': '-1' } }]);
    await produce('source', topic, 20, 2);
    const service = await FreezeService.start('error', WEBHOOK_SECRET);
    services.push(service);
    const producer = new TestProducer(topic, 2);
    service.producers.push(producer);
    const journalDir = join(dir, p);
    const doc = {
      ...config(p, { producer_freeze_webhook: service.url, producer_freeze_webhook_secret: WEBHOOK_SECRET }),
      // A SCRAM-style password in the config (the local brokers need none): it must appear nowhere.
      source: { bootstrap_servers: [STACK.source], auth: { mode: 'none', password: PASSWORD } },
    };

    const failed = await workflow(doc, journalDir);

    expect(failed.result.status).toBe('FAILED');
    expect(failed.result.cause).toContain('producer freeze webhook returned HTTP 500');
    expect(failed.entered).toEqual(expect.arrayContaining(['FreezeProducers', 'Unfreeze', 'RecordFailure']));
    expect(failed.entered).not.toContain('VerifyFreeze');
    expect(service.actions()).toEqual(['freeze', 'unfreeze']);
    const [freeze, unfreeze] = service.calls;
    expect(freeze?.status).toBe(500); // not 401: the signature was right
    expect(freeze?.body).toMatchObject({ action: 'freeze', migration_id: `it-${p}`, topics: [topic] });
    expect(String(freeze?.body['task_token'])).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(Date.parse(String(freeze?.body['deadline']))).toBeGreaterThan(Date.now() - 60_000);
    expect(unfreeze?.body).toMatchObject({ action: 'unfreeze', migration_id: `it-${p}` });
    expect(String(unfreeze?.body['reason'])).toContain('producer freeze webhook returned HTTP 500');
    expect(unfreeze?.signature).toBe(signBody(JSON.stringify(unfreeze?.body), WEBHOOK_SECRET));
    const afterFailure = await journal(journalDir);
    expect(afterFailure.map((e) => e.to).slice(-3)).toEqual(['drain_ready', 'cutting_over', 'failed']);
    expect(afterFailure.at(-1)?.reason).toContain('producer freeze webhook returned HTTP 500');

    // Fixed webhook: execute resumes the migration and the cutover.
    service.behaviour = 'sync';
    const stateDir = `${journalDir}-runner`;
    const path = await writeConfig(dir, doc);
    const resumed = workflow(doc, journalDir);
    await waitForGate(stateDir, 'cutover-ack', 240_000);
    // The gate's handler journals READY_FOR_CLIENT_SWITCH right after the token is issued.
    for (let i = 0; i < 50 && (await journal(journalDir)).at(-1)?.to !== 'awaiting_client_switch'; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(producer.paused).toBe(true);
    const frozenEnds = await endOffsets(topic);
    const status = await cli([
      'status',
      '--config',
      path,
      '--journal-dir',
      journalDir,
      '--state-dir',
      stateDir,
    ]);
    expect(status.stdout).toMatch(/state {5}awaiting_client_switch/);
    expect(status.stdout).toMatch(/producers frozen for \d/);
    expect(status.stdout).toContain('READY_FOR_CLIENT_SWITCH');
    const ack = await cli(['cutover-ack', '--state-dir', stateDir]);
    expect(ack.code).toBe(0);
    const done = await resumed;

    expect(done.result.status).toBe('SUCCEEDED');
    expect(done.entered.slice(-13)).toEqual([
      'StartCutover',
      'FreezeProducers',
      'VerifyFreeze',
      'PlaceSentinels',
      'FinalDrain',
      'TranslateOffsets',
      'LogStartGuard',
      'AwaitClientSwitch',
      'ConfirmClientSwitch',
      'Validate',
      'SignEvidence',
      'ValidationPassed',
      'Finalized',
    ]);
    expect(service.actions()).toEqual(['freeze', 'unfreeze', 'freeze']);
    expect(await endOffsets(topic)).toEqual(frozenEnds);
    const entries = await journal(journalDir);
    expect(entries.map((e) => e.to).slice(-5)).toEqual([
      'drain_ready',
      'cutting_over',
      'awaiting_client_switch',
      'validating',
      'finalized',
    ]);
    expect(entries.at(-2)?.reason).toBe('operator confirmed client cutover');
    expect(entries.at(-1)?.reason).toMatch(
      /^evidence signed \+ uploaded to s3:\/\/.+\/migrations\/.+\/evidence\.json \(validation=PASSED\)$/,
    );

    // Secrets never in clear (SPEC §3, §6.6): neither the password nor the webhook secret is in the
    // journal, the CLI's output, the state machine's inputs and outputs, or any object this migration
    // wrote: evidence.json, evidence.html, the signature, the artifacts, segments and checkpoints.
    const texts: [string, string][] = [
      ['journal.jsonl', await readFile(join(journalDir, 'journal.jsonl'), 'utf8')],
      ['state inputs and outputs', JSON.stringify(done.result.events)],
      ['status output', status.stdout + status.stderr],
      ['cutover-ack output', ack.stdout + ack.stderr],
    ];
    for (const [store, prefix] of [
      [stackStore(`s3://${evidence}/ev`), `migrations/it-${p}/`],
      [stackStore(`s3://${segments}/seeds`), `it-${p}/`],
    ] as const) {
      for (const head of await store.list(prefix))
        texts.push([head.key, Buffer.from((await store.get(head.key))!).toString('latin1')]);
    }
    expect(texts.map(([where]) => where)).toEqual(
      expect.arrayContaining([
        `migrations/it-${p}/evidence.json`,
        `migrations/it-${p}/evidence.html`,
        `it-${p}/cutover/translations-cutover.json`,
      ]),
    );
    for (const [where, text] of texts) {
      expect(text, where).not.toContain(PASSWORD);
      expect(text, where).not.toContain(WEBHOOK_SECRET);
    }
  });

  it('webhook timeout: exact text, unfreeze sent, failed; resumed with a 202 webhook answered later through the task token (kraft-migrate callback) it reaches READY_FOR_CLIENT_SWITCH', {
    timeout: 300_000,
  }, async () => {
    const p = uniqueName('frzhang');
    const topic = `${p}.t`;
    await createTopics('source', [{ name: topic, partitions: 1, configs: { 'retention.ms': '-1' } }]);
    await produce('source', topic, 5);
    const service = await FreezeService.start('hang');
    services.push(service);
    const producer = new TestProducer(topic, 1);
    service.producers.push(producer);
    const journalDir = join(dir, p);
    const stateDir = `${journalDir}-runner`;
    const doc = config(p, { producer_freeze_webhook: service.url, max_producer_freeze: '6s' });

    const failed = await workflow(doc, journalDir);

    expect(failed.result.status).toBe('FAILED');
    expect(failed.result.cause).toContain(
      'producer freeze webhook did not respond within max_producer_freeze',
    );
    expect(service.actions()).toEqual(['freeze', 'unfreeze']);
    expect((await journal(journalDir)).at(-1)).toMatchObject({
      to: 'failed',
      reason: expect.stringContaining('producer freeze webhook did not respond within max_producer_freeze'),
    });

    service.behaviour = 'async';
    const resumed = workflow(
      { ...doc, cutover: { ...(doc['cutover'] as object), max_producer_freeze: '60s' } },
      journalDir,
    );
    for (let i = 0; i < 600 && service.pendingTokens.length === 0; i++)
      await new Promise((r) => setTimeout(r, 200));
    expect(producer.paused).toBe(true);
    const token = service.pendingTokens[0]!;
    const answer = await cli([
      'callback',
      '--token',
      token,
      '--success',
      JSON.stringify({ frozen_by: 'it-freezer', frozen_at: new Date().toISOString() }),
      '--state-dir',
      stateDir,
    ]);
    expect(answer.stdout).toContain('of state "FreezeProducers"');
    await waitForGate(stateDir, 'cutover-ack');
    expect((await cli(['cutover-ack', '--state-dir', stateDir])).code).toBe(0);
    const done = await resumed;

    expect(done.result.status).toBe('SUCCEEDED');
    expect(service.actions()).toEqual(['freeze', 'unfreeze', 'freeze']);
    expect(service.calls.at(-1)?.status).toBe(202);
    expect((await journal(journalDir)).map((e) => e.to).slice(-4)).toEqual([
      'cutting_over',
      'awaiting_client_switch',
      'validating',
      'finalized',
    ]);
  });

  it('no webhook, in a real pseudo-terminal: cutover asks the operator to freeze, takes "frozen" and prints READY_FOR_CLIENT_SWITCH with the next steps', {
    timeout: 240_000,
  }, async () => {
    const p = uniqueName('frzpty');
    const topic = `${p}.t`;
    await createTopics('source', [{ name: topic, configs: { 'retention.ms': '-1' } }]);
    await produce('source', topic, 5);
    const journalDir = join(dir, p);
    const stateDir = `${journalDir}-runner`;
    const doc = config(p, { auto_approve: false });
    const running = workflow(doc, journalDir);
    await waitForGate(stateDir, 'cutover');

    const terminal = spawn(
      'python3',
      [
        'test/it/pty-run.py',
        'Type "frozen"',
        'frozen',
        '--',
        process.execPath,
        'bin/kraft-migrate.mjs',
        'cutover',
        '--state-dir',
        stateDir,
      ],
      { cwd: REPO_ROOT, env: STACK_ENV, stdio: 'pipe' },
    );
    let screen = '';
    terminal.stdout.on('data', (b) => {
      screen += String(b);
    });
    terminal.stderr.on('data', (b) => {
      screen += String(b);
    });
    const code = await new Promise<number | null>((r) => terminal.on('exit', r));

    expect(screen).toContain('cutover approved by');
    expect(screen).toContain('Freeze the producers now');
    expect(screen).toContain('producer freeze confirmed');
    expect(screen).toContain('READY_FOR_CLIENT_SWITCH');
    expect(screen).toContain(
      "point producers and consumers at the target's bootstrap servers: 127.0.0.1:29092",
    );
    expect(screen).toContain('kraft-migrate cutover-ack');
    expect(code).toBe(0);
    expect((await cli(['cutover-ack', '--state-dir', stateDir])).code).toBe(0);
    expect((await running).result.status).toBe('SUCCEEDED');
  });

  it('a producer that ignores the freeze: VerifyFreeze fails naming its partitions and unfreezes; rollback without --delete-target-topics keeps the target topics', {
    timeout: 240_000,
  }, async () => {
    const p = uniqueName('frzrogue');
    const topic = `${p}.t`;
    await createTopics('source', [{ name: topic, partitions: 2, configs: { 'retention.ms': '-1' } }]);
    await produce('source', topic, 10, 2);
    const service = await FreezeService.start('sync');
    services.push(service);
    const rogue = new TestProducer(topic, 2, true);
    service.producers.push(rogue);
    const journalDir = join(dir, p);
    const doc = config(p, { producer_freeze_webhook: service.url });

    const run = await workflow(doc, journalDir);

    expect(run.result.status).toBe('FAILED');
    expect(run.result.cause).toMatch(
      new RegExp(
        `producer freeze not effective: source end offsets still moved within 3000 ms on 2 partition\\(s\\): ${p}\\.t/0: \\d+ → \\d+, ${p}\\.t/1: `,
      ),
    );
    expect(run.entered).toEqual(expect.arrayContaining(['VerifyFreeze', 'Unfreeze', 'RecordFailure']));
    expect(run.entered).not.toContain('PlaceSentinels');
    expect(service.actions()).toEqual(['freeze', 'unfreeze']);
    expect((await journal(journalDir)).at(-1)?.to).toBe('failed');
    await rogue.stop();

    const path = await writeConfig(dir, doc);
    const sourceBefore = await endOffsets(topic);
    const rollback = await cli([
      'rollback',
      '--config',
      path,
      '--journal-dir',
      journalDir,
      '--state-dir',
      `${journalDir}-runner`,
    ]);

    expect(rollback.stderr).toBe('');
    expect(rollback.code).toBe(0);
    expect(rollback.stdout).toContain('target topics kept');
    expect((await journal(journalDir)).at(-1)).toMatchObject({ to: 'rolled_back' });
    expect(await targetTopics()).toContain(topic);
    expect(await endOffsets(topic)).toEqual(sourceBefore);
  });

  it('no webhook and no terminal: cutover fails with the exact text before approving; rollback --delete-target-topics ends the run, stops the copier and deletes only the topics it created', {
    timeout: 240_000,
  }, async () => {
    const p = uniqueName('frztty');
    const created = `${p}.a`;
    const existing = `${p}.b`;
    await createTopics('source', [
      { name: created, configs: { 'retention.ms': '-1' } },
      { name: existing, configs: { 'retention.ms': '-1' } },
    ]);
    await createTopics('target', [{ name: existing, configs: { 'retention.ms': '-1' } }]);
    await produce('source', created, 5);
    const journalDir = join(dir, p);
    const stateDir = `${journalDir}-runner`;
    const doc = config(p, { auto_approve: false });
    const path = await writeConfig(dir, doc);
    const running = workflow(doc, journalDir);
    await waitForGate(stateDir, 'cutover');

    const cutover = await cli(['cutover', '--state-dir', stateDir]);

    expect(cutover.code).toBe(1);
    expect(cutover.stderr).toBe(
      'cutover failed: Cutover failed: producer-freeze freeze: stdin is not a TTY — configure cutover.producer_freeze_webhook or run in an interactive shell\n',
    );
    expect((await listPending(stateDir)).map((t) => t.gate)).toEqual(['cutover']);
    expect((await journal(journalDir)).at(-1)?.to).toBe('drain_ready');
    expect(await copierProcesses(`it-${p}`)).not.toEqual([]);

    const sourceBefore = await endOffsets(created);
    const rollback = await cli([
      'rollback',
      '--config',
      path,
      '--journal-dir',
      journalDir,
      '--state-dir',
      stateDir,
      '--delete-target-topics',
    ]);

    expect(rollback.stderr).toBe('');
    expect(rollback.code).toBe(0);
    expect((await running).result.status).toBe('ABORTED');
    expect(await copierProcesses(`it-${p}`)).toEqual([]);
    expect(rollback.stdout).toContain(`deleted 1 target topic(s) this migration created: ${created}`);
    const entries = await journal(journalDir);
    expect(entries.at(-1)).toMatchObject({ to: 'rolled_back', detail: { deleted_target_topics: [created] } });
    const topics = await targetTopics();
    expect(topics).not.toContain(created);
    expect(topics).toContain(existing);
    expect(await endOffsets(created)).toEqual(sourceBefore);

    const again = await cli([
      'rollback',
      '--config',
      path,
      '--journal-dir',
      journalDir,
      '--state-dir',
      stateDir,
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('rollback refused: migration is rolled_back');
  });
});
