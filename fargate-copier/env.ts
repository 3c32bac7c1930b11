import { z } from 'zod';
import type { CopyMode } from '../core/app/copy/types.ts';
import { copierConfigSchema } from '../core/domain/config/copier.ts';
import { validateConfig } from '../core/domain/config/parse.ts';
import { configSchema, type MigrationConfig } from '../core/domain/config/schema.ts';
import { InvalidInputError, isKraftMigrateError } from '../core/domain/errors.ts';
import { MIGRATION_ID, MIGRATION_ID_RULE } from '../core/domain/identity.ts';
import type { PartitionRef } from '../core/ports.ts';

/**
 * The copier is configured by its environment only (container overrides of the ECS RunTask call in
 * AWS, the container's environment in the local runner):
 *
 * | variable | |
 * |---|---|
 * | KRAFT_MIGRATE_CONFIG | the copier's part of the migration config as JSON: `source`, `target`, `topics`, `storage`, `seed` and nothing else (core/domain/config/copier.ts; `${ENV}` interpolated) |
 * | KRAFT_MIGRATE_MIGRATION_ID | the migration id (checkpoints, segments and status live under it) |
 * | KRAFT_MIGRATE_MODE | `seed` or `tail` |
 * | KRAFT_MIGRATE_SHARD_ID | this task's shard: seed reads its partitions from the seed plan CopyTopology wrote (`<segments>/<id>/plan/shard-<id>.json`); the status document is `status/<mode>-<shard>.json` |
 * | KRAFT_MIGRATE_PARTITIONS | optional, for running a copier by hand or in tests: JSON array of `{"topic","partition"}` instead of the plan (seed) or of every selected partition with a checkpoint (tail); the state machine never sets it |
 * | KRAFT_MIGRATE_METRICS_NAME | optional: the `MigrationName` of the CloudWatch metrics the JSON status lines embed (set by the Fargate task definition; see log.ts) |
 * | KRAFT_MIGRATE_PASS_THROUGH_MIN_BATCH_BYTES | optional: source batches of at least this many bytes are copied as they are (default 16384); `off` re-encodes every record (docs/performance.md) |
 */
export interface CopierEnv {
  /** The copier's part of the config; every other section has its defaults (no webhook, no signing key). */
  readonly config: MigrationConfig;
  readonly migrationId: string;
  readonly mode: CopyMode;
  /** undefined: seed the shard's partitions of the plan; tail every checkpointed partition the selection covers. */
  readonly partitions: readonly PartitionRef[] | undefined;
  readonly shardId: string;
  /** undefined: the engine's default; -1: batch pass-through off. */
  readonly passThroughMinBatchBytes: number | undefined;
}

const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

const partitionsSchema = z
  .array(z.strictObject({ topic: z.string().regex(TOPIC), partition: z.int().min(0).max(2_147_483_647) }))
  .min(1);

const envSchema = z.object({
  KRAFT_MIGRATE_CONFIG: z.string({ error: 'is not set' }).min(1, 'is empty'),
  KRAFT_MIGRATE_MIGRATION_ID: z.string({ error: 'is not set' }).regex(MIGRATION_ID, MIGRATION_ID_RULE),
  KRAFT_MIGRATE_MODE: z.enum(['seed', 'tail'], { error: 'expected "seed" or "tail"' }),
  KRAFT_MIGRATE_PARTITIONS: z.string().optional(),
  KRAFT_MIGRATE_SHARD_ID: z
    .string({ error: 'is not set' })
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1–64 letters, digits, ".", "_" or "-"'),
  KRAFT_MIGRATE_PASS_THROUGH_MIN_BATCH_BYTES: z
    .string()
    .regex(/^(off|\d{1,9})$/, 'expected a byte count (e.g. 16384) or "off"')
    .optional(),
});

const FIX = 'Set the KRAFT_MIGRATE_* variables of the copier task (see fargate-copier/env.ts).';

function bad(message: string, code = 'COPIER_ENV_INVALID'): InvalidInputError {
  return new InvalidInputError(message, { code, fix: FIX });
}

function parseJson(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw bad(`${name} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Validates the environment; InvalidInputError naming the variable otherwise. */
export function parseCopierEnv(env: NodeJS.ProcessEnv): CopierEnv {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw bad(`${name} ${issue.message}`);
  }
  const e = parsed.data;
  let config: MigrationConfig;
  try {
    const copier = validateConfig(
      parseJson('KRAFT_MIGRATE_CONFIG', e.KRAFT_MIGRATE_CONFIG),
      env,
      'KRAFT_MIGRATE_CONFIG',
      copierConfigSchema,
    );
    config = configSchema.parse(copier);
  } catch (err) {
    if (isKraftMigrateError(err)) throw err;
    throw bad(`KRAFT_MIGRATE_CONFIG: ${(err as Error).message}`);
  }
  let partitions: PartitionRef[] | undefined;
  if (e.KRAFT_MIGRATE_PARTITIONS !== undefined && e.KRAFT_MIGRATE_PARTITIONS.trim() !== '') {
    const list = partitionsSchema.safeParse(
      parseJson('KRAFT_MIGRATE_PARTITIONS', e.KRAFT_MIGRATE_PARTITIONS),
    );
    if (!list.success) {
      const issue = list.error.issues[0]!;
      throw bad(
        `KRAFT_MIGRATE_PARTITIONS${issue.path.length ? `[${issue.path.join('].')}` : ''}: ${issue.message} ` +
          '(expected a non-empty JSON array of {"topic": "…", "partition": 0})',
      );
    }
    partitions = list.data;
  }
  return {
    config,
    migrationId: e.KRAFT_MIGRATE_MIGRATION_ID,
    mode: e.KRAFT_MIGRATE_MODE,
    partitions,
    shardId: e.KRAFT_MIGRATE_SHARD_ID,
    passThroughMinBatchBytes: parsePassThrough(e.KRAFT_MIGRATE_PASS_THROUGH_MIN_BATCH_BYTES),
  };
}

function parsePassThrough(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return value === 'off' ? -1 : Number(value);
}
