/**
 * kraft-migrate execute --runner local: the ASL synthesized from the CDK app runs under
 * aws-local-stepfunctions against the real local stack — down the blocker branch, and down the
 * copy route (CopyTopology → Seed → StartTail → WaitForDrain → approval gate), with the gate
 * answered by a second process; a second run resumes from the journal. Runs that must stop before
 * the cutover decline the approval gate (`callback --failure`), as an operator would.
 */

import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { failGate, listPending } from '../../../cli/runner/broker-client.ts';
import { createAdapters } from '../../../core/adapters/factory.ts';
import { comparePartitions } from '../../../core/app/compare.ts';
import { validateConfig } from '../../../core/domain/config/parse.ts';
import { cli } from '../cli-run.ts';
import {
  createBucket,
  createTopics,
  kafka,
  produce,
  STACK_ENV,
  stackConfig,
  tempDir,
  writeConfig,
} from '../fixtures.ts';
import { FreezeService } from '../freeze-service.ts';
import { STACK, uniqueName } from '../stack.ts';
import { REPO_ROOT } from '../stack-control.ts';

const PASSWORD = 'p@ss-SECRET-123';
const WEBHOOK_SECRET = 'whsec-SECRET-456';

let dir: string;
let segments: string;
let evidence: string;

beforeAll(async () => {
  // The handlers read AWS settings from the process environment, as they do in Lambda.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: STACK_ENV.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: STACK_ENV.AWS_SECRET_ACCESS_KEY,
    AWS_REGION: STACK_ENV.AWS_REGION,
  });
  dir = await tempDir();
  [segments, evidence] = await Promise.all([createBucket(), createBucket({ objectLock: true })]);
});

/** Fast drain settings so a test reaches the gate in seconds. */
function config(prefix: string, overrides: Record<string, unknown> = {}) {
  return stackConfig({
    topics: { include: [`${prefix}\\..*`] },
    storage: { segments: `s3://${segments}/seeds`, evidence: `s3://${evidence}/ev` },
    cutover: { auto_approve: false, drain_stable_window: '1s', drain_timeout: '5m' },
    ...overrides,
  });
}

