import { createAdapters } from '../../core/adapters/factory.ts';
import { loadConfiguredSigner } from '../../core/adapters/kms-signer.ts';
import { packageVersion } from '../../core/adapters/package-version.ts';
import { finalizeMigration } from '../../core/app/finalize.ts';
import { locateMigration } from '../../core/app/locate.ts';
import { PreconditionError } from '../../core/domain/errors.ts';
import { renderValidation, validationFailures } from '../../core/domain/validation/index.ts';
import { loadConfigFile } from '../config-file.ts';
import { type CliIO, EXIT } from '../io.ts';
import { toJson } from '../render.ts';

export interface FinalizeCliOptions {
  readonly config?: string;
  readonly migrationId?: string;
  readonly journalDir?: string;
  readonly json?: boolean;
}

/** Not found / no migration → the named error; the orchestration is core/app/finalize.ts. */
export async function runFinalize(opts: FinalizeCliOptions, io: CliIO): Promise<number> {
  const config = await loadConfigFile(opts.config, io.env);
  const adapters = createAdapters(config, { journalDir: opts.journalDir, env: io.env });
  const located = await locateMigration(config, adapters, {
    pinned: opts.migrationId,
    journalDir: opts.journalDir,
  });
  if (!located) {
    throw new PreconditionError('no migration to finalize was found', {
      code: 'FINALIZE_NO_MIGRATION',
      fix: 'Pass --migration-id (and --journal-dir when the journal is kept locally); see `kraft-migrate status`.',
    });
  }
  const signer = await loadConfiguredSigner(config.evidence, io.env);
  const result = await finalizeMigration(config, adapters, located.migrationId, signer, {
    tool: { name: 'kraft-migrate', version: packageVersion() },
  });
  const ok = result.validation.overall === 'PASSED';
  if (opts.json) {
    io.out(
      toJson({
        migration_id: located.migrationId,
        state: result.state,
        validation: result.validation,
        evidence_url: result.published.url,
        evidence_attempt_url: result.published.attemptUrl,
        evidence_sha256: result.published.evidenceSha256,
        journaled: result.journaled ?? null,
        repairs: result.repairs,
      }),
    );
  } else {
    io.out(
      [
        ...renderValidation(result.validation),
        ...validationFailures(result.validation),
        ...(result.journaled ? [result.journaled] : []),
        `evidence: ${result.published.url} (attempt ${result.published.attempt})`,
      ].join('\n'),
    );
  }
  return ok ? EXIT.ok : EXIT.problem;
}
