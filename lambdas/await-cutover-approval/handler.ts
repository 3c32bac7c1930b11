import { awaitApprovalInput, awaitApprovalOutput, gateKey } from '../../core/domain/drain.ts';
import { adapterCache } from '../_shared/adapters.ts';
import { defineStep } from '../_shared/step.ts';

/**
 * AwaitCutoverApproval (.waitForTaskToken): records the task token where `kraft-migrate cutover`
 * finds it (the evidence bucket; locally the runner's broker also knows the gate by name). The
 * state's result is what the approver sends with SendTaskSuccess.
 */
export const handler = defineStep({
  name: 'AwaitCutoverApproval',
  input: awaitApprovalInput,
  output: awaitApprovalOutput,
  deps: () => ({ adaptersFor: adapterCache() }),
  run: async ({ config, migration_id, task_token }, { adaptersFor }) => {
    const registeredAt = new Date().toISOString();
    await adaptersFor(config)
      .objectStore('evidence')
      .put(
        gateKey(migration_id, 'cutover'),
        JSON.stringify({ gate: 'cutover', migration_id, task_token, registered_at: registeredAt }),
        { contentType: 'application/json' },
      );
    return { gate: 'cutover', registered_at: registeredAt };
  },
});
