import { access } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { createAdapters } from '../../core/adapters/factory.ts';
import { freezeServiceFor } from '../../core/adapters/freeze-webhook.ts';
import { AwsSecretsReader } from '../../core/adapters/secrets.ts';
import { readCreatedTopics } from '../../core/app/created-topics.ts';
import { unfreezeProducers } from '../../core/app/freeze.ts';
import { transition } from '../../core/app/journal.ts';
import { locateMigration } from '../../core/app/locate.ts';
import { isKraftMigrateError, PreconditionError } from '../../core/domain/errors.ts';
import { currentState } from '../../core/domain/journal/journal.ts';
import { transitionProblem } from '../../core/domain/journal/rules.ts';
import { awsClients } from '../aws.ts';
import { loadConfigFile } from '../config-file.ts';
import { type CliIO, EXIT } from '../io.ts';
import { toJson } from '../render.ts';
import { stopExecution } from '../runner/broker-client.ts';
import { brokerFile } from '../runner/broker-protocol.ts';
import { resolveStateDir } from '../runner/state-dir.ts';

export interface RollbackOptions {
  readonly config?: string;
  readonly migrationId?: string;
  readonly journalDir?: string;
  readonly runner: 'local' | 'aws';
  readonly stateDir?: string;
  readonly executionArn?: string;
  readonly region?: string;
  readonly deleteTargetTopics?: boolean;
  readonly json?: boolean;
}

/** How long the local runner gets to end its execution and stop its copiers. */
const STOP_WAIT_MS = 30_000;

/**
 * `kraft-migrate rollback`: allowed until `cutover-ack` confirms the client switch. Ends the workflow
 * (locally the runner aborts and stops the tail copier; in AWS StopExecution), unfreezes producers
 * when they are frozen, with `--delete-target-topics` deletes the target topics this migration
 * created (and only those), and journals `-> rolled_back`. The source is never touched.
 */
export async function runRollback(opts: RollbackOptions, io: CliIO): Promise<number> {
  const config = await loadConfigFile(opts.config, io.env);
  const adapters = createAdapters(config, { journalDir: opts.journalDir, env: io.env });
  const located = await locateMigration(config, adapters, {
    pinned: opts.migrationId,
    journalDir: opts.journalDir,
  });
  if (!located || located.entries.length === 0) {
    throw new PreconditionError('no migration to roll back for this config', {
      code: 'ROLLBACK_NO_MIGRATION',
      fix: 'Pass --migration-id (or the --journal-dir of the migration); `kraft-migrate status` shows it.',
    });
  }
  const { migrationId } = located;
  const problem = transitionProblem(located.entries, 'rolled_back', {});
  if (problem) {
    throw new PreconditionError(`rollback refused: ${problem.message}`, {
      code: 'ROLLBACK_REFUSED',
      fix: problem.fix,
    });
  }
  const from = currentState(located.entries);

  const stopped = await endWorkflow(opts, io);
  io.out(stopped);

  let unfreeze: string;
  try {
    const service = await freezeServiceFor(config.cutover, new AwsSecretsReader());
    unfreeze = (
      await unfreezeProducers(config, adapters, { freezeService: service }, migrationId, 'rollback')
    ).detail;
  } catch (e) {
    unfreeze = `unfreeze not sent: ${(e as Error).message}`;
  }
  io.out(unfreeze);

  let deleted: string[] = [];
  if (opts.deleteTargetTopics) {
    deleted = await readCreatedTopics(adapters, migrationId);
    if (deleted.length > 0) {
      const admin = await adapters.kafkaAdmin('target');
      try {
        await admin.deleteTopics(deleted);
      } finally {
        await admin.close().catch(() => {});
      }
    }
    io.out(
      deleted.length
        ? `deleted ${deleted.length} target topic(s) this migration created: ${deleted.join(', ')}`
        : 'this migration created no target topics: nothing deleted',
    );
  } else {
    io.out('target topics kept (pass --delete-target-topics to delete the ones this migration created)');
  }

  const by = io.env['USER'] ?? userInfo().username;
  await transition(adapters.journal(migrationId), 'rolled_back', `rolled back by ${by}`, {
    from: from ?? null,
    deleted_target_topics: deleted,
    unfreeze,
  });
  if (opts.json)
    io.out(toJson({ migration_id: migrationId, state: 'rolled_back', deleted_target_topics: deleted }));
  else io.out(`migration ${migrationId}: ${from} -> rolled_back; the source cluster was not changed`);
  return EXIT.ok;
}

async function endWorkflow(opts: RollbackOptions, io: CliIO): Promise<string> {
  if (opts.runner === 'aws') {
    if (!opts.executionArn)
      return 'no --execution-arn given: stop the execution in the Step Functions console';
    const { sfn } = awsClients(opts.region ?? io.env['AWS_REGION']);
    await sfn.send(
      new StopExecutionCommand({ executionArn: opts.executionArn, cause: 'kraft-migrate rollback' }),
    );
    return `stopped execution ${opts.executionArn}`;
  }
  const stateDir = resolveStateDir(opts.stateDir, io.env);
  try {
    await stopExecution(stateDir, 'kraft-migrate rollback');
  } catch (e) {
    if (isKraftMigrateError(e) && e.code === 'LOCAL_RUNNER_NOT_RUNNING')
      return 'no local runner is executing the workflow';
    throw e;
  }
  // The runner removes broker.json after it stopped its copier processes.
  const until = Date.now() + STOP_WAIT_MS;
  while (Date.now() < until) {
    if (!(await exists(brokerFile(stateDir))))
      return 'the local runner ended the workflow and stopped its copiers';
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new PreconditionError(`the local runner did not end the workflow within ${STOP_WAIT_MS / 1000} s`, {
    code: 'ROLLBACK_RUNNER_BUSY',
    fix: 'Stop the `kraft-migrate execute` process (Ctrl-C), then run rollback again.',
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
