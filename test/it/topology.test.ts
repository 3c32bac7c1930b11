/**
 * CopyTopology against the real local stack: Kafka 3.9 in ZooKeeper mode with AclAuthorizer as the
 * source, Kafka 4.1 in KRaft mode with StandardAuthorizer as the target, moto for the evidence
 * bucket. Every test has its own topic prefix, principal and migration id.
 */
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapters } from '../../core/adapters/factory.ts';
import { openJournal, transition } from '../../core/app/journal.ts';
import { copyTopology } from '../../core/app/topology.ts';
import { validateConfig } from '../../core/domain/config/parse.ts';
import type { MigrationConfig } from '../../core/domain/config/schema.ts';
import { seedPlanIndex, seedPlanIndexKey, seedShardDocument } from '../../core/domain/copy/seed-plan.ts';
import { PreconditionError } from '../../core/domain/errors.ts';
import { resumeFingerprint } from '../../core/domain/identity.ts';
import { cli } from './cli-run.ts';
import {
  createBucket,
  createTopics,
  produce,
  STACK_ENV,
  stackConfig,
  tempDir,
  withAdmin,
  writeConfig,
} from './fixtures.ts';
import { STACK, uniqueName } from './stack.ts';

const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes, ConfigResourceTypes } =
  kafkajs;
const LONG_MAX = '9223372036854775807';

let dir: string;
let segments: string;
let evidence: string;
const principals: string[] = [];

beforeAll(async () => {
  dir = await tempDir('kraft-migrate-topology-');
  [segments, evidence] = await Promise.all([createBucket(), createBucket()]);
});

afterAll(async () => {
  for (const role of ['source', 'target'] as const) {
    await withAdmin(role, (admin) =>
      admin.deleteAcls({
        filters: principals.map((principal) => ({
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          principal,
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        })),
      }),
    ).catch(() => {});
  }
});

function config(prefix: string, overrides: Record<string, unknown> = {}): MigrationConfig {
  return validateConfig(
    stackConfig({
      migration_id: `${prefix}-mig`,
      topics: { include: [`${prefix}\\..*`] },
      groups: { include: [`${prefix}\\..*`] },
      storage: { segments: `s3://${segments}/seeds`, evidence: `s3://${evidence}/ev` },
      ...overrides,
    }),
    STACK_ENV,
  );
}

/** Adapters on the local stack with a local journal already at `prechecking` (as Precheck leaves it). */
async function prepared(cfg: MigrationConfig, journalDir = join(dir, cfg.migration_id!)) {
  const adapters = createAdapters(cfg, { env: STACK_ENV, journalDir });
  const id = cfg.migration_id!;
  const journal = await openJournal(adapters.journal(id), id, resumeFingerprint(cfg), {
    forceRestart: false,
  });
  if (journal.state === 'planned') await transition(journal.store, 'prechecking', 'precheck started');
  return { adapters, id, journalDir };
}

/** The seed plan CopyTopology wrote: its index and every partition of its shards (`topic/partition`). */
async function readPlan(adapters: ReturnType<typeof createAdapters>, id: string) {
  const segments = adapters.objectStore('segments');
  const json = async (key: string) => JSON.parse(new TextDecoder().decode((await segments.get(key))!));
  const index = seedPlanIndex.parse(await json(seedPlanIndexKey(id)));
  const shards = await Promise.all(index.shards.map(async (s) => seedShardDocument.parse(await json(s.key))));
  return {
    index,
    shards,
    partitions: shards.flatMap((s) => s.partitions.map((x) => `${x.topic}/${x.partition}`)),
  };
}

async function journalStates(adapters: ReturnType<typeof createAdapters>, id: string): Promise<string[]> {
  return (await adapters.journal(id).load()).entries.map((e) => e.to);
}

async function topicConfigs(role: 'source' | 'target', topic: string): Promise<Record<string, string>> {
  return withAdmin(role, async (admin) => {
    const answer = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
      includeSynonyms: false,
    });
    return Object.fromEntries(answer.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
  });
}

