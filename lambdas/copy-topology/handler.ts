import { copyTopology } from '../../core/app/topology.ts';
import { copyTopologyInput, copyTopologyOutput } from '../../core/domain/contracts.ts';
import { adapterCache } from '../_shared/adapters.ts';
import { defineStep } from '../_shared/step.ts';

/**
 * CopyTopology: creates the selected topics on the target (source partition counts, replication
 * factor rule, copyable configs), handles config drift per topology.on_config_drift, merges the
 * relevant source ACLs (or writes access-map.json for an IAM target), waits for partition leaders
 * and returns the partitions and the Seed Map's shards. Idempotent; blockers (fewer target
 * partitions, drift with `fail`) are PreconditionErrors and nothing is changed then.
 */
export const handler = defineStep({
  name: 'CopyTopology',
  input: copyTopologyInput,
  output: copyTopologyOutput,
  deps: () => ({ adaptersFor: adapterCache() }),
  run: ({ config, migration_id }, { adaptersFor }) => copyTopology(config, adaptersFor(config), migration_id),
});