async function journal(journalDir: string): Promise<{ from: string | null; to: string; reason: string }[]> {
  const text = await readFile(join(journalDir, 'journal.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

async function execute(path: string, journalDir: string, extra: string[] = []) {
  return cli([
    'execute',
    '--config',
    path,
    '--journal-dir',
    journalDir,
    '--state-dir',
    `${journalDir}-runner`,
    ...extra,
  ]);
}

/** Runs execute until the approval gate opens, then declines it: the run fails before the cutover. */
async function executeToGate(path: string, journalDir: string, extra: string[] = []) {
  const running = execute(path, journalDir, extra);
  const stateDir = `${journalDir}-runner`;
  let declined = false;
  for (let i = 0; i < 480 && !declined; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const pending = await listPending(stateDir).catch(() => []);
    if (pending.some((t) => t.gate === 'cutover')) {
      await failGate(stateDir, 'cutover', 'PreconditionError', 'the test stops before the cutover');
      declined = true;
    }
  }
  const run = await running;
  return { ...run, declined };
}

describe('execute --runner local', () => {
  it('copies topology and data, drains, reaches the approval gate and resumes on a second run', {
    timeout: 240_000,
  }, async () => {
    const p = uniqueName('exec');
    await createTopics('source', [{ name: `${p}.orders`, partitions: 2, configs: { 'retention.ms': '-1' } }]);
    await produce('source', `${p}.orders`, 50, 2);
    const journalDir = join(dir, p);
    const doc = config(p);
    const path = await writeConfig(dir, doc);

    const run = await executeToGate(path, journalDir);

    expect(run.declined).toBe(true);
    expect(run.code).toBe(1);
    for (const state of [
      'ValidateInput',
      'Precheck',
      'CopyTopology',
      'Seed',
      'StartTail',
      'CheckDrain',
      'AutoApprove',
      'AwaitCutoverApproval',
    ]) {
      expect(run.stdout).toMatch(new RegExp(`${state} entered`));
    }
    expect(run.stdout).not.toMatch(/StartCutover entered/);
    expect((await journal(journalDir)).map((e) => e.to)).toEqual([
      'planned',
      'prechecking',
      'copying_topology',
      'seeding',
      'tailing',
      'drain_ready',
      'failed',
    ]);
    const adapters = createAdapters(validateConfig(doc, {}), { env: STACK_ENV });
    const [source, target] = await Promise.all([
      adapters.recordReader('source'),
      adapters.recordReader('target'),
    ]);
    const cmp = await comparePartitions(
      source,
      target,
      [0, 1].map((partition) => ({ topic: `${p}.orders`, partition })),
    );
    await Promise.all([source.close(), target.close()]);
    expect(cmp.map((c) => [c.sourceRecords, c.equal])).toEqual([
      [25n, true],
      [25n, true],
    ]);

    const again = await executeToGate(path, journalDir);
    expect(again.declined).toBe(true);
    expect(again.stdout).toContain('resuming migration');
    expect((await journal(journalDir)).map((e) => e.to).slice(7)).toEqual([
      'seeding',
      'tailing',
      'drain_ready',
      'failed',
    ]);

    const status = await cli(['status', '--config', path, '--journal-dir', journalDir, '--json']);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout);
    expect(s.state).toBe('failed');
    expect(s.copiers.some((c: { mode: string }) => c.mode === 'tail')).toBe(true);
  });

  it('--json prints one JSON document on stdout; the timeline and the copier progress go to stderr', {
    timeout: 240_000,
  }, async () => {
    const p = uniqueName('json');
    await createTopics('source', [{ name: `${p}.t`, partitions: 2, configs: { 'retention.ms': '-1' } }]);
    await produce('source', `${p}.t`, 40, 2);
    const journalDir = join(dir, p);
    const path = await writeConfig(dir, config(p));

    // Declined at the approval gate: the run ends (failed) before the cutover, still one JSON document.
    const run = await executeToGate(path, journalDir, ['--json']);

    expect(run.declined).toBe(true);
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout) as {
      status: string;
      migration_id: string;
      journal: { to: string }[];
      progress: { mode: string; records_copied: string } | null;
      history_file: string;
    };
    expect(doc.status).toBe('FAILED');
    expect(doc.migration_id).toMatch(/--/);
    expect(doc.journal.map((e) => e.to)).toContain('drain_ready');
    expect(doc.journal.map((e) => e.to).at(-1)).toBe('failed');
    expect(doc.progress?.mode).toMatch(/^(seed|tail)$/);
    expect(run.stderr).toMatch(/CopyTopology entered/);
    expect(run.stderr).toMatch(/^progress: (seed|tail) /m);
    expect(run.stderr).toContain('workflow FAILED');
    expect((await readFile(doc.history_file, 'utf8')).split('\n')[0]).toContain('ExecutionStarted');
  });

  // Secrets never in clear (SPEC §3, §6.6): a copier task fails while the config holds a password
  // and the webhook secret; neither appears in the journal, the CLI's stdout and stderr (with every
  // copier line, KRAFT_MIGRATE_VERBOSE=1) or the local execution history (every state's input and
  // output, every container line), and the copier's overrides carry only its part of the config.
  it("a failing copier leaves the config's secrets nowhere: journal, CLI output, copier lines, state inputs and outputs", {
    timeout: 240_000,
  }, async () => {
    const p = uniqueName('secret');
    const topic = `${p}.big`;
    // The target topic exists compacted and the config keeps the target's configs: a record without
    // a key is refused there, and the seed copier fails.
    await createTopics('source', [{ name: topic, configs: { 'retention.ms': '-1' } }]);
    await createTopics('target', [{ name: topic, configs: { 'cleanup.policy': 'compact' } }]);
    const producer = kafka('source').producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'no key' }] });
    await producer.disconnect();

    const journalDir = join(dir, p);
    const stateDir = `${journalDir}-runner`;
    const path = await writeConfig(
      dir,
      config(p, {
        source: { bootstrap_servers: [STACK.source], auth: { mode: 'none', password: PASSWORD } },
        topology: { on_config_drift: 'keep_target' },
        cutover: {
          auto_approve: true,
          drain_stable_window: '1s',
          producer_freeze_webhook: 'http://127.0.0.1:9/freeze',
          producer_freeze_webhook_secret: WEBHOOK_SECRET,
        },
      }),
    );

    const run = await cli(
      ['execute', '--config', path, '--journal-dir', journalDir, '--state-dir', stateDir, '--json'],
      { ...STACK_ENV, KRAFT_MIGRATE_VERBOSE: '1' },
    );

    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as { status: string; error: string; history_file: string };
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.TaskFailed');
    expect(run.stderr).toMatch(/\[SeedShard#\w+ stderr\] PreconditionError .*Produce on partition/);
    const journal = await readFile(join(journalDir, 'journal.jsonl'), 'utf8');
    expect(JSON.parse(journal.trim().split('\n').at(-1) ?? '{}').reason).toMatch(
      /^States\.TaskFailed: container copier exited with 1: PreconditionError KAFKA_REQUEST_FAILED: Produce on partition/,
    );
    const history = await readFile(result.history_file, 'utf8');
    const events = history
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; stateName?: string; cause?: string; input?: unknown });
    expect(events.some((e) => e.type === 'ContainerOutput')).toBe(true);
    expect(events.some((e) => e.type === 'ExecutionStarted' && e.input !== undefined)).toBe(true);

    for (const [where, text] of [
      ['journal.jsonl', journal],
      ['stdout', run.stdout],
      ['stderr', run.stderr],
      ['execution history', history],
    ] as const) {
      expect(text, where).not.toContain(PASSWORD);
      expect(text, where).not.toContain(WEBHOOK_SECRET);
    }

    // The copier got its part of the config only: no cutover (webhook secret), no evidence settings.
    const failed = events.find((e) => e.type === 'StateFailed' && e.stateName === 'SeedShard');
    const task = JSON.parse(failed?.cause ?? '{}') as {
      Overrides: { ContainerOverrides: { Environment: { Name: string; Value: string }[] }[] };
    };
    const env = task.Overrides.ContainerOverrides[0]?.Environment ?? [];
    const copierConfig = JSON.parse(env.find((v) => v.Name === 'KRAFT_MIGRATE_CONFIG')?.Value ?? '{}');
    expect(Object.keys(copierConfig).sort()).toEqual(['seed', 'source', 'storage', 'target', 'topics']);
    expect(copierConfig.source.auth.password).toBe('***');
    // A pattern's backslashes reach the copier as they are (no interpreter intrinsic rewrites them).
    expect(copierConfig.topics.include).toEqual([`${p}\\..*`]);
  });

  it('waits at the cutover gate until a second process runs kraft-migrate cutover, which reports the cutover failure', {
    timeout: 240_000,
  }, async () => {
    const p = uniqueName('gate');
    await createTopics('source', [{ name: `${p}.t`, configs: { 'retention.ms': '-1' } }]);
    await produce('source', `${p}.t`, 5);
    const journalDir = join(dir, p);
    const webhook = await FreezeService.start('error');
    const path = await writeConfig(
      dir,
      config(p, {
        cutover: {
          auto_approve: false,
          drain_stable_window: '1s',
          drain_timeout: '5m',
          producer_freeze_webhook: webhook.url,
        },
      }),
    );

    const running = execute(path, journalDir);
    let status: { state?: string; waiting_for?: { gate?: string }[] } = {};
    for (let i = 0; i < 240 && !status.waiting_for?.some((w) => w.gate === 'cutover'); i++) {
      await sleep(500);
      const out = await cli([
        'status',
        '--config',
        path,
        '--journal-dir',
        journalDir,
        '--state-dir',
        `${journalDir}-runner`,
        '--json',
      ]);
      if (out.code === 0) status = JSON.parse(out.stdout);
    }
    expect(status.state).toBe('drain_ready');
    const approver = spawn(
      process.execPath,
      [
        'bin/kraft-migrate.mjs',
        'cutover',
        '--config',
        path,
        '--journal-dir',
        journalDir,
        '--state-dir',
        `${journalDir}-runner`,
      ],
      { cwd: REPO_ROOT, env: STACK_ENV, stdio: 'pipe' },
    );
    let approverOut = '';
    let approverErr = '';
    approver.stdout.on('data', (b) => {
      approverOut += String(b);
    });
    approver.stderr.on('data', (b) => {
      approverErr += String(b);
    });
    const approverCode = await new Promise<number | null>((r) => approver.on('exit', r));
    const run = await running;
    await webhook.close();

    expect(approverOut).toContain('cutover approved by');
    expect(approverErr).toBe('cutover failed: producer freeze webhook returned HTTP 500\n');
    expect(approverCode).toBe(1);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/AwaitCutoverApproval task token .* answered: success/);
    expect(run.stdout).toMatch(/StartCutover entered/);
    expect(run.stdout).toMatch(/Unfreeze entered/);
    expect(webhook.actions()).toEqual(['freeze', 'unfreeze']);
  });

  it('routes blockers to RecordFailure, journals failed with the reason, and exits 1', async () => {
    const p = uniqueName('blocked');
    const journalDir = join(dir, p);
    const path = await writeConfig(
      dir,
      config(p, { storage: { segments: 's3://km-missing-zz-seg/x', evidence: `s3://${evidence}/ev` } }),
    );

    const run = await execute(path, journalDir);

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/RecordFailure entered/);
    expect(run.stdout).toMatch(/MigrationFailed entered/);
    expect(run.stdout).not.toMatch(/CopyTopology entered/);
    expect(run.stderr).toContain('workflow FAILED: PreconditionError');
    expect(run.stderr).toContain('B07');
    const entries = await journal(journalDir);
    expect(entries.map((e) => e.to)).toEqual(['planned', 'prechecking', 'failed']);
    expect(entries.at(-1)?.reason).toBe('precheck found 1 blocker(s): B07');
  });

  it('says a pinned migration_id with an empty journal starts a new migration, not a resumed one', async () => {
    const p = uniqueName('pinned');
    const journalDir = join(dir, p);
    const id = `${p}-id`;
    const path = await writeConfig(dir, {
      ...config(p, { storage: { segments: 's3://km-missing-zz-seg/x', evidence: `s3://${evidence}/ev` } }),
      migration_id: id,
    });

    const run = await execute(path, journalDir);

    expect(run.stdout).toContain(`starting a new migration ${id}`);
    expect(run.stdout).not.toContain('resuming migration');
    expect((await journal(journalDir)).map((e) => e.to)).toEqual(['planned', 'prechecking', 'failed']);
  });

  it('fails the input validation on a bad config before touching any cluster', async () => {
    const path = await writeConfig(dir, { ...config('x'), cutover: { drain_timeout: 'soon' } });
    const run = await cli(['execute', '--config', path, '--journal-dir', join(dir, 'bad')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cutover.drain_timeout: expected a duration');
  });

  it('refuses a changed config fingerprint on resume, and accepts it with --force-restart', {
    timeout: 420_000,
  }, async () => {
    const p = uniqueName('fp');
    await createTopics('source', [{ name: `${p}.t`, configs: { 'retention.ms': '-1' } }]);
    await produce('source', `${p}.t`, 3);
    const journalDir = join(dir, p);
    const first = await writeConfig(dir, config(p));
    expect((await executeToGate(first, journalDir)).declined).toBe(true);
    // A different evidence bucket changes the fingerprint; the segments (checkpoints) stay.
    const otherEvidence = await createBucket({ objectLock: true });
    const changed = await writeConfig(
      dir,
      config(p, { storage: { segments: `s3://${segments}/seeds`, evidence: `s3://${otherEvidence}/ev` } }),
    );

    const refused = await execute(changed, journalDir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('resume fingerprint mismatch — config may have changed between runs');

    const forced = await executeToGate(changed, journalDir, ['--force-restart']);
    expect(forced.declined).toBe(true);
    const states = (await journal(journalDir)).map((e) => e.to);
    expect(states.slice(6)).toEqual([
      'failed',
      'prechecking',
      'copying_topology',
      'seeding',
      'tailing',
      'drain_ready',
      'failed',
    ]);
  });
});
