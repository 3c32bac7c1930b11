import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError } from '../../core/domain/errors.ts';
import { buildIamPolicies } from '../../core/domain/plan/iam-policy.ts';
import { buildPlan } from '../../core/domain/plan/plan.ts';
import { renderRunbook } from '../../core/domain/plan/runbook.ts';
import { loadConfigFile } from '../config-file.ts';
import { precheckForCli } from '../gathering.ts';
import { type CliIO, EXIT, textIO } from '../io.ts';
import { toJson } from '../render.ts';

export interface PlanOptions {
  readonly config?: string;
  readonly migrationId?: string;
  readonly journalDir?: string;
  readonly json?: boolean;
  readonly format: 'json' | 'runbook' | 'iam-policy' | 'all';
  readonly outDir?: string;
}

/**
 * `kraft-migrate plan`: read-only. json and runbook print to stdout unless --out-dir is given;
 * iam-policy always writes iam-policy-templated.json and iam-policy-concrete.json (to --out-dir,
 * default the current directory); all writes every file to --out-dir (default `.`). With --json,
 * stdout holds one JSON document: the plan, or `{"files": [...]}` when files were written.
 */
export async function runPlan(opts: PlanOptions, cli: CliIO): Promise<number> {
  const io = textIO(cli, opts.json);
  if (opts.json && opts.format === 'runbook' && !opts.outDir) {
    throw new InvalidInputError('--json and --format runbook both ask for stdout', {
      code: 'PLAN_JSON_RUNBOOK',
      fix: 'Drop --json to print the runbook, or add --out-dir DIR to write it and get the file list as JSON.',
    });
  }
  const config = await loadConfigFile(opts.config, io.env);
  const { state, migrationId, fingerprint } = await precheckForCli(
    config,
    { ...opts, pinnedMigrationId: opts.migrationId },
    io,
  );
  const plan = buildPlan(
    { ...state.snapshot, acls: state.sourceAcls, explicitTopicConfigs: state.explicitTopicConfigs },
    migrationId ?? '(decided when both clusters are reachable)',
    fingerprint,
  );
  const files: Record<string, string> = {};
  const want = (f: string) => opts.format === f || opts.format === 'all';
  if (want('json')) files['plan.json'] = toJson(plan);
  if (want('runbook')) files['runbook.md'] = renderRunbook(plan, { configPath: opts.config });
  if (want('iam-policy')) {
    const policies = buildIamPolicies(config, plan, { region: io.env['AWS_REGION'] });
    files['iam-policy-templated.json'] = toJson(policies.templated);
    files['iam-policy-concrete.json'] = toJson(policies.concrete);
    for (const note of policies.notes) io.err(`note: ${note}`);
  }

  const toStdout = !opts.outDir && (opts.format === 'json' || opts.format === 'runbook');
  if (toStdout) {
    cli.out(Object.values(files)[0] ?? '');
  } else {
    const dir = opts.outDir ?? '.';
    await mkdir(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      await writeFile(join(dir, name), text.endsWith('\n') ? text : `${text}\n`);
      io.out(`wrote ${join(dir, name)}`);
    }
    if (opts.json) cli.out(toJson({ files: Object.keys(files).map((name) => join(dir, name)) }));
  }
  const unreachable = [state.snapshot.source, state.snapshot.target].filter((c) => !c.reachable);
  for (const c of unreachable)
    io.err(`warning: ${c.role} cluster not reachable (${c.unreachableReason}); the plan is incomplete.`);
  return unreachable.length ? EXIT.problem : EXIT.ok;
}
