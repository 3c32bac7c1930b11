import { z } from 'zod';
import type { copierConfigSchema } from './config/copier.ts';
import { configSchema } from './config/schema.ts';
import { MIGRATION_STATES } from './journal/states.ts';

/**
 * The zod contract of every workflow task: what the ASL passes in and what the handler returns.
 * Handlers validate both sides (lambdas/_shared/step.ts). The config travels as the validated
 * document (defaults filled in); re-validating it is idempotent.
 */

export const configEnvelope = z.object({ config: configSchema });

export const validateInputOutput = z.object({ config: configSchema });

const finding = z.object({
  code: z.string(),
  severity: z.enum(['blocker', 'warning', 'info']),
  subject: z.string(),
  message: z.string(),
  fix: z.string(),
});

export const precheckOutput = z.object({
  migration_id: z.string(),
  fingerprint: z.string(),
  overall: z.enum(['PASSED', 'BLOCKED']),
  counts: z.object({ blocker: z.int(), warning: z.int(), info: z.int() }),
  findings: z.array(finding),
  /** one line, e.g. `precheck BLOCKED: 2 blocker(s), 1 warning(s), 3 info` */
  summary: z.string(),
  /** the journal's state after this step */
  state: z.enum(MIGRATION_STATES),
  resumed: z.boolean(),
});
export type PrecheckOutput = z.output<typeof precheckOutput>;

/** What a Catch puts at ResultPath `$.error`. */
const caughtError = z.object({ Error: z.string(), Cause: z.string().optional() });

export const recordFailureInput = z.object({
  /** Absent when ValidateInput itself failed: then there is no journal to write to. */
  config: z.unknown().optional(),
  precheck: precheckOutput.partial().optional(),
  error: caughtError.optional(),
});

export const recordFailureOutput = z.object({
  journaled: z.boolean(),
  reason: z.string(),
  /** ASL Fail states read these */
  error: z.string(),
  cause: z.string(),
});

/**
 * CopyTopology input. The migration id comes from Precheck's result: `{config, migration_id}` (the
 * ASL's payload) or `{config, precheck: {migration_id, …}}` (the state's whole input) — both are
 * accepted and normalised to `{config, migration_id}`.
 */
export const copyTopologyInput = configEnvelope
  .extend({
    migration_id: z.string().min(1).optional(),
    precheck: z.object({ migration_id: z.string().min(1) }).optional(),
  })
  .refine((v) => v.migration_id !== undefined || v.precheck !== undefined, {
    message: 'migration_id (or precheck.migration_id) is required',
    path: ['migration_id'],
  })
  .transform((v) => ({
    config: v.config,
    migration_id: (v.migration_id ?? v.precheck?.migration_id) as string,
  }));

const decimal = z.string().regex(/^\d+$/);
const configDrift = z.object({ name: z.string(), source: z.string(), target: z.string().nullable() });
const deferredConfig = z.object({
  topic: z.string(),
  name: z.string(),
  value: z.string(),
  during: z.string(),
});

export const copyTopologyOutput = z.object({
  migration_id: z.string(),
  /** the journal's state after this step (`seeding` once the topology is complete) */
  state: z.enum(MIGRATION_STATES),
  created: z.array(
    z.object({
      topic: z.string(),
      partitions: z.int().min(1),
      replication_factor: z.int().min(1),
      configs: z.record(z.string(), z.string()),
    }),
  ),
  /** existing target topics whose drifted configs were set to the source values (overwrite_with_source) */
  altered: z.array(z.object({ topic: z.string(), configs: z.array(configDrift) })),
  /** existing target topics that already match */
  unchanged: z.array(z.string()),
  /** existing target topics whose drifted configs were kept (keep_target) */
  kept: z.array(z.object({ topic: z.string(), configs: z.array(configDrift) })),
  /** migration-window configs: set to `during` now, to be set to `value` after the client switch */
  deferred_configs: z.array(deferredConfig),
  acls: z.object({
    handling: z.enum(['merge', 'skip', 'access-map']),
    /** bindings on the source; null when it has no authorizer or ACLs were not read */
    source: z.int().min(0).nullable(),
    relevant: z.int().min(0),
    created: z.int().min(0),
    already_present: z.int().min(0),
  }),
  acls_created: z.int().min(0),
  /** access-map.json, key in the evidence store (IAM targets) */
  access_map_key: z.string().optional(),
  access_map_url: z.string().optional(),
  warnings: z.array(z.string()),
  // The seed plan's summary; the plan itself (every partition, by shard) is in the segments bucket
  // (`seed_plan_key`, core/domain/copy/seed-plan.ts), so the state stays small at any width.
  /** the Seed Map's items: one copier task each */
  seed_shard_ids: z.array(z.string()),
  partition_count: z.int().min(0),
  max_parallel_copiers: z.int().min(1),
  /** key of the plan's index in the segments bucket (`<id>/plan/index.json`) */
  seed_plan_key: z.string(),
  /** the bytes the seed copies (the partitions' sizes on disk; what `execute` bases its ETA on) */
  seed_bytes: decimal,
  /** this whole result as JSON in the segments bucket (`<id>/plan/topology.json`) */
  report_key: z.string(),
  /** one line, e.g. `topology: 3 topic(s) created, 1 altered, 2 unchanged; 4 ACL(s) created; 12 partition(s) in 3 shard(s)` */
  summary: z.string(),
});
export type CopyTopologyOutput = z.output<typeof copyTopologyOutput>;

