import { precheckStep } from '../../core/app/precheck.ts';
import { configEnvelope, precheckOutput } from '../../core/domain/contracts.ts';
import { PreconditionError } from '../../core/domain/errors.ts';
import { summaryLine } from '../../core/domain/precheck/engine.ts';
import { adapterCache } from '../_shared/adapters.ts';
import { defineStep } from '../_shared/step.ts';

/**
 * Precheck: opens or resumes the journal, gathers both clusters and both buckets, evaluates every
 * rule. Blockers are a result (overall BLOCKED), routed by the BlockersFound choice — not an error.
 */
export const handler = defineStep({
  name: 'Precheck',
  input: configEnvelope,
  output: precheckOutput,
  deps: () => ({ adaptersFor: adapterCache(), env: process.env }),
  run: async ({ config }, { adaptersFor, env }) => {
    const run = await precheckStep(config, adaptersFor(config), {
      allowKraftSource: env['KRAFT_MIGRATE_ALLOW_KRAFT_SOURCE'] === '1',
    });
    if (!run.migrationId || !run.journal) {
      const why = run.result.findings
        .filter((f) => f.severity === 'blocker')
        .map((f) => `${f.code} ${f.message}`)
        .join('; ');
      throw new PreconditionError(
        `precheck could not identify both clusters, so no journal was started: ${why}`,
        {
          code: 'PRECHECK_NO_IDENTITY',
          fix: 'Resolve the blockers (run `kraft-migrate precheck` to see them with their fixes), or pin migration_id in the config.',
        },
      );
    }
    return {
      migration_id: run.migrationId,
      fingerprint: run.fingerprint,
      overall: run.result.overall,
      counts: run.result.counts,
      findings: [...run.result.findings],
      summary: summaryLine(run.result),
      state: run.journal.state,
      resumed: run.journal.resumed,
    };
  },
});
