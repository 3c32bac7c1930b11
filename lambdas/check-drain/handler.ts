import { checkDrain } from '../../core/app/drain.ts';
import { checkDrainInput, checkDrainOutput } from '../../core/domain/drain.ts';
import { adapterCache } from '../_shared/adapters.ts';
import { defineStep } from '../_shared/step.ts';

/** CheckDrain: one poll of the WaitForDrain loop (tail lag from the copier's status documents). */
export const handler = defineStep({
  name: 'CheckDrain',
  input: checkDrainInput,
  output: checkDrainOutput,
  deps: () => ({ adaptersFor: adapterCache() }),
  run: ({ config, migration_id, expected_partitions, drain }, { adaptersFor }) =>
    checkDrain(config, adaptersFor(config), {
      migrationId: migration_id,
      expectedPartitions: expected_partitions,
      previous: drain,
    }),
});
