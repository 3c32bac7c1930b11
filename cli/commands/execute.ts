import { join } from 'node:path';
import { createAdapters } from '../../core/adapters/factory.ts';
import { openJournal } from '../../core/app/journal.ts';
import { locateMigration, refuseFinishedLocalJournal } from '../../core/app/locate.ts';
import { causeText } from '../../core/domain/errors.ts';
import { clientSwitchSteps } from '../../core/domain/freeze.ts';
import { resumeFingerprint } from '../../core/domain/identity.ts';
import { renderEntry } from '../../core/domain/journal/entry.ts';
import { awsClients, executionName, startExecution, stateMachineArn } from '../aws.ts';
import { loadConfigFile } from '../config-file.ts';
import { type CliIO, EXIT, textIO } from '../io.ts';
import { ProgressTracker, renderProgress } from '../progress.ts';
import { toJson } from '../render.ts';
import { formatEvent } from '../runner/events.ts';
import { localHandlers } from '../runner/handlers.ts';
import { runLocal } from '../runner/local-runner.ts';
import { resolveStateDir } from '../runner/state-dir.ts';
import { synthesizeLocalDefinition } from '../runner/synth.ts';

export interface ExecuteOptions {
  readonly config?: string;
  readonly migrationId?: string;
  readonly journalDir?: string;
  readonly json?: boolean;
  readonly runner: 'local' | 'aws';
  readonly forceRestart?: boolean;
  readonly allowKraftSource?: boolean;
  readonly stateDir?: string;
  readonly stateMachineArn?: string;
  readonly region?: string;
}

/**
 * `kraft-migrate execute`: start or resume the migration workflow. `--runner local` runs the very
 * ASL `cdk deploy` would deploy, in this process, with every task mapped to the same handler
 * code; `--runner aws` starts an execution of the deployed state machine. With `--json`, stdout
 * carries one JSON document (the result) and every text line goes to stderr.
 */
export async function runExecute(opts: ExecuteOptions, cli: CliIO): Promise<number> {
  const io = textIO(cli, opts.json);
  const loaded = await loadConfigFile(opts.config, io.env);
  const adapters = createAdapters(loaded, { journalDir: opts.journalDir, env: io.env });
  const located = await locateMigration(loaded, adapters, {
    pinned: opts.migrationId,
    journalDir: opts.journalDir,
  });
  refuseFinishedLocalJournal(located, opts.journalDir);
  const config = located ? { ...loaded, migration_id: located.migrationId } : loaded;
  for (const w of located?.warnings ?? []) io.err(`warning: ${w}`);

  if (located && opts.forceRestart) {
    // Appends the force-restart entries (refused once cutover began); the workflow then resumes.
    await openJournal(located.store, located.migrationId, resumeFingerprint(config), { forceRestart: true });
  }

  if (opts.runner === 'aws') {
    const clients = awsClients(opts.region ?? io.env['AWS_REGION']);
    const arn = stateMachineArn(opts.stateMachineArn, io.env);
    const started = await startExecution(
      clients,
      arn,
      config,
      executionName(config.migration_id, new Date()),
    );
    if (opts.json)
      cli.out(
        toJson({
          status: 'RUNNING',
          execution_arn: started.executionArn,
          migration_id: config.migration_id ?? null,
        }),
      );
    else {
      io.out(`started ${started.executionArn}`);
      io.out(`watch it with: kraft-migrate status --runner aws --execution-arn ${started.executionArn}`);
    }
    return EXIT.ok;
  }

  // A pinned migration_id without journal entries is a new migration, not a resumed one.
  io.out(
    located?.entries.length
      ? `resuming migration ${located.migrationId}`
      : `starting a new migration${located ? ` ${located.migrationId}` : ''}`,
  );
  const restoreEnv = setHandlerEnv({
    KRAFT_MIGRATE_JOURNAL_DIR: opts.journalDir,
    KRAFT_MIGRATE_ALLOW_KRAFT_SOURCE: opts.allowKraftSource ? '1' : undefined,
  });
  const verbose = io.env['KRAFT_MIGRATE_VERBOSE'] === '1';
  const progress = progressDisplay(cli, io);
  const stateDir = resolveStateDir(opts.stateDir, io.env);
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const result = await runLocal({
      asl: await synthesizeLocalDefinition(),
      input: config,
      handlers: localHandlers(process.env, { stateDir }),
      stateDir,
      historyDir: join(stateDir, 'executions'),
      onEvent: (e) => {
        progress.observe(e);
        const line = formatEvent(e);
        if (verbose || !ROUTINE_COPIER_LINE.test(line)) progress.print(line);
        if (e.type === 'TaskTokenIssued' && e.gate === 'cutover-ack')
          for (const step of clientSwitchSteps(config)) progress.print(step);
      },
      signal: abort.signal,
    });
    progress.end();
    const output = (result.output ?? {}) as { precheck?: { migration_id?: string; summary?: string } };
    const after = await locateMigration(config, adapters, {
      pinned: output.precheck?.migration_id ?? config.migration_id,
      journalDir: opts.journalDir,
    });
    const migrationId = after?.migrationId;
    if (after) {
      io.out(`\njournal (${after.store.location}):`);
      for (const e of after.entries) io.out(`  ${renderEntry(e)}`);
    }
    if (result.historyFile) io.out(`execution history: ${result.historyFile}`);
    if (opts.json)
      cli.out(
        toJson({
          status: result.status,
          error: result.error ?? null,
          cause: result.cause ?? null,
          migration_id: migrationId ?? null,
          execution_arn: result.executionArn,
          progress: progress.last() ?? null,
          journal: after?.entries ?? [],
          history_file: result.historyFile ?? null,
        }),
      );
    if (result.status === 'SUCCEEDED') {
      io.out(`\nworkflow SUCCEEDED${output.precheck?.summary ? ` — ${output.precheck.summary}` : ''}`);
      return EXIT.ok;
    }
    io.err(`\nworkflow ${result.status}: ${result.error ?? ''}`);
    if (result.cause) io.err(causeText(result.cause));
    return EXIT.problem;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    progress.end();
    restoreEnv();
  }
}

