import { loadConfiguredSigner } from '../../core/adapters/kms-signer.ts';
import { packageVersion } from '../../core/adapters/package-version.ts';
import { finalizeSummary, signAndFinalize } from '../../core/app/finalize.ts';
import { signEvidenceInput, signEvidenceOutput } from '../../core/domain/contracts.ts';
import { STATE_NAMES } from '../../core/domain/workflow.ts';
import { adapterCache } from '../_shared/adapters.ts';
import { defineStep } from '../_shared/step.ts';

/**
 * SignEvidence: the evidence around Validate's report, signed (Ed25519: key file, Secrets Manager,
 * KMS or the demo key) and uploaded to <evidence>/migrations/<id>/; journals `-> finalized` or
 * `validating -> failed validation failed: …` (docs/evidence.md).
 */
export const handler = defineStep({
  name: STATE_NAMES.signEvidence,
  input: signEvidenceInput,
  output: signEvidenceOutput,
  deps: () => ({ adaptersFor: adapterCache() }),
  run: async ({ config, migration_id, validation }, { adaptersFor }) => {
    const signer = await loadConfiguredSigner(config.evidence, process.env);
    const result = await signAndFinalize(
      config,
      adaptersFor(config),
      migration_id,
      signer,
      validation.report,
      {
        tool: { name: 'kraft-migrate', version: packageVersion() },
      },
    );
    return finalizeSummary(result);
  },
});
