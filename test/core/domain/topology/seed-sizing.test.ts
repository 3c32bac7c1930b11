import { describe, expect, it } from 'vitest';
import { copierConfig } from '../../../../core/domain/config/copier.ts';
import { type ConfigInput, configSchema } from '../../../../core/domain/config/schema.ts';
import { type CopyTopologyOutput, copyTopologyStep } from '../../../../core/domain/contracts.ts';
import {
  checkSeedPlan,
  historyEventsEstimate,
  SEED_PLAN_LIMITS,
  seedPlan,
  seedPlanSummary,
  topologyReportKey,
} from '../../../../core/domain/copy/seed-plan.ts';

/**
 * The sizes one execution reaches at 10,000 partitions (issue 12): the CopyTopology Lambda's payload,
 * the state after it, a Seed Map iteration's input, a copier task's container overrides, the
 * history. AWS: 256 KiB per state input/output and payload, 8,192 characters of overrides, 25,000
 * history events. Printed (`vitest run --project unit test/core/domain/topology/seed-sizing.test.ts`).
 */

const ACCOUNT = '510999144577';
const config = configSchema.parse({
  source: {
    cluster_arn: `arn:aws:kafka:eu-west-2:${ACCOUNT}:cluster/orders-zk/d0efd3c5-5308-48ff-b5a6-5ea8d4b24708-3`,
    auth: { mode: 'iam' },
  },
  target: {
    cluster_arn: `arn:aws:kafka:eu-west-2:${ACCOUNT}:cluster/orders-kraft/efffc490-733e-46c4-9d0b-57418c0a3906-3`,
    auth: { mode: 'iam' },
  },
  topics: { include: ['.*'], exclude: ['^tmp\\.', '^test-'] },
  groups: { include: ['.*'], exclude: ['^console-consumer-'] },
  storage: {
    segments: `s3://orders-kraft-migration-segments-${ACCOUNT}-eu-west-2/seeds`,
    evidence: `s3://orders-kraft-migration-evidence-${ACCOUNT}-eu-west-2`,
    kms_key_arn: `arn:aws:kms:eu-west-2:${ACCOUNT}:key/7f0c1f9e-2b8e-4a8c-9a55-1d0e6f2b9c11`,
  },
  seed: { max_concurrent_partitions: 8 },
  cutover: {
    drain_timeout: '45m',
    producer_freeze_webhook: 'https://freeze.internal.example.com/kafka/freeze',
    producer_freeze_webhook_secret_arn: `arn:aws:secretsmanager:eu-west-2:${ACCOUNT}:secret:kraft-migrate/freeze-hmac-AbCdEf`,
  },
} satisfies ConfigInput);
const MIGRATION_ID = 'orders-zk-to-kraft-20261207T020000Z';

/** The CopyTopology ResultSelector's fields (infra/state-machine.ts; test/infra/stack.test.ts pins them). */
const RESULT_SELECTOR = [
  'seed_shard_ids',
  'seed_plan_key',
  'partition_count',
  'max_parallel_copiers',
  'copier_config_json',
  'seed_bytes',
] as const;

