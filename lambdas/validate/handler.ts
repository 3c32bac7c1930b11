import { z } from 'zod';
import { validateAndRecord } from '../../core/app/finalize.ts';
import { configEnvelope, validateStepOutput } from '../../core/domain/contracts.ts';
import { STATE_NAMES } from '../../core/domain/workflow.ts';
import { adapterCache } from '../_shared/adapters.ts';
import { defineStep } from '../_shared/step.ts';

/**
 * Validate (after cutover-ack): counts_and_offsets, spot_check_records, sentinel_presence and
 * consumer_offsets (docs/validation.md); the report goes to the segments bucket for SignEvidence.
 * A FAILED validation is a result, not an error: SignEvidence still writes its evidence.
 */
export const handler = defineStep({
  name: STATE_NAMES.validate,
  input: configEnvelope.extend({ migration_id: z.string().min(1) }),
  output: validateStepOutput,
  deps: () => ({ adaptersFor: adapterCache() }),
  run: async ({ config, migration_id }, { adaptersFor }) => {
    const { validation, report } = await validateAndRecord(config, adaptersFor(config), migration_id);
    return {
      overall: validation.overall,
      report,
      checks: validation.checks.map((c) => ({ name: c.name, status: c.status, summary: c.summary })),
    };
  },
});
