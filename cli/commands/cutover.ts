import { userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { createAdapters } from '../../core/adapters/factory.ts';
import { locateMigration } from '../../core/app/locate.ts';
import type { MigrationConfig } from '../../core/domain/config/schema.ts';
import { configSchema } from '../../core/domain/config/schema.ts';
import { gateKey } from '../../core/domain/drain.ts';
import { isKraftMigrateError, PreconditionError } from '../../core/domain/errors.ts';
import { CUTOVER_FAILED_PREFIX, clientSwitchSteps, FREEZE_NO_TTY_MESSAGE } from '../../core/domain/freeze.ts';
import { loadConfigFile } from '../config-file.ts';
import { type CliIO, EXIT } from '../io.ts';
import { answerGate, failGate, listPending } from '../runner/broker-client.ts';
import type { PendingTask } from '../runner/broker-protocol.ts';
import { resolveStateDir } from '../runner/state-dir.ts';
import { runCallback } from './callback.ts';

export interface CutoverOptions {
  readonly config?: string;
  readonly migrationId?: string;
  readonly journalDir?: string;
  readonly runner: 'local' | 'aws';
  readonly stateDir?: string;
  readonly json?: boolean;
}

export interface CutoverDeps {
  /** Asks the operator one question on the terminal (tests of the prompt use a real pseudo-terminal). */
  readonly ask?: (question: string) => Promise<string>;
  /** How long to wait for the workflow to reach a gate. @default 15 min */
  readonly waitMs?: number;
}

const POLL_MS = 300;

/**
 * `kraft-migrate cutover`: approves the cutover the workflow waits for at AwaitCutoverApproval and,
 * without a freeze webhook, asks the operator to freeze the producers and confirm (FreezeProducers'
 * gate `freeze`); then waits until the workflow reaches READY_FOR_CLIENT_SWITCH (or fails) and says
 * what to do next. Without a webhook and without a terminal it refuses before approving anything,
 * so the migration stays drain_ready. Locally the runner's broker knows the gates by name; in AWS
 * the tokens are read from where the gates recorded them (`<evidence>/migrations/<id>/gates/…`).
 */
export async function runCutover(opts: CutoverOptions, io: CliIO, deps: CutoverDeps = {}): Promise<number> {
  try {
    return opts.runner === 'local' ? await cutoverLocal(opts, io, deps) : await cutoverAws(opts, io, deps);
  } catch (e) {
    if (e instanceof CutoverFailed) {
      io.err(`${CUTOVER_FAILED_PREFIX}${e.message}`);
      return EXIT.problem;
    }
    throw e;
  }
}

/** A cutover failure printed as `cutover failed: <message>` (the troubleshooting page's form). */
class CutoverFailed extends Error {}

const who = (io: CliIO) => io.env['USER'] ?? userInfo().username;

async function cutoverLocal(opts: CutoverOptions, io: CliIO, deps: CutoverDeps): Promise<number> {
  const stateDir = resolveStateDir(opts.stateDir, io.env);
  const pending = await listPending(stateDir);
  const approvalGate = pending.find((p) => p.gate === 'cutover');
  const freezeGate = pending.find((p) => p.gate === 'freeze');
  const config =
    configOf(approvalGate ?? freezeGate) ??
    (opts.config ? await loadConfigFile(opts.config, io.env) : undefined);
  const manualFreeze = config !== undefined && !config.cutover.producer_freeze_webhook;
  if (manualFreeze && !io.stdinIsTTY) throw new CutoverFailed(FREEZE_NO_TTY_MESSAGE);

  if (approvalGate || !freezeGate) {
    const approval = { approved_by: who(io), approved_at: new Date().toISOString() };
    // Without a pending approval this refuses with GateNotPending, naming what the workflow waits for.
    await answerGate(stateDir, 'cutover', approval);
    io.out(`cutover approved by ${approval.approved_by}`);
  }
  if (manualFreeze) {
    const gate = freezeGate ?? (await waitFor(stateDir, (p) => p.gate === 'freeze', deps.waitMs ?? 60_000));
    if (!gate)
      throw new CutoverFailed(
        await failureReason(opts, io, config, 'the workflow did not ask for the producer freeze'),
      );
    await confirmFreeze(
      io,
      deps,
      config,
      gate,
      (output) => answerGate(stateDir, 'freeze', output),
      (cause) => failGate(stateDir, 'freeze', 'PreconditionError', cause),
    );
  }
  const ready = await waitFor(stateDir, (p) => p.gate === 'cutover-ack', deps.waitMs ?? 15 * 60_000);
  if (!ready)
    throw new CutoverFailed(
      await failureReason(opts, io, config, 'the workflow ended before READY_FOR_CLIENT_SWITCH'),
    );
  const readyConfig = configOf(ready) ?? config;
  for (const line of readyConfig ? clientSwitchSteps(readyConfig) : ['READY_FOR_CLIENT_SWITCH']) io.out(line);
  return EXIT.ok;
}

async function confirmFreeze(
  io: CliIO,
  deps: CutoverDeps,
  config: MigrationConfig,
  gate: PendingTask,
  succeed: (output: unknown) => Promise<unknown>,
  decline: (cause: string) => Promise<unknown>,
): Promise<void> {
  const topics = selectedTopicsText(config);
  const deadline = gate.timeoutAt ? ` before ${gate.timeoutAt}` : '';
  io.out(
    `Freeze the producers now: stop every producer writing to the source topics (${topics}). The cutover verifies that the source end offsets stop moving.`,
  );
  const answer = (
    await (deps.ask ?? askOnTerminal)(`Type "frozen" once no producer writes any more${deadline}: `)
  )
    .trim()
    .toLowerCase();
  if (answer === 'frozen' || answer === 'yes' || answer === 'y') {
    await succeed({ frozen_by: who(io), frozen_at: new Date().toISOString() });
    io.out('producer freeze confirmed; verifying it, then sentinels, final drain, offset translation');
    return;
  }
  await decline(`the operator did not confirm the producer freeze (answered ${JSON.stringify(answer)})`);
  throw new CutoverFailed(
    'producer freeze not confirmed by the operator; the migration is failed and resumable with execute',
  );
}

async function askOnTerminal(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

function selectedTopicsText(config: MigrationConfig): string {
  const exclude = config.topics.exclude.length ? `, excluding ${config.topics.exclude.join(', ')}` : '';
  return `matching ${config.topics.include.join(', ')}${exclude}`;
}

function configOf(task: PendingTask | undefined): MigrationConfig | undefined {
  const payload = task?.payload as { config?: unknown } | undefined;
  const parsed = configSchema.safeParse(payload?.config);
  return parsed.success ? parsed.data : undefined;
}

/** The pending task `match` selects, once it appears; undefined when the runner ends or time runs out. */
async function waitFor(
  stateDir: string,
  match: (p: PendingTask) => boolean,
  waitMs: number,
): Promise<PendingTask | undefined> {
  const until = Date.now() + waitMs;
  while (Date.now() < until) {
    let pending: PendingTask[];
    try {
      pending = await listPending(stateDir);
    } catch (e) {
      if (isKraftMigrateError(e) && e.code === 'LOCAL_RUNNER_NOT_RUNNING') return undefined;
      throw e;
    }
    const found = pending.find(match);
    if (found) return found;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return undefined;
}

/** The journal's last reason when the migration failed (what RecordFailure wrote), else `fallback`. */
async function failureReason(
  opts: CutoverOptions,
  io: CliIO,
  config: MigrationConfig | undefined,
  fallback: string,
): Promise<string> {
  if (!config) return fallback;
  try {
    // RecordFailure may still be writing: give it a moment.
    await new Promise((r) => setTimeout(r, 500));
    const adapters = createAdapters(config, { journalDir: opts.journalDir, env: io.env });
    const located = await locateMigration(config, adapters, {
      pinned: opts.migrationId,
      journalDir: opts.journalDir,
    });
    const last = located?.entries.at(-1);
    return last?.to === 'failed' ? stripErrorName(last.reason) : fallback;
  } catch {
    return fallback;
  }
}

/** `PreconditionError: producer freeze webhook returned HTTP 500` → the message. */
function stripErrorName(reason: string): string {
  return reason.replace(/^[A-Za-z.]+Error: /, '');
}

async function cutoverAws(opts: CutoverOptions, io: CliIO, deps: CutoverDeps): Promise<number> {
  const config = await loadConfigFile(opts.config, io.env);
  if (!config.cutover.producer_freeze_webhook && !io.stdinIsTTY)
    throw new CutoverFailed(FREEZE_NO_TTY_MESSAGE);
  const adapters = createAdapters(config, { journalDir: opts.journalDir, env: io.env });
  const located = await locateMigration(config, adapters, {
    pinned: opts.migrationId,
    journalDir: opts.journalDir,
  });
  /** The token a gate recorded, if it registered at or after `since` (ISO time). */
  const token = async (gate: string, since = '') => {
    const bytes = located
      ? await adapters.objectStore('evidence').get(gateKey(located.migrationId, gate))
      : undefined;
    if (!bytes) return undefined;
    const doc = JSON.parse(new TextDecoder().decode(bytes)) as { task_token: string; registered_at?: string };
    return (doc.registered_at ?? '') >= since ? doc.task_token : undefined;
  };
  const approvalToken = await token('cutover');
  if (!located || !approvalToken) {
    throw new PreconditionError('no cutover approval is pending for this migration', {
      code: 'CUTOVER_NOT_PENDING',
      fix: 'Run `kraft-migrate status` to see where the migration is; the gate opens once the tail is drain-ready.',
    });
  }
  const approval = { approved_by: who(io), approved_at: new Date().toISOString() };
  const answered = await runCallback(
    { token: approvalToken, success: JSON.stringify(approval), runner: 'aws', json: opts.json },
    io,
  );
  if (answered !== EXIT.ok || config.cutover.producer_freeze_webhook) return answered;
  // Manual freeze: FreezeProducers records its token at gates/freeze.json once it runs.
  const until = Date.now() + (deps.waitMs ?? 120_000);
  let freezeToken: string | undefined;
  while (!freezeToken && Date.now() < until) {
    freezeToken = await token('freeze', approval.approved_at);
    if (!freezeToken) await new Promise((r) => setTimeout(r, 2_000));
  }
  if (!freezeToken)
    throw new CutoverFailed('the workflow did not ask for the producer freeze; see `kraft-migrate status`');
  const gate: PendingTask = {
    token: freezeToken,
    stateName: 'FreezeProducers',
    createdAt: '',
    payload: { config },
  };
  await confirmFreeze(
    io,
    deps,
    config,
    gate,
    (output) => runCallback({ token: freezeToken, success: JSON.stringify(output), runner: 'aws' }, io),
    (cause) => runCallback({ token: freezeToken, failure: 'PreconditionError', cause, runner: 'aws' }, io),
  );
  io.out('watch the rest with: kraft-migrate status --runner aws --execution-arn <arn>');
  return EXIT.ok;
}
