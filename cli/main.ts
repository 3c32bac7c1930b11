import { Command, CommanderError, Option } from 'commander';
import { packageVersion } from '../core/adapters/package-version.ts';
import { isKraftMigrateError } from '../core/domain/errors.ts';
import { type CliIO, EXIT, processIO } from './io.ts';
import { toJson } from './render.ts';

/** Options every command understands (SPEC §2). */
export interface GlobalOptions {
  readonly config?: string;
  readonly migrationId?: string;
  readonly journalDir?: string;
  readonly json?: boolean;
}

/**
 * --config, --migration-id and --json; and --journal-dir for the commands that read or write the
 * journal (schedule starts an execution in AWS, whose journal is in the evidence bucket; compare and
 * verify-evidence read no journal).
 */
function withCommon(cmd: Command, { journal = true }: { journal?: boolean } = {}): Command {
  cmd
    .option('-c, --config <file>', 'migration config, YAML or JSON (see docs/configuration.md)')
    .option(
      '--migration-id <id>',
      'pin the migration id instead of <srcClusterUuid>--<tgtClusterUuid>--<UTC timestamp>',
    );
  if (journal)
    cmd.option(
      '--journal-dir <dir>',
      'keep the journal in <dir>/journal.jsonl instead of the evidence bucket',
    );
  return cmd.option('--json', 'print one JSON document on stdout (text and progress go to stderr)');
}

/** One example per command: in the command's own --help and, all together, in the top-level one. */
const EXAMPLES: Readonly<Record<string, string>> = {
  plan: 'kraft-migrate plan --config examples/local.yaml --format runbook',
  precheck: 'kraft-migrate precheck --config examples/local.yaml',
  execute: 'kraft-migrate execute --config examples/local.yaml --runner local',
  status: 'kraft-migrate status --config examples/local.yaml --watch',
  cutover: 'kraft-migrate cutover --config examples/local.yaml',
  'cutover-ack': 'kraft-migrate cutover-ack --config examples/local.yaml',
  rollback: 'kraft-migrate rollback --config examples/local.yaml --delete-target-topics',
  compare: 'kraft-migrate compare --config examples/local.yaml',
  'verify-evidence': 'kraft-migrate verify-evidence evidence.json --public-key evidence-public-key.pem',
  finalize: 'kraft-migrate finalize --config examples/local.yaml',
  repair: 'kraft-migrate repair --config examples/local.yaml --partition orders:2',
  callback: `kraft-migrate callback --token "$TOKEN" --success '{"frozen":true}'`,
  schedule:
    'kraft-migrate schedule --config examples/msk-iam.yaml --at 2026-12-01T02:30:00Z --state-machine-arn arn:aws:states:…',
};

/** The environment the tool reads (the CLI, and the handlers and copier it runs locally). */
const ENVIRONMENT: readonly (readonly [string, string])[] = [
  ['KRAFT_MIGRATE_STATE_DIR', 'local runner state (token broker, execution history); default .local/runner'],
  ['KRAFT_MIGRATE_STATE_MACHINE_ARN', 'the deployed state machine (--runner aws, schedule)'],
  ['KRAFT_MIGRATE_SCHEDULER_ROLE_ARN', 'the role EventBridge Scheduler assumes (schedule)'],
  ['KRAFT_MIGRATE_VERBOSE=1', 'execute: print every copier log line too'],
  ['KRAFT_MIGRATE_DEBUG=1', 'stack traces of internal errors, and the Kafka libraries’ own logs'],
  ['AWS_REGION, AWS_DEFAULT_REGION', 'region of MSK, S3, Secrets Manager, KMS and Step Functions calls'],
  [
    'AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN',
    'AWS credentials (else the default provider chain)',
  ],
  ['${NAME} in the config', 'any variable, interpolated into config values (docs/configuration.md)'],
  [
    'KRAFT_MIGRATE_JOURNAL_DIR, KRAFT_MIGRATE_ALLOW_KRAFT_SOURCE',
    'read by the workflow handlers; execute sets them from --journal-dir and --allow-kraft-source',
  ],
  [
    'KRAFT_MIGRATE_CONFIG, _MIGRATION_ID, _MODE, _PARTITIONS, _SHARD_ID, _METRICS_NAME, _PASS_THROUGH_MIN_BATCH_BYTES',
    'the copier task’s settings, set by the workflow (fargate-copier/env.ts)',
  ],
];

