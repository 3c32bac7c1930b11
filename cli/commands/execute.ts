import { createAdapters } from '../../core/adapters/factory.ts';
import { openJournal } from '../../core/app/journal.ts';
import { locateMigration, refuseFinishedLocalJournal } from '../../core/app/locate.ts';
import { clientSwitchSteps } from '../../core/domain/freeze.ts';
import { resumeFingerprint } from '../../core/domain/identity.ts';
import { renderEntry } from '../../core/domain/journal/entry.ts';
import { awsClients, executionName, startExecution, stateMachineArn } from '../aws.ts';
import { loadConfigFile } from '../config-file.ts';
import { type CliIO, EXIT } from '../io.ts';
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
 * code; `--runner aws` starts an execution of the deployed state machine.
 */
export async function runExecute(opts: ExecuteOptions, io: CliIO): Promise<number> {
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
      io.out(toJson({ executionArn: started.executionArn, migration_id: config.migration_id ?? null }));
    else {
      io.out(`started ${started.executionArn}`);
      io.out(`watch it with: kraft-migrate status --runner aws --execution-arn ${started.executionArn}`);
    }
    return EXIT.ok;
  }

  io.out(located ? `resuming migration ${located.migrationId}` : 'starting a new migration');
  const restoreEnv = setHandlerEnv({
    KRAFT_MIGRATE_JOURNAL_DIR: opts.journalDir,
    KRAFT_MIGRATE_ALLOW_KRAFT_SOURCE: opts.allowKraftSource ? '1' : undefined,
  });
  const verbose = io.env['KRAFT_MIGRATE_VERBOSE'] === '1';
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const stateDir = resolveStateDir(opts.stateDir, io.env);
  try {
    const result = await runLocal({
      asl: synthesizeLocalDefinition(),
      input: config,
      handlers: localHandlers(process.env, { stateDir }),
      stateDir,
      onEvent: (e) => {
        const line = formatEvent(e);
        if (verbose || !ROUTINE_COPIER_LINE.test(line)) io.out(line);
        if (e.type === 'TaskTokenIssued' && e.gate === 'cutover-ack')
          for (const step of clientSwitchSteps(config)) io.out(step);
      },
      signal: abort.signal,
    });
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
    if (opts.json)
      io.out(
        toJson({
          status: result.status,
          error: result.error,
          cause: result.cause,
          migration_id: migrationId,
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
    restoreEnv();
  }
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

/** A Lambda-style cause `{"errorType","errorMessage"}` printed as its message. */
function causeText(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    return parsed.errorMessage ?? cause;
  } catch {
    return cause;
  }
}