/** How often a plain progress line is printed when stderr is not a terminal. */
const PLAIN_PROGRESS_INTERVAL_MS = 10_000;

/**
 * The copiers' progress: one line rewritten in place at the bottom of the terminal when stderr is
 * one (text lines are printed above it), else a `progress:` line at most every 10 s.
 */
function progressDisplay(cli: CliIO, io: CliIO) {
  const tracker = new ProgressTracker();
  const live = cli.stderrIsTTY ? cli.statusLine : undefined;
  let shown = '';
  let lastPlain = 0;
  return {
    observe(e: Parameters<ProgressTracker['observe']>[0]): void {
      if (!tracker.observe(e)) return;
      const p = tracker.current();
      if (!p) return;
      const text = renderProgress(p);
      if (live) {
        shown = text;
        live(text);
      } else if (Date.now() - lastPlain >= PLAIN_PROGRESS_INTERVAL_MS) {
        lastPlain = Date.now();
        io.out(`progress: ${text}`);
      }
    },
    print(line: string): void {
      if (live && shown) live('');
      io.out(line);
      if (live && shown) live(shown);
    },
    last: () => tracker.current(),
    /** Ends the live line; the last progress stays on the terminal as a plain line. */
    end(): void {
      if (!live || !shown) return;
      live('');
      io.out(`progress: ${shown}`);
      shown = '';
    },
  };
}

/**
 * Copier log lines that only repeat what `kraft-migrate status` shows (per-second status, progress,
 * per-partition start and reconcile). KRAFT_MIGRATE_VERBOSE=1 prints them too.
 */
const ROUTINE_COPIER_LINE = /stdout\] \{.*"event":"(status|progress|partition_started|reconciled)"/;

/** The handlers read their settings from the environment, as they do in AWS. */
function setHandlerEnv(values: Record<string, string | undefined>): () => void {
  const before = Object.fromEntries(Object.keys(values).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return () => {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