/** A topology result for `topics` × `perTopic` partitions, every topic created with four configs. */
function topologyOf(topics: number, perTopic: number) {
  const name = (t: number) => `orders.events.region-${String(t).padStart(5, '0')}.v2`;
  const partitions = Array.from({ length: topics * perTopic }, (_, i) => ({
    topic: name(Math.floor(i / perTopic)),
    partition: i % perTopic,
    bytes: BigInt(1_000_000 + ((i * 7919) % 50_000_000)),
  }));
  const plan = seedPlan(MIGRATION_ID, partitions, config.seed.copiers);
  const result: CopyTopologyOutput = {
    migration_id: MIGRATION_ID,
    state: 'seeding',
    created: Array.from({ length: topics }, (_, t) => ({
      topic: name(t),
      partitions: perTopic,
      replication_factor: 3,
      configs: {
        'retention.ms': '604800000',
        'cleanup.policy': 'delete',
        'max.message.bytes': '2097152',
        'message.timestamp.after.max.ms': '9223372036854775807',
      },
    })),
    altered: [],
    unchanged: [],
    kept: [],
    deferred_configs: [],
    acls: { handling: 'access-map', source: 4_000, relevant: 3_500, created: 0, already_present: 0 },
    acls_created: 0,
    access_map_key: `migrations/${MIGRATION_ID}/access-map.json`,
    access_map_url: `s3://orders-kraft-migration-evidence-${ACCOUNT}-eu-west-2/migrations/${MIGRATION_ID}/access-map.json`,
    warnings: Array.from({ length: topics }, (_, t) => `topic ${name(t)}: a warning per topic`),
    ...seedPlanSummary(plan),
    report_key: topologyReportKey(MIGRATION_ID),
    summary: `topology: ${topics} topic(s) created; ${topics * perTopic} partition(s) in ${plan.shards.length} shard(s)`,
  };
  return { plan, result };
}

const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));
const KiB = 1024;

describe('an execution at 10,000 partitions', () => {
  for (const [topics, perTopic] of [
    [500, 20],
    [10_000, 1],
  ] as const) {
    it(`stays far below AWS's limits: ${topics} topic(s) × ${perTopic} partition(s)`, () => {
      const { plan, result } = topologyOf(topics, perTopic);
      const step = copyTopologyStep(result, copierConfig(config));
      const topology = Object.fromEntries(RESULT_SELECTOR.map((k) => [k, step[k]]));
      // the state after CopyTopology: ValidateInput's config, Precheck's result (not sized here), the topology
      const state = { config, topology };
      const iteration = {
        copier_config_json: topology['copier_config_json'] as string,
        migration_id: MIGRATION_ID,
        shard_id: plan.index.shards.at(-1)!.shard_id,
      };
      const environment = [
        { Name: 'KRAFT_MIGRATE_CONFIG', Value: iteration.copier_config_json },
        { Name: 'KRAFT_MIGRATE_MIGRATION_ID', Value: MIGRATION_ID },
        { Name: 'KRAFT_MIGRATE_MODE', Value: 'seed' },
        { Name: 'KRAFT_MIGRATE_SHARD_ID', Value: iteration.shard_id },
      ];
      const overrides = JSON.stringify({
        ContainerOverrides: [{ Name: 'copier', Environment: environment }],
      });
      const events = historyEventsEstimate(plan.shards.length, 45 * 60);
      const largestShardDoc = Math.max(...plan.shards.map(bytes));

      console.info(
        `${topics}×${perTopic}: ${plan.shards.length} copiers of ${plan.index.shards.map((s) => s.partitions).join('/')} partitions; ` +
          `CopyTopology payload ${bytes(step)} B, state after it ${bytes(state)} B (topology ${bytes(topology)} B), ` +
          `Seed iteration input ${bytes(iteration)} B, container overrides ${overrides.length} chars, ` +
          `history ≤ ${events} events; in S3: index ${bytes(plan.index)} B, largest shard ${largestShardDoc} B, ` +
          `topology report ${bytes(result)} B`,
      );
      expect(plan.shards).toHaveLength(16);
      expect(bytes(step)).toBeLessThan(16 * KiB);
      expect(bytes(state)).toBeLessThan(16 * KiB);
      expect(bytes(iteration)).toBeLessThan(8 * KiB);
      expect(overrides.length).toBeLessThan(SEED_PLAN_LIMITS.overrideChars / 2);
      expect(overrides).not.toMatch(/"partition"/);
      expect(JSON.stringify(step)).not.toMatch(/"partition"/);
      expect(events).toBeLessThan(SEED_PLAN_LIMITS.historyEvents / 4);
      expect(() => checkSeedPlan(plan, JSON.stringify(copierConfig(config)).length, 45 * 60)).not.toThrow();
    });
  }
});
