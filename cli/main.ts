import { Command, CommanderError, Option } from 'commander';
import { isKraftMigrateError } from '../core/domain/errors.ts';
import { runCallback } from './commands/callback.ts';
import { runCutover } from './commands/cutover.ts';
import { runCutoverAck } from './commands/cutover-ack.ts';
import { runExecute } from './commands/execute.ts';
import { runPlan } from './commands/plan.ts';
import { runPrecheck } from './commands/precheck.ts';
import { runRollback } from './commands/rollback.ts';
import { runSchedule } from './commands/schedule.ts';
import { runStatus } from './commands/status.ts';
import { type CliIO, EXIT, processIO } from './io.ts';

/** Options every command understands (SPEC §2). */
export interface GlobalOptions {
  readonly config?: string;
  readonly migrationId?: string;
  readonly journalDir?: string;
  readonly json?: boolean;
}

function withCommon(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'migration config, YAML or JSON (see docs/configuration.md)')
    .option(
      '--migration-id <id>',
      'pin the migration id instead of <srcClusterUuid>--<tgtClusterUuid>--<UTC timestamp>',
    )
    .option('--journal-dir <dir>', 'keep the journal in <dir>/journal.jsonl instead of the evidence bucket')
    .option('--json', 'print machine-readable JSON instead of text');
}

function program(io: CliIO, setExit: (code: number) => void): Command {
  const root = new Command('kraft-migrate')
    .description(
      'Migrate an Amazon MSK ZooKeeper-mode cluster to a KRaft-mode cluster, with signed evidence.',
    )
    .showHelpAfterError('(run kraft-migrate --help for the commands)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();

  withCommon(root.command('plan'))
    .description(
      'read-only: what the migration will do — topics, partitions, configs, groups, ACLs, sizes, estimated seed time',
    )
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['json', 'runbook', 'iam-policy', 'all'])
        .default('json'),
    )
    .option(
      '--out-dir <dir>',
      'write files here (iam-policy-templated.json, iam-policy-concrete.json, plan.json, runbook.md)',
    )
    .action(async (opts) => setExit(await runPlan(opts, io)));

  withCommon(root.command('precheck'))
    .description(
      'read-only: every check of the precheck catalogue (docs/precheck-codes.md); exit 1 when there are blockers',
    )
    .option('--allow-kraft-source', 'allow a KRaft-mode source (KRaft → KRaft migration)')
    .action(async (opts) => setExit(await runPrecheck(opts, io)));

  const runnerOption = () =>
    new Option(
      '--runner <runner>',
      'local: run the workflow in this process; aws: the deployed state machine',
    )
      .choices(['local', 'aws'])
      .default('local');

  withCommon(root.command('execute'))
    .description('start or resume the migration workflow (precheck, …); resumes from the journal')
    .addOption(runnerOption())
    .option('--force-restart', 'accept a changed config fingerprint (only before cutover; risks duplicates)')
    .option('--allow-kraft-source', 'allow a KRaft-mode source (KRaft → KRaft migration)')
    .option(
      '--state-dir <dir>',
      'local runner state (token broker); default $KRAFT_MIGRATE_STATE_DIR or .local/runner',
    )
    .option(
      '--state-machine-arn <arn>',
      'with --runner aws: the deployed state machine (or KRAFT_MIGRATE_STATE_MACHINE_ARN)',
    )
    .option('--region <region>', 'AWS region for --runner aws')
    .action(async (opts) => setExit(await runExecute(opts, io)));

  withCommon(root.command('status'))
    .description('current state, time in state, the journal and what the workflow waits for')
    .addOption(runnerOption())
    .option('--watch', 'refresh until Ctrl-C')
    .option('--interval <seconds>', 'refresh interval for --watch', '2')
    .option('--execution-arn <arn>', 'with --runner aws: the execution to read')
    .option('--state-dir <dir>', 'local runner state (token broker)')
    .option('--region <region>', 'AWS region for --runner aws')
    .action(async (opts) => setExit(await runStatus(opts, io)));

  withCommon(root.command('cutover'))
    .description(
      'approve the cutover (after drain_ready); without a freeze webhook, confirm the producer freeze; waits for READY_FOR_CLIENT_SWITCH',
    )
    .addOption(runnerOption())
    .option('--state-dir <dir>', 'local runner state (token broker)')
    .action(async (opts) => setExit(await runCutover(opts, io)));

  withCommon(root.command('cutover-ack'))
    .description('confirm that clients now use the target (after READY_FOR_CLIENT_SWITCH)')
    .addOption(runnerOption())
    .option('--state-dir <dir>', 'local runner state (token broker)')
    .action(async (opts) => setExit(await runCutoverAck(opts, io)));

  withCommon(root.command('rollback'))
    .description(
      'until cutover-ack: end the workflow, unfreeze producers, journal rolled_back (the source is not touched)',
    )
    .addOption(runnerOption())
    .option('--delete-target-topics', 'also delete the target topics this migration created')
    .option('--state-dir <dir>', 'local runner state (token broker)')
    .option('--execution-arn <arn>', 'with --runner aws: the execution to stop')
    .option('--region <region>', 'AWS region for --runner aws')
    .action(async (opts) => setExit(await runRollback(opts, io)));

  root
    .command('callback')
    .description('answer a task token: --success JSON | --failure ERROR [--cause TEXT] | --heartbeat')
    .option('--token <token>', 'the task token the workflow handed out')
    .option('--success <json>', 'task output as JSON')
    .option('--failure <error>', 'fail the task with this error name')
    .option('--cause <text>', 'with --failure: the cause')
    .option('--heartbeat', 'send a heartbeat')
    .addOption(runnerOption())
    .option('--state-dir <dir>', 'local runner state dir (default $KRAFT_MIGRATE_STATE_DIR or .local/runner)')
    .option('--json', 'print JSON')
    .action(async (opts) => setExit(await runCallback(opts, io)));

  withCommon(root.command('schedule'))
    .description('create a one-time EventBridge Scheduler schedule that starts the execution')
    .requiredOption('--at <iso8601>', 'when, e.g. 2026-12-01T02:30:00Z')
    .option('--state-machine-arn <arn>', 'the deployed state machine (or KRAFT_MIGRATE_STATE_MACHINE_ARN)')
    .option('--role-arn <arn>', 'role the scheduler assumes (or KRAFT_MIGRATE_SCHEDULER_ROLE_ARN)')
    .option('--region <region>', 'AWS region')
    .action(async (opts) => setExit(await runSchedule(opts, io)));

  return root;
}

/** Runs the CLI; returns the exit code. Never throws. */
export async function run(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  let code: number = EXIT.ok;
  try {
    await program(io, (c) => {
      code = c;
    }).parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    return reportError(e, io);
  }
}

export function reportError(e: unknown, io: CliIO): number {
  if (e instanceof CommanderError) {
    // Commander already printed its message (unknown option, missing argument, --help).
    return e.exitCode === 0 ? EXIT.ok : EXIT.input;
  }
  if (isKraftMigrateError(e)) {
    io.err(`Error: ${e.toUserText()}`);
    return e.name === 'InvalidInputError' ? EXIT.input : EXIT.problem;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  io.err(`Internal error: ${err.message}`);
  io.err(
    io.env['KRAFT_MIGRATE_DEBUG']
      ? (err.stack ?? '')
      : 'Set KRAFT_MIGRATE_DEBUG=1 for the stack trace and report it.',
  );
  return EXIT.internal;
}