/** The top-level --help's epilogue: exit codes, environment, an example per command. */
function rootHelpText(): string {
  const width = Math.max(...ENVIRONMENT.map(([name]) => Math.min(name.length, 34)));
  const env = ENVIRONMENT.map(([name, what]) =>
    name.length > width ? `  ${name}\n  ${' '.repeat(width)}  ${what}` : `  ${name.padEnd(width)}  ${what}`,
  );
  return [
    '',
    'Exit codes:',
    `  ${EXIT.ok}  the command did its whole job`,
    `  ${EXIT.problem}  it ran and found a problem (precheck blockers, a failed workflow, an unreachable cluster)`,
    `  ${EXIT.input}  bad input (config, arguments)`,
    `  ${EXIT.internal}  internal error (set KRAFT_MIGRATE_DEBUG=1 for the stack trace and report it)`,
    '',
    'Environment:',
    ...env,
    '',
    'Examples:',
    ...Object.values(EXAMPLES).map((e) => `  $ ${e}`),
  ].join('\n');
}

function example(cmd: Command): Command {
  return cmd.addHelpText('after', `\nExample:\n  $ ${EXAMPLES[cmd.name()]}`);
}

function program(io: CliIO, setExit: (code: number) => void): Command {
  const root = new Command('kraft-migrate')
    .description(
      'Migrate an Amazon MSK ZooKeeper-mode cluster to a KRaft-mode cluster, with signed evidence.',
    )
    .version(packageVersion(), '-V, --version', 'print the kraft-migrate version')
    .showHelpAfterError('(run kraft-migrate --help for the commands)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .addHelpText('after', rootHelpText());

  withCommon(example(root.command('plan')))
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
    .action(async (opts) => setExit(await (await import('./commands/plan.ts')).runPlan(opts, io)));

  withCommon(example(root.command('precheck')))
    .description(
      'read-only: every check of the precheck catalogue (docs/precheck-codes.md); exit 1 when there are blockers',
    )
    .option('--allow-kraft-source', 'allow a KRaft-mode source (KRaft → KRaft migration)')
    .action(async (opts) => setExit(await (await import('./commands/precheck.ts')).runPrecheck(opts, io)));

  const runnerOption = () =>
    new Option(
      '--runner <runner>',
      'local: run the workflow in this process; aws: the deployed state machine',
    )
      .choices(['local', 'aws'])
      .default('local');

  withCommon(example(root.command('execute')))
    .description('start or resume the migration workflow (precheck, …); resumes from the journal')
    .addOption(runnerOption())
    .option('--force-restart', 'accept a changed config fingerprint (only before cutover; risks duplicates)')
    .option('--allow-kraft-source', 'allow a KRaft-mode source (KRaft → KRaft migration)')
    .option(
      '--state-dir <dir>',
      'local runner state (token broker, executions/<name>.jsonl history); default $KRAFT_MIGRATE_STATE_DIR or .local/runner',
    )
    .option(
      '--state-machine-arn <arn>',
      'with --runner aws: the deployed state machine (or KRAFT_MIGRATE_STATE_MACHINE_ARN)',
    )
    .option('--region <region>', 'AWS region for --runner aws')
    .action(async (opts) => setExit(await (await import('./commands/execute.ts')).runExecute(opts, io)));

  withCommon(example(root.command('status')))
    .description('current state, time in state, the journal and what the workflow waits for')
    .addOption(runnerOption())
    .option('--watch', 'refresh until Ctrl-C')
    .option('--interval <seconds>', 'refresh interval for --watch', '2')
    .option('--execution-arn <arn>', 'with --runner aws: the execution to read')
    .option('--state-dir <dir>', 'local runner state (token broker)')
    .option('--region <region>', 'AWS region for --runner aws')
    .action(async (opts) => setExit(await (await import('./commands/status.ts')).runStatus(opts, io)));

  withCommon(example(root.command('cutover')))
    .description(
      'approve the cutover (after drain_ready); without a freeze webhook, confirm the producer freeze; waits for READY_FOR_CLIENT_SWITCH',
    )
    .addOption(runnerOption())
    .option('--state-dir <dir>', 'local runner state (token broker)')
    .action(async (opts) => setExit(await (await import('./commands/cutover.ts')).runCutover(opts, io)));

  withCommon(example(root.command('cutover-ack')))
    .description('confirm that clients now use the target (after READY_FOR_CLIENT_SWITCH)')
    .addOption(runnerOption())
    .option('--state-dir <dir>', 'local runner state (token broker)')
    .action(async (opts) =>
      setExit(await (await import('./commands/cutover-ack.ts')).runCutoverAck(opts, io)),
    );

  withCommon(example(root.command('rollback')))
    .description(
      'until cutover-ack: end the workflow, unfreeze producers, journal rolled_back (the source is not touched)',
    )
    .addOption(runnerOption())
    .option('--delete-target-topics', 'also delete the target topics this migration created')
    .option('--state-dir <dir>', 'local runner state (token broker)')
    .option('--execution-arn <arn>', 'with --runner aws: the execution to stop')
    .option('--region <region>', 'AWS region for --runner aws')
    .action(async (opts) => setExit(await (await import('./commands/rollback.ts')).runRollback(opts, io)));

  example(root.command('callback'))
    .description('answer a task token: --success JSON | --failure ERROR [--cause TEXT] | --heartbeat')
    .option('--token <token>', 'the task token the workflow handed out')
    .option('--success <json>', 'task output as JSON')
    .option('--failure <error>', 'fail the task with this error name')
    .option('--cause <text>', 'with --failure: the cause')
    .option('--heartbeat', 'send a heartbeat')
    .addOption(runnerOption())
    .option('--state-dir <dir>', 'local runner state dir (default $KRAFT_MIGRATE_STATE_DIR or .local/runner)')
    .option('--json', 'print JSON')
    .action(async (opts) => setExit(await (await import('./commands/callback.ts')).runCallback(opts, io)));

  withCommon(example(root.command('schedule')), { journal: false })
    .description('create a one-time EventBridge Scheduler schedule that starts the execution')
    .requiredOption('--at <iso8601>', 'when, e.g. 2026-12-01T02:30:00Z')
    .option('--state-machine-arn <arn>', 'the deployed state machine (or KRAFT_MIGRATE_STATE_MACHINE_ARN)')
    .option('--role-arn <arn>', 'role the scheduler assumes (or KRAFT_MIGRATE_SCHEDULER_ROLE_ARN)')
    .option('--region <region>', 'AWS region')
    .action(async (opts) => setExit(await (await import('./commands/schedule.ts')).runSchedule(opts, io)));

  withCommon(example(root.command('finalize')))
    .description(
      'validate (counts, spot checks, sentinels, consumer offsets), sign and upload the evidence, and finalize; from validating, or from failed after a repair',
    )
    .action(async (opts) => setExit(await (await import('./commands/finalize.ts')).runFinalize(opts, io)));

  withCommon(example(root.command('repair')))
    .description(
      "re-copy a partition's records whose copies are missing on the target (aged out) or wrong, appending them at the target's end; then finalize again",
    )
    .requiredOption('--partition <topic:p>', 'the partition to repair, e.g. orders:2')
    .option('--from <offset>', 'first source offset to re-copy (default: the first missing one)')
    .option('--to <offset>', 'source offset to stop before (default: the end of the missing range)')
    .action(async (opts) => setExit(await (await import('./commands/repair.ts')).runRepair(opts, io)));

  withCommon(example(root.command('compare')), { journal: false })
    .description(
      'independent source/target check of every selected partition: earliest and latest record (key, value, headers, timestamp); exit 1 on a mismatch',
    )
    .action(async (opts) => setExit(await (await import('./commands/compare.ts')).runCompare(opts, io)));

  withCommon(example(root.command('verify-evidence')), { journal: false })
    .description(
      'check an evidence.json: its Ed25519 signature, the body of a signed envelope, the journal hash chain and the artifacts hashes (files beside it, or S3 with --config); exit 1 when a check fails',
    )
    .argument('<file>', 'the evidence.json to check')
    .option('--public-key <pem>', 'the SPKI PEM public key (default: evidence-public-key.pem beside FILE)')
    .option('--signature <file>', 'the detached signature, 64 raw bytes (default: FILE.sig)')
    .option(
      '--body <file>',
      'when FILE is a signed envelope (KMS): the evidence-body.json it names (default: beside FILE, then the evidence bucket with --config)',
    )
    .action(async (file: string, opts) =>
      setExit(await (await import('./commands/verify-evidence.ts')).runVerifyEvidence(file, opts, io)),
    );
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
    const exit = reportError(e, io);
    // --json: stdout still holds one JSON document, the error (the text is on stderr as always).
    if (argv.includes('--json') && !(e instanceof CommanderError)) io.out(toJson(errorDocument(e, exit)));
    return exit;
  }
}

function errorDocument(e: unknown, exitCode: number) {
  if (isKraftMigrateError(e))
    return {
      error: { name: e.name, code: e.code, message: e.message, fix: e.fix ?? null },
      exit_code: exitCode,
    };
  const message = e instanceof Error ? e.message : String(e);
  return { error: { name: 'InternalError', code: 'INTERNAL', message, fix: null }, exit_code: exitCode };
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
