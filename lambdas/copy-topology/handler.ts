import { copyTopology } from '../../core/app/topology.ts';
import { copierConfig } from '../../core/domain/config/copier.ts';
import { copyTopologyInput, copyTopologyStepOutput } from '../../core/domain/contracts.ts';
import { adapterCache } from '../_shared/adapters.ts';
import { defineStep } from '../_shared/step.ts';

/**
 * CopyTopology: creates the selected topics on the target (source partition counts, replication
 * factor rule, copyable configs), handles config drift per topology.on_config_drift, merges the
 * relevant source ACLs (or writes access-map.json for an IAM target), waits for partition leaders
 * and returns the partitions and the Seed Map's shards. Idempotent; blockers (fewer target
 * partitions, drift with `fail`) are PreconditionErrors and nothing is changed then. Also returns
 * the copier's part of the config (`copier_config`), which the copier tasks get, and the bytes the
 * seed copies (`seed_bytes`).
 */
export const handler = defineStep({
  name: 'CopyTopology',
  input: copyTopologyInput,
  output: copyTopologyStepOutput,
  deps: () => ({ adaptersFor: adapterCache() }),
  run: async ({ config, migration_id }, { adaptersFor }) => {
    const topology = await copyTopology(config, adaptersFor(config), migration_id);
    const seedBytes = topology.partitions.reduce((sum, p) => sum + BigInt(p.bytes ?? 0), 0n);
    return { ...topology, copier_config: copierConfig(config), seed_bytes: seedBytes.toString() };
  },
});