/** Warnings the CopyTopology step carries in the state; the others are in the report. */
export const STEP_WARNINGS_SHOWN = 20;

/**
 * What the CopyTopology step returns: the topology's result without its per-topic lists (counts
 * instead; the whole result is in the report, `report_key`), so its size does not grow with the
 * number of topics or partitions, and the copier's part of the config (which the Seed shards and
 * the tail get as KRAFT_MIGRATE_CONFIG instead of the whole config).
 */
export const copyTopologyStepOutput = copyTopologyOutput
  .pick({
    migration_id: true,
    state: true,
    acls: true,
    acls_created: true,
    access_map_key: true,
    access_map_url: true,
    seed_shard_ids: true,
    partition_count: true,
    max_parallel_copiers: true,
    seed_plan_key: true,
    seed_bytes: true,
    report_key: true,
    summary: true,
  })
  .extend({
    topics: z.object({
      created: z.int().min(0),
      altered: z.int().min(0),
      unchanged: z.int().min(0),
      kept: z.int().min(0),
      deferred_configs: z.int().min(0),
    }),
    /** the first STEP_WARNINGS_SHOWN warnings, then `… and N more (report_key)` */
    warnings: z.array(z.string()).max(STEP_WARNINGS_SHOWN + 1),
    /** The copier's part of the config as JSON text: the copier tasks' KRAFT_MIGRATE_CONFIG as it is. */
    copier_config_json: z.string(),
  });
export type CopyTopologyStepOutput = z.output<typeof copyTopologyStepOutput>;

export function copyTopologyStep(
  t: CopyTopologyOutput,
  copierConfig: z.output<typeof copierConfigSchema>,
): CopyTopologyStepOutput {
  const { created, altered, unchanged, kept, deferred_configs, warnings, ...rest } = t;
  const more = warnings.length - STEP_WARNINGS_SHOWN;
  return {
    ...rest,
    topics: {
      created: created.length,
      altered: altered.length,
      unchanged: unchanged.length,
      kept: kept.length,
      deferred_configs: deferred_configs.length,
    },
    warnings:
      more > 0
        ? [...warnings.slice(0, STEP_WARNINGS_SHOWN), `… and ${more} more (${t.report_key})`]
        : warnings,
    copier_config_json: JSON.stringify(copierConfig),
  };
}

/* --- Validate → SignEvidence → Finalized (SPEC §6.5, §6.6) -------------------------------------- */

const checkSummary = z.object({ name: z.string(), status: z.string(), summary: z.string() });

export const validateStepOutput = z.object({
  overall: z.enum(['PASSED', 'FAILED']),
  /** Key of the stored validation report in the segments bucket (SignEvidence reads it). */
  report: z.string(),
  checks: z.array(checkSummary),
});

export const signEvidenceInput = z.object({
  config: configSchema,
  migration_id: z.string().min(1),
  validation: validateStepOutput,
});

export const signEvidenceOutput = z.object({
  state: z.enum(MIGRATION_STATES),
  validation: z.enum(['PASSED', 'FAILED']),
  checks: z.array(checkSummary),
  evidence_url: z.string(),
  evidence_attempt: z.int(),
  evidence_attempt_url: z.string(),
  evidence_sha256: z.string(),
  journaled: z.string().nullable(),
  repairs: z.int(),
});
