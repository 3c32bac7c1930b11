import { isKraftMigrateError } from '../../core/domain/errors.ts';
import { configInvalidFinding, summaryLine } from '../../core/domain/precheck/index.ts';
import type { Finding, PrecheckResult } from '../../core/domain/precheck/types.ts';
import { loadConfigFile } from '../config-file.ts';
import { precheckForCli } from '../gathering.ts';
import { type CliIO, EXIT } from '../io.ts';
import { table, toJson } from '../render.ts';

export interface PrecheckOptions {
  readonly config?: string;
  readonly migrationId?: string;
  readonly journalDir?: string;
  readonly json?: boolean;
  readonly allowKraftSource?: boolean;
}

/** `kraft-migrate precheck`: read-only; exit 1 when there is a blocker. */
export async function runPrecheck(opts: PrecheckOptions, io: CliIO): Promise<number> {
  let result: PrecheckResult;
  let migrationId: string | undefined;
  try {
    const config = await loadConfigFile(opts.config, io.env);
    const run = await precheckForCli(config, { ...opts, pinnedMigrationId: opts.migrationId }, io);
    result = run.result;
    migrationId = run.migrationId;
  } catch (e) {
    // A config the tool cannot use is finding B01, reported like every other blocker.
    if (!isKraftMigrateError(e) || e.name !== 'InvalidInputError') throw e;
    const finding = configInvalidFinding(e.message);
    result = {
      overall: 'BLOCKED',
      findings: [{ ...finding, fix: e.fix ?? finding.fix }],
      counts: { blocker: 1, warning: 0, info: 0 },
    };
  }
  if (opts.json) io.out(toJson({ migration_id: migrationId ?? null, ...result }));
  else io.out(renderPrecheck(result, migrationId));
  return result.overall === 'BLOCKED' ? EXIT.problem : EXIT.ok;
}

function renderPrecheck(result: PrecheckResult, migrationId: string | undefined): string {
  const rows = result.findings.map((f: Finding) => [f.code, f.severity, f.subject, f.message]);
  const fixes = new Map<string, string>();
  for (const f of result.findings) if (f.severity !== 'info' && !fixes.has(f.code)) fixes.set(f.code, f.fix);
  const lines = [
    migrationId ? `migration ${migrationId}` : '',
    rows.length ? table(['code', 'severity', 'subject', 'message'], rows, [8, 10, 30, 70]) : 'no findings',
    fixes.size ? ['How to fix:', ...[...fixes].map(([code, fix]) => `  ${code}  ${fix}`)].join('\n') : '',
    summaryLine(result),
    result.overall === 'BLOCKED'
      ? 'Resolve the blockers above, then run precheck again (docs/precheck-codes.md).'
      : '',
  ];
  return lines.filter(Boolean).join('\n');
}
