import type { z } from 'zod';
import { configSchema, type MigrationConfig } from './schema.ts';

/**
 * What the copier task gets of the migration config (KRAFT_MIGRATE_CONFIG, fargate-copier/env.ts):
 * the two clusters (credentials by reference in AWS: `auth.secret_arn`), the topic selection, the
 * buckets and the seed settings. Not the cutover (webhook and its secret), the validation or the
 * evidence settings (signing key): a task's overrides are visible in ECS DescribeTasks and in the
 * execution history, so it carries only what it needs. Strict: a full config is refused.
 */
export const copierConfigSchema = configSchema.pick({
  source: true,
  target: true,
  topics: true,
  storage: true,
  seed: true,
});

export type CopierConfig = z.output<typeof copierConfigSchema>;

/** The copier's subset of a validated config (CopyTopology hands it to the Seed and the tail). */
export function copierConfig(config: MigrationConfig): CopierConfig {
  const { source, target, topics, storage, seed } = config;
  return { source, target, topics, storage, seed };
}
