import type { MigrationConfig } from '../domain/config/schema.ts';
import { clusterIdPart, migrationId, resumeFingerprint } from '../domain/identity.ts';
import { firstReached } from '../domain/journal/rules.ts';
import { ALL_RULES, runPrecheck } from '../domain/precheck/engine.ts';
import type { PrecheckResult } from '../domain/precheck/types.ts';
import type { Adapters } from '../ports.ts';
import { type GatheredState, gather } from './gather.ts';
import { type OpenedJournal, openJournal, transition } from './journal.ts';

/**
 * Assumed seed throughput of one copier for estimates (I03, W05, plan). Conservative next to what
 * `npm run bench` measures locally, because MSK brokers and cross-AZ links are slower than loopback.
 */
const ASSUMED_SEED_BYTES_PER_SECOND = 50 * 1024 * 1024;

export interface PrecheckRun {
  readonly state: GatheredState;
  readonly result: PrecheckResult;
  /** undefined when a cluster id could not be read and no id is pinned. */
  readonly migrationId: string | undefined;
  readonly fingerprint: string;
}

export interface PrecheckRunOptions {
  readonly allowKraftSource?: boolean | undefined;
  readonly pinnedMigrationId?: string | undefined;
  readonly now?: Date;
  readonly onProgress?: ((what: string) => void) | undefined;
  /**
   * The target topics already hold this migration's own copy (a resumed run past CopyTopology):
   * B13 "target topic holds data" would report our own records, so that rule is left out.
   */
  readonly targetHoldsOwnCopy?: boolean | undefined;
}

/** Gathers with the given adapters and evaluates every precheck rule. Read-only. */
export async function precheckMigration(
  config: MigrationConfig,
  adapters: Adapters,
  options: PrecheckRunOptions = {},
): Promise<PrecheckRun> {
  const state = await gatherWith(config, adapters, options);
  return {
    state,
    result: runPrecheck(
      state.snapshot,
      options.targetHoldsOwnCopy ? ALL_RULES.filter((r) => !r.codes.includes('B13')) : ALL_RULES,
    ),
    migrationId: migrationIdFor(config, state, options.pinnedMigrationId, options.now ?? new Date()),
    fingerprint: resumeFingerprint(config),
  };
}

function gatherWith(
  config: MigrationConfig,
  adapters: Adapters,
  options: PrecheckRunOptions = {},
): Promise<GatheredState> {
  return gather({
    config,
    options: {
      allowKraftSource: options.allowKraftSource === true,
      assumedSeedBytesPerSecond: ASSUMED_SEED_BYTES_PER_SECOND,
    },
    kafkaAdmin: (role, bootstrap) => adapters.kafkaAdmin(role, bootstrap),
    msk: config.source.cluster_arn || config.target.cluster_arn ? adapters.msk : undefined,
    probeBucket: (role) => adapters.probeBucket(role),
    probeSigningKey: () => adapters.probeSigningKey(),
    firstRecords: () => adapters.firstRecords('source'),
    onProgress: options.onProgress,
  });
}

/** The migration id this config leads to: pinned, or derived from both cluster ids and `now`. */
function migrationIdFor(
  config: MigrationConfig,
  state: GatheredState,
  pinned: string | undefined,
  now: Date,
): string | undefined {
  if (pinned) return pinned;
  if (config.migration_id) return config.migration_id;
  const { source, target } = state.snapshot;
  if (!source.clusterId || !target.clusterId) return undefined;
  return migrationId(
    config,
    clusterIdPart(config.source.cluster_arn, source.clusterId),
    clusterIdPart(config.target.cluster_arn, target.clusterId),
    now,
  );
}

export interface PrecheckStepResult extends PrecheckRun {
  readonly journal: OpenedJournal | undefined;
}

/**
 * The Precheck step of the workflow: opens (or resumes) the journal, moves it to `prechecking`,
 * and evaluates the rules. A resumed migration that already copied topology keeps its state and
 * does not count its own target data as B13. Without a migration id (a cluster unreachable and
 * no pinned id) there is no journal yet; the blockers say why.
 */
export async function precheckStep(
  config: MigrationConfig,
  adapters: Adapters,
  options: PrecheckRunOptions & { readonly forceRestart?: boolean },
): Promise<PrecheckStepResult> {
  const fingerprint = resumeFingerprint(config);
  const pinned = options.pinnedMigrationId ?? config.migration_id;
  let journal: OpenedJournal | undefined;
  if (pinned)
    journal = await openJournal(adapters.journal(pinned), pinned, fingerprint, {
      forceRestart: options.forceRestart === true,
    });
  const pastTopology =
    journal !== undefined && firstReached(journal.entries, 'copying_topology') !== undefined;
  const run = await precheckMigration(config, adapters, { ...options, targetHoldsOwnCopy: pastTopology });
  if (!journal && run.migrationId) {
    journal = await openJournal(adapters.journal(run.migrationId), run.migrationId, fingerprint, {
      forceRestart: options.forceRestart === true,
    });
  }
  if (journal && !pastTopology && journal.state !== 'prechecking') {
    await transition(journal.store, 'prechecking', 'precheck started', { migration_id: run.migrationId });
    journal = { ...journal, state: 'prechecking' };
  }
  return { ...run, journal };
}