async function targetPartitions(topics: readonly string[]) {
  return withAdmin('target', async (admin) => {
    const meta = await admin.fetchTopicMetadata({ topics: [...topics] });
    return Object.fromEntries(
      meta.topics.map((t) => [t.name, t.partitions.map((p) => p.leader).sort((a, b) => a - b)]),
    );
  });
}

interface TestAcl {
  resourceType: number;
  resourceName: string;
  resourcePatternType: number;
  operation: number;
  permissionType?: number;
}

async function createSourceAcls(principal: string, acls: readonly TestAcl[]): Promise<void> {
  principals.push(principal);
  await withAdmin('source', (admin) =>
    admin.createAcls({
      acl: acls.map((a) => ({
        principal,
        host: '*',
        permissionType: AclPermissionTypes.ALLOW,
        ...a,
      })) as Parameters<kafkajs.Admin['createAcls']>[0]['acl'],
    }),
  );
}

async function targetAclsOf(principal: string) {
  return withAdmin('target', async (admin) => {
    const answer = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      principal,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    return answer.resources
      .flatMap((r) =>
        r.acls.map((a) => `${r.resourceType}:${r.resourcePatternType}:${r.resourceName}:${a.operation}`),
      )
      .sort();
  });
}

describe('copyTopology on the local stack', () => {
  it('creates 150 topics in several CreateTopics batches, each with its configs and leaders; a second run changes nothing', async () => {
    const p = uniqueName('topo-wide');
    const specs = Array.from({ length: 150 }, (_, i) => ({
      name: `${p}.t${String(i).padStart(3, '0')}`,
      partitions: 1 + (i % 2),
      configs: { 'retention.ms': String(86_400_000 + i) },
    }));
    await createTopics('source', specs);
    const cfg = config(p);
    const { adapters, id } = await prepared(cfg);

    const first = await copyTopology(cfg, adapters, id, { leaderTimeoutMs: 60_000 });

    expect(first.created.map((c) => c.topic)).toEqual(specs.map((t) => t.name));
    expect(first.partition_count).toBe(225);
    const leaders = await targetPartitions(specs.map((t) => t.name));
    expect(
      specs.every((t) => leaders[t.name]?.length === t.partitions && leaders[t.name]!.every((l) => l >= 0)),
    ).toBe(true);
    for (const i of [0, 99, 100, 149]) {
      expect((await topicConfigs('target', specs[i]!.name))['retention.ms']).toBe(String(86_400_000 + i));
    }
    const second = await copyTopology(cfg, adapters, id, { leaderTimeoutMs: 60_000 });
    expect(second.created).toEqual([]);
    expect(second.unchanged).toHaveLength(150);
  });

  it('creates the topics with partitions, configs, ACLs and leaders; a second run changes nothing', async () => {
    const p = uniqueName('topo');
    await createTopics('source', [
      {
        name: `${p}.orders`,
        partitions: 3,
        configs: { 'retention.ms': '259200000', 'max.message.bytes': '2097152' },
      },
      { name: `${p}.compacted`, partitions: 2, configs: { 'cleanup.policy': 'compact' } },
      { name: `${p}.audit`, configs: { 'message.timestamp.type': 'LogAppendTime' } },
      { name: `${p}.bounded`, configs: { 'message.timestamp.before.max.ms': '86400000' } },
      { name: `${p}-unselected` },
    ]);
    await produce('source', `${p}.orders`, 30, 3);
    const principal = `User:${p}-app`;
    await createSourceAcls(principal, [
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: `${p}.orders`,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        operation: AclOperationTypes.READ,
      },
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: `${p}.`,
        resourcePatternType: ResourcePatternTypes.PREFIXED,
        operation: AclOperationTypes.WRITE,
      },
      {
        resourceType: AclResourceTypes.GROUP,
        resourceName: `${p}.billing`,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        operation: AclOperationTypes.READ,
      },
      {
        resourceType: AclResourceTypes.CLUSTER,
        resourceName: 'kafka-cluster',
        resourcePatternType: ResourcePatternTypes.LITERAL,
        operation: AclOperationTypes.IDEMPOTENT_WRITE,
      },
      {
        // not migrated: the topic is not selected
        resourceType: AclResourceTypes.TOPIC,
        resourceName: `${p}-unselected`,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        operation: AclOperationTypes.READ,
      },
    ]);
    const cfg = config(p, { seed: { copiers: 2 } });
    const { adapters, id } = await prepared(cfg);
    const names = ['audit', 'bounded', 'compacted', 'orders'].map((n) => `${p}.${n}`);

    const first = await copyTopology(cfg, adapters, id, { leaderTimeoutMs: 30_000 });

    expect(first.created.map((c) => c.topic)).toEqual(names);
    expect(first).toMatchObject({ altered: [], unchanged: [], kept: [], acls_created: 4, state: 'seeding' });
    expect(first.acls).toEqual({
      handling: 'merge',
      source: expect.any(Number),
      relevant: 4,
      created: 4,
      already_present: 0,
    });
    // the seed plan is in the segments bucket: an index and one document per shard (seed.copiers: 2)
    const plan = await readPlan(adapters, id);
    expect(first).toMatchObject({
      partition_count: 7,
      seed_shard_ids: ['0', '1'],
      max_parallel_copiers: 2,
      seed_plan_key: `${id}/plan/index.json`,
    });
    expect(plan.index.shards.map((s) => s.key)).toEqual([
      `${id}/plan/shard-0.json`,
      `${id}/plan/shard-1.json`,
    ]);
    expect([...plan.partitions].sort()).toEqual([
      `${p}.audit/0`,
      `${p}.bounded/0`,
      `${p}.compacted/0`,
      `${p}.compacted/1`,
      `${p}.orders/0`,
      `${p}.orders/1`,
      `${p}.orders/2`,
    ]);
    expect(plan.index.partition_count).toBe(7);
    expect(BigInt(first.seed_bytes)).toBeGreaterThan(0n);
    expect(first).not.toHaveProperty('partitions');
    expect(first.deferred_configs).toEqual([
      { topic: `${p}.bounded`, name: 'message.timestamp.before.max.ms', value: '86400000', during: LONG_MAX },
    ]);
    expect(await journalStates(adapters, id)).toEqual([
      'planned',
      'prechecking',
      'copying_topology',
      'seeding',
    ]);

    // the target topics: same partition counts, every partition led
    const leaders = await targetPartitions(names);
    expect(Object.fromEntries(Object.entries(leaders).map(([t, l]) => [t, l.length]))).toEqual({
      [`${p}.audit`]: 1,
      [`${p}.bounded`]: 1,
      [`${p}.compacted`]: 2,
      [`${p}.orders`]: 3,
    });
    expect(
      Object.values(leaders)
        .flat()
        .every((l) => l >= 0),
    ).toBe(true);

    // the copied configs, as the target reports them
    const orders = await topicConfigs('target', `${p}.orders`);
    expect(orders).toMatchObject({
      'retention.ms': '259200000',
      'max.message.bytes': '2097152',
      'message.timestamp.after.max.ms': LONG_MAX,
    });
    expect((await topicConfigs('target', `${p}.compacted`))['cleanup.policy']).toBe('compact');
    expect((await topicConfigs('target', `${p}.audit`))['message.timestamp.type']).toBe('LogAppendTime');
    expect((await topicConfigs('target', `${p}.bounded`))['message.timestamp.before.max.ms']).toBe(LONG_MAX);

    // the relevant ACLs (not the one on the unselected topic)
    expect(await targetAclsOf(principal)).toEqual(
      [
        `${AclResourceTypes.CLUSTER}:${ResourcePatternTypes.LITERAL}:kafka-cluster:${AclOperationTypes.IDEMPOTENT_WRITE}`,
        `${AclResourceTypes.GROUP}:${ResourcePatternTypes.LITERAL}:${p}.billing:${AclOperationTypes.READ}`,
        `${AclResourceTypes.TOPIC}:${ResourcePatternTypes.LITERAL}:${p}.orders:${AclOperationTypes.READ}`,
        `${AclResourceTypes.TOPIC}:${ResourcePatternTypes.PREFIXED}:${p}.:${AclOperationTypes.WRITE}`,
      ].sort(),
    );

    const second = await copyTopology(cfg, adapters, id, { leaderTimeoutMs: 30_000 });

    expect(second).toMatchObject({ created: [], altered: [], kept: [], acls_created: 0, state: 'seeding' });
    expect(second.unchanged).toEqual(names);
    expect(second.acls.already_present).toBe(4);
    expect(second.seed_shard_ids).toEqual(first.seed_shard_ids);
    expect(await readPlan(adapters, id)).toEqual(plan);
    expect(second.deferred_configs).toEqual(first.deferred_configs);
    expect(await journalStates(adapters, id)).toEqual([
      'planned',
      'prechecking',
      'copying_topology',
      'seeding',
    ]);
  });

  it('plans and copies only the ACLs of the selection: not those of other topics, groups, prefixes or principals', async () => {
    const p = uniqueName('topo-acls');
    await createTopics('source', [{ name: `${p}.orders` }, { name: `${p}-other` }]);
    const app = `User:${p}-app`;
    const other = `User:${p}-other`;
    const literal = ResourcePatternTypes.LITERAL;
    await createSourceAcls(app, [
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: `${p}.orders`,
        resourcePatternType: literal,
        operation: AclOperationTypes.READ,
      },
      {
        resourceType: AclResourceTypes.CLUSTER,
        resourceName: 'kafka-cluster',
        resourcePatternType: literal,
        operation: AclOperationTypes.IDEMPOTENT_WRITE,
      },
    ]);
    // every binding of `other` is outside the selection (topics `${p}\..*`, groups `${p}\..*`)
    await createSourceAcls(other, [
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: `${p}-other`,
        resourcePatternType: literal,
        operation: AclOperationTypes.READ,
      },
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: `${p}-`,
        resourcePatternType: ResourcePatternTypes.PREFIXED,
        operation: AclOperationTypes.WRITE,
      },
      {
        resourceType: AclResourceTypes.GROUP,
        resourceName: `${p}-group`,
        resourcePatternType: literal,
        operation: AclOperationTypes.READ,
      },
      {
        resourceType: AclResourceTypes.CLUSTER,
        resourceName: 'kafka-cluster',
        resourcePatternType: literal,
        operation: AclOperationTypes.DESCRIBE,
      },
      {
        resourceType: AclResourceTypes.TRANSACTIONAL_ID,
        resourceName: `${p}-tx`,
        resourcePatternType: literal,
        operation: AclOperationTypes.WRITE,
      },
    ]);
    const doc = stackConfig({
      migration_id: `${p}-mig`,
      topics: { include: [`${p}\\..*`] },
      groups: { include: [`${p}\\..*`] },
      storage: { segments: `s3://${segments}/seeds`, evidence: `s3://${evidence}/ev` },
    });
    const path = await writeConfig(dir, doc);

    const planned = await cli(['plan', '--config', path, '--format', 'json']);
    expect(planned.code).toBe(0);
    const plan = JSON.parse(planned.stdout);
    expect(plan.acls).toMatchObject({
      gathered: true,
      count: 2,
      byResourceType: { CLUSTER: 1, TOPIC: 1 },
      principals: 1,
    });
    expect(plan.acls.outsideSelection).toBeGreaterThanOrEqual(5);
    const runbook = await cli(['plan', '--config', path, '--format', 'runbook']);
    expect(runbook.stdout).toMatch(
      /\| ACLs of the selection \| 2; \d+ other source ACL\(s\) outside the selection are not copied/,
    );

    const cfg = config(p);
    const { adapters, id } = await prepared(cfg);
    const copied = await copyTopology(cfg, adapters, id, { leaderTimeoutMs: 30_000 });

    expect(copied.acls).toMatchObject({ handling: 'merge', relevant: 2, created: 2 });
    expect(await targetAclsOf(app)).toEqual(
      [
        `${AclResourceTypes.CLUSTER}:${literal}:kafka-cluster:${AclOperationTypes.IDEMPOTENT_WRITE}`,
        `${AclResourceTypes.TOPIC}:${literal}:${p}.orders:${AclOperationTypes.READ}`,
      ].sort(),
    );
    expect(await targetAclsOf(other)).toEqual([]);
  });

  it('on_config_drift=fail refuses naming the config and changes nothing; overwrite_with_source then sets only it', async () => {
    const p = uniqueName('topo-drift');
    await createTopics('source', [
      { name: `${p}.events`, partitions: 2, configs: { 'retention.ms': '259200000' } },
      { name: `${p}.fresh` },
    ]);
    await createTopics('target', [
      {
        name: `${p}.events`,
        partitions: 2,
        configs: {
          'retention.ms': '86400000',
          'message.timestamp.after.max.ms': LONG_MAX,
          // not a config the copy compares: must survive the overwrite (incremental alter)
          'follower.replication.throttled.replicas': '*',
        },
      },
    ]);
    const failing = config(p, { topology: { on_config_drift: 'fail' } });
    const { adapters, id, journalDir } = await prepared(failing);

    const error = await copyTopology(failing, adapters, id, { leaderTimeoutMs: 30_000 }).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(PreconditionError);
    expect((error as PreconditionError).code).toBe('TOPOLOGY_CONFIG_DRIFT');
    expect((error as PreconditionError).message).toContain(
      `target topic ${p}.events differs from the source: retention.ms source=259200000 target=86400000`,
    );
    expect((error as PreconditionError).fix).toContain('topology.on_config_drift');
    expect((await topicConfigs('target', `${p}.events`))['retention.ms']).toBe('86400000');
    expect(await withAdmin('target', (admin) => admin.listTopics())).not.toContain(`${p}.fresh`);

    const overwriting = config(p, { topology: { on_config_drift: 'overwrite_with_source' } });
    const again = await prepared(overwriting, journalDir);

    const out = await copyTopology(overwriting, again.adapters, id, { leaderTimeoutMs: 30_000 });

    expect(out.created.map((c) => c.topic)).toEqual([`${p}.fresh`]);
    expect(out.altered).toEqual([
      { topic: `${p}.events`, configs: [{ name: 'retention.ms', source: '259200000', target: '86400000' }] },
    ]);
    const events = await topicConfigs('target', `${p}.events`);
    expect(events['retention.ms']).toBe('259200000');
    expect(events['follower.replication.throttled.replicas']).toBe('*');
    expect(events['message.timestamp.after.max.ms']).toBe(LONG_MAX);
  });

  it('refuses a target topic with fewer partitions than the source (B14)', async () => {
    const p = uniqueName('topo-b14');
    await createTopics('source', [{ name: `${p}.wide`, partitions: 3 }]);
    await createTopics('target', [{ name: `${p}.wide`, partitions: 1 }]);
    const cfg = config(p);
    const { adapters, id } = await prepared(cfg);

    const error = await copyTopology(cfg, adapters, id).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PreconditionError);
    expect((error as PreconditionError).code).toBe('TOPOLOGY_TARGET_PARTITIONS');
    expect((error as PreconditionError).message).toContain(
      `target topic ${p}.wide has 1 partition(s), the source topic has 3 (B14)`,
    );
    expect((await targetPartitions([`${p}.wide`]))[`${p}.wide`]).toHaveLength(1);
  });

  it("refuses a config too long for a copier task's container overrides, before touching the target", async () => {
    // 40 excluded names of 200 characters: ~8,400 characters of config in every copier task's environment
    const p = uniqueName('topo-wide');
    const topic = `${p}.wide`;
    await createTopics('source', [{ name: topic, partitions: 2 }]);
    const exclude = Array.from({ length: 40 }, (_, i) => `${p}\\.never-${i}-${'w'.repeat(180)}`);
    const cfg = config(p, { topics: { include: [`${p}\\..*`], exclude } });
    const { adapters, id } = await prepared(cfg);

    const error = await copyTopology(cfg, adapters, id).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PreconditionError);
    expect((error as PreconditionError).code).toBe('SEED_PLAN_TOO_LARGE');
    expect((error as PreconditionError).message).toMatch(
      /a copier task's environment would be \d+ characters \(the config \d+\); ECS accepts at most 8192/,
    );
    expect((error as PreconditionError).fix).toContain('Shorten the config');
    expect(await withAdmin('target', (admin) => admin.listTopics())).not.toContain(topic);
  });

  it('writes access-map.json for an IAM target and creates no ACL there', async () => {
    const p = uniqueName('topo-iam');
    await createTopics('source', [{ name: `${p}.orders`, partitions: 2 }]);
    const principal = `User:${p}-reader`;
    await createSourceAcls(principal, [
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: `${p}.orders`,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        operation: AclOperationTypes.READ,
      },
      {
        resourceType: AclResourceTypes.GROUP,
        resourceName: `${p}.`,
        resourcePatternType: ResourcePatternTypes.PREFIXED,
        operation: AclOperationTypes.READ,
      },
    ]);
    const plain = config(p);
    const arn = 'arn:aws:kafka:us-east-1:123456789012:cluster/target/0000-1111';
    // the same clusters, but the target declared as an MSK IAM cluster (the local one listens in plaintext)
    const iam = validateConfig(
      {
        ...stackConfig({
          migration_id: plain.migration_id,
          topics: { include: [`${p}\\..*`] },
          groups: { include: [`${p}\\..*`] },
          storage: { segments: `s3://${segments}/seeds`, evidence: `s3://${evidence}/ev` },
        }),
        target: { bootstrap_servers: [STACK.target], cluster_arn: arn, auth: { mode: 'iam' } },
      },
      STACK_ENV,
    );
    const { adapters, id } = await prepared(plain);

    const out = await copyTopology(iam, adapters, id, { leaderTimeoutMs: 30_000 });

    // relevant also counts CLUSTER bindings other tests left on the shared source
    expect(out.acls).toMatchObject({ handling: 'access-map', created: 0 });
    expect(out.acls.relevant).toBeGreaterThanOrEqual(2);
    expect(out.acls_created).toBe(0);
    expect(out.access_map_key).toBe(`migrations/${id}/access-map.json`);
    expect(out.access_map_url).toBe(`s3://${evidence}/ev/migrations/${id}/access-map.json`);
    const body = await adapters.objectStore('evidence').get(out.access_map_key!);
    const map = JSON.parse(new TextDecoder().decode(body));
    const mine = map.principals.find((x: { principal: string }) => x.principal === principal);
    expect(mine.acls).toHaveLength(2);
    expect(mine.policy.Statement).toEqual([
      { Sid: 'Allow1', Effect: 'Allow', Action: ['kafka-cluster:Connect'], Resource: [arn] },
      {
        Sid: 'Allow2',
        Effect: 'Allow',
        Action: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
        Resource: [`arn:aws:kafka:us-east-1:123456789012:group/target/0000-1111/${p}.*`],
      },
      {
        Sid: 'Allow3',
        Effect: 'Allow',
        Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        Resource: [`arn:aws:kafka:us-east-1:123456789012:topic/target/0000-1111/${p}.orders`],
      },
    ]);
    expect(await targetAclsOf(principal)).toEqual([]);
    expect(out.created.map((c) => c.topic)).toEqual([`${p}.orders`]);
  });
});
