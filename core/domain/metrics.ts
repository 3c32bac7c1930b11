/**
 * The copier's CloudWatch metrics: written by fargate-copier/log.ts (embedded metric format in its
 * JSON status lines), shown and alarmed on by infra/monitoring.ts. Dimension value: the stack's
 * migrationName.
 */
export const COPIER_METRICS = {
  namespace: 'KraftMigrate',
  dimension: 'MigrationName',
  partitionLagMax: 'PartitionLagMax',
  seedBytesPerSecond: 'SeedBytesPerSecond',
} as const;
