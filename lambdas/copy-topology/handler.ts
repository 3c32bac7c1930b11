import { type CopyTopologyOptions, copyTopology } from '../../core/app/topology.ts';
import { copierConfig } from '../../core/domain/config/copier.ts';
import { copyTopologyInput, copyTopologyStep, copyTopologyStepOutput } from '../../core/domain/contracts.ts';
import { adapterCache } from '../_shared/adapters.ts';
import { defineStep } from '../_shared/step.ts';

/**
 * CopyTopology: creates the selected topics on the target (source partition counts, replication
 * factor rule, copyable configs), handles config drift per topology.on_config_drift, merges the
 * relevant source ACLs (or writes access-map.json for an IAM target), waits for partition leaders
 * writes the seed plan and the whole result to the segments bucket and returns the shard ids (the
 * Seed Map's items) and counts (copyTopologyStep: the same size at any number of topics).
 * Idempotent; blockers (fewer target partitions, drift with `fail`) are PreconditionErrors and
 * nothing is changed then. Also returns the copier's part of the config (`copier_config_json`), which
 * the copier tasks get.
 */
export function createCopyTopologyHandler(options: Pick<CopyTopologyOptions, 'defaultCopierLimit'> = {}) {
  return defineStep({
    name: 'CopyTopology',
    input: copyTopologyInput,
    output: copyTopologyStepOutput,
    deps: () => ({ adaptersFor: adapterCache() }),
    run: async ({ config, migration_id }, { adaptersFor }) => {
      const topology = await copyTopology(config, adaptersFor(config), migration_id, options);
      return copyTopologyStep(topology, copierConfig(config));
    },
  });
}

/** The Lambda's: every copier a Fargate task of its own, so the default copier count is unbounded. */
export const handler = createCopyTopologyHandler();
