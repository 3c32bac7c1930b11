import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildIamPolicies } from '../../core/domain/plan/iam-policy.ts';
import { buildPlan } from '../../core/domain/plan/plan.ts';
import { renderRunbook } from '../../core/domain/plan/runbook.ts';
import { loadConfigFile } from '../config-file.ts';
import { precheckForCli } from '../gathering.ts';
import { type CliIO, EXIT } from '../io.ts';
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
 * default the current directory); all writes every file to --out-dir (default `.`).
 */
export async function runPlan(opts: PlanOptions, io: CliIO): Promise<number> {
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
    io.out(Object.values(files)[0] ?? '');
  } else {
    const dir = opts.outDir ?? '.';
    await mkdir(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      await writeFile(join(dir, name), text.endsWith('\n') ? text : `${text}\n`);
      io.out(`wrote ${join(dir, name)}`);
    }
  }
  const unreachable = [state.snapshot.source, state.snapshot.target].filter((c) => !c.reachable);
  for (const c of unreachable)
    io.err(`warning: ${c.role} cluster not reachable (${c.unreachableReason}); the plan is incomplete.`);
  return unreachable.length ? EXIT.problem : EXIT.ok;
}
