/**
 * The cutover's steps and validation at width, on the local stack (127.0.0.1 only):
 *
 *   node scripts/measure-cutover.ts [--partitions 1000] [--topics 4] [--groups 300]
 *                                   [--records-per-partition 2] [--runs 3]
 *
 * Sets up once: `--topics` topics holding `--partitions` partitions between them on both clusters,
 * `--records-per-partition` records in each source partition, `--groups` consumer groups committed
 * on every partition of the source (at 1 of 2 records, or 0), a bucket, then the real copy: a seed
 * copier (`node fargate-copier/main.ts`, a child process, all partitions in one shard) and a tail
 * copier that keeps running. Then it times, in this process and with the real adapters, each step
 * as the workflow's Lambdas call it:
 *  - VerifyFreeze's reads (verifyFreeze with a window of 0 ms: the workflow waits 3 s more);
 *  - PlaceSentinels and FinalDrain (once: they record their artifacts; FinalDrain waits for the real
 *    tail to copy the sentinels, so its time includes the tail's status interval);
 *  - TranslateOffsets round `cutover` (groups read on the source, translated, committed on the
 *    target and read back), LogStartGuard and Validate — `--runs` times each (a re-run is what
 *    resuming does: the same commits again), alternating.
 * Each step also counts its requests: Kafka requests by API (scripts/lib/requests.ts) and S3 HTTP
 * requests. Prints one line per step and run, the median (min–max), and the load (uptime) before
 * and after. Deletes what it created (topics on both clusters, groups on both, the bucket).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
} from '@aws-sdk/client-s3';
import { Admin as PltAdmin } from '@platformatic/kafka';
import { createAdapters } from '../core/adapters/factory.ts';
import { finalDrain, logStartGuard, placeSentinels, translateOffsets } from '../core/app/cutover/index.ts';
import { verifyFreeze } from '../core/app/freeze.ts';
import { validateMigration } from '../core/app/validate.ts';
import { mapWithConcurrency } from '../core/domain/concurrency.ts';
import { validateConfig } from '../core/domain/config/parse.ts';
import { ENV, load, positive, ROOT, STACK, stackKafka, stackS3 } from './lib/measure.ts';
import { countRequests, kafkaTotal, takeCounts } from './lib/requests.ts';

const OPTS = {
  partitions: positive('partitions', 1000),
  topics: positive('topics', 4),
  groups: positive('groups', 300, 0),
  recordsPerPartition: positive('records-per-partition', 2),
  runs: positive('runs', 3),
};
if (OPTS.partitions < OPTS.topics) {
  process.stderr.write('--partitions must be at least --topics\n');
  process.exit(2);
}
countRequests(new URL(STACK.s3Endpoint).host);

const kafka = (role: 'source' | 'target') => stackKafka(role, 'measure-cutover');
const s3 = stackS3();
const say = (text: string) => process.stdout.write(`${text}\n`);

const prefix = `mc${Date.now().toString(36)}`;
const sizes = Array.from(
  { length: OPTS.topics },
  (_, i) => Math.floor(OPTS.partitions / OPTS.topics) + (i < OPTS.partitions % OPTS.topics ? 1 : 0),
);
const topics = sizes.map((_, i) => `${prefix}.t${i}`);
const groups = Array.from({ length: OPTS.groups }, (_, i) => `${prefix}-g${i}`);
const bucket = `${prefix}-bucket`;
const migrationId = `${prefix}-mig`;
const refs = topics.flatMap((topic, t) =>
  Array.from({ length: sizes[t] as number }, (_, partition) => ({ topic, partition })),
);
const children: ChildProcess[] = [];

const copierConfig = {
  source: { bootstrap_servers: [STACK.source] },
  target: { bootstrap_servers: [STACK.target] },
  topics: { include: [`${prefix}\\..*`] },
  storage: {
    segments: `s3://${bucket}/segments`,
    evidence: `s3://${bucket}/evidence`,
    endpoint: STACK.s3Endpoint,
    region: STACK.region,
  },
  seed: { max_concurrent_partitions: 64 },
};
const config = validateConfig(
  { ...copierConfig, migration_id: migrationId, groups: { include: [`${prefix}-.*`] } },
  ENV,
);

function copier(mode: 'seed' | 'tail'): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['fargate-copier/main.ts'], {
    cwd: ROOT,
    env: {
      ...ENV,
      KRAFT_MIGRATE_CONFIG: JSON.stringify(copierConfig),
      KRAFT_MIGRATE_MIGRATION_ID: migrationId,
      KRAFT_MIGRATE_MODE: mode,
      KRAFT_MIGRATE_SHARD_ID: '0',
      ...(mode === 'seed' ? { KRAFT_MIGRATE_PARTITIONS: JSON.stringify(refs) } : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(`${mode} copier exited ${code}: ${stderr}\n`);
      resolve(code);
    }),
  );
  return { child, exited };
}

async function setUp(): Promise<void> {
  for (const role of ['source', 'target'] as const) {
    const admin = kafka(role).admin();
    await admin.connect();
    try {
      await admin
        .createTopics({
          waitForLeaders: true,
          timeout: 120_000,
          topics: topics.map((topic, t) => ({
            topic,
            numPartitions: sizes[t] as number,
            replicationFactor: 1,
          })),
        })
        .catch(async (e: Error) => {
          // kafkajs' leader wait can see UNKNOWN_TOPIC_OR_PARTITION from a KRaft broker whose metadata
          // has not caught up yet: the topics exist, wait for their leaders once more.
          if (!/does not host this topic-partition/.test(e.message)) throw e;
          await new Promise((r) => setTimeout(r, 2_000));
          await admin.fetchTopicMetadata({ topics });
        });
    } finally {
      await admin.disconnect();
    }
  }
  const producer = kafka('source').producer();
  await producer.connect();
  try {
    await producer.sendBatch({
      topicMessages: topics.map((topic, t) => ({
        topic,
        messages: Array.from({ length: (sizes[t] as number) * OPTS.recordsPerPartition }, (_, i) => ({
          partition: i % (sizes[t] as number),
          key: `k${i}`,
          value: `value-${i}`,
        })),
      })),
    });
  } finally {
    await producer.disconnect();
  }
  const plt = new PltAdmin({ clientId: 'measure-cutover', bootstrapBrokers: [STACK.source] });
  try {
    await mapWithConcurrency(groups, 8, async (groupId, g) => {
      await plt.alterConsumerGroupOffsets({
        groupId,
        topics: topics.map((name, t) => ({
          name,
          partitionOffsets: Array.from({ length: sizes[t] as number }, (_, partition) => ({
            partition,
            offset: BigInt((g + partition) % 2),
          })),
        })),
      });
    });
  } finally {
    await plt.close();
  }
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}

async function tearDown(): Promise<void> {
  // The tail first (and awaited): it would otherwise fail on the topics deleted under it.
  await Promise.all(
    children
      .filter((c) => c.exitCode === null)
      .map((c) => new Promise((resolve) => c.once('exit', resolve).kill('SIGTERM'))),
  );
  const problems: string[] = [];
  for (const role of ['target', 'source'] as const) {
    const admin = kafka(role).admin();
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const mine = topics.filter((t) => existing.has(t));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 120_000 });
      if (groups.length > 0) await admin.deleteGroups(groups).catch(() => {});
    } catch (e) {
      problems.push(`${role}: ${(e as Error).message}`);
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
  try {
    for (;;) {
      const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
      const objects = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].map((v) => ({
        Key: v.Key as string,
        VersionId: v.VersionId,
      }));
      if (objects.length === 0) break;
      for (let i = 0; i < objects.length; i += 1000) {
        await s3.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects.slice(i, i + 1000) } }),
        );
      }
    }
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch (e) {
    problems.push(`bucket ${bucket}: ${(e as Error).message}`);
  }
  if (problems.length > 0) process.stderr.write(`cleanup left: ${problems.join('; ')}\n`);
}

/** Per step label, the seconds and request counts of each run. */
const figures = new Map<string, { seconds: number[]; requests: Map<string, number>[] }>();

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  takeCounts();
  const t = performance.now();
  const out = await fn();
  const seconds = (performance.now() - t) / 1000;
  const requests = takeCounts();
  const f = figures.get(label) ?? { seconds: [], requests: [] };
  f.seconds.push(seconds);
  f.requests.push(requests);
  figures.set(label, f);
  const byApi = [...requests]
    .sort((a, b) => b[1] - a[1])
    .map(([api, n]) => `${api} ${n}`)
    .join(', ');
  say(
    `  ${label}: ${seconds.toFixed(2)} s; ${kafkaTotal(requests)} Kafka requests (${byApi}) — load ${load()}`,
  );
  return out;
}

const fmt = (x: number) => x.toFixed(2);
function report(): void {
  say('\nstep: seconds median (min–max) over runs; requests of the last run');
  for (const [label, f] of figures) {
    const xs = [...f.seconds].sort((a, b) => a - b);
    const median = xs[Math.floor((xs.length - 1) / 2)] as number;
    const last = f.requests.at(-1) ?? new Map();
    say(
      `  ${label}: ${fmt(median)} (${fmt(xs[0] as number)}–${fmt(xs.at(-1) as number)}) s [${f.seconds.map(fmt).join(', ')}]; ` +
        `Kafka ${kafkaTotal(last)}, S3 ${last.get('S3') ?? 0}`,
    );
  }
}

say(
  `measure-cutover: ${OPTS.partitions} partitions in ${OPTS.topics} topic(s), ${OPTS.groups} group(s) committed on every ` +
    `partition, ${OPTS.recordsPerPartition} record(s) per partition, ${OPTS.runs} run(s); load before: ${load()}`,
);
let failed = false;
try {
  let t = performance.now();
  await setUp();
  say(`set-up: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  const seed = copier('seed');
  if ((await seed.exited) !== 0) throw new Error('the seed copier failed');
  say(`seed (copier process): ${((performance.now() - t) / 1000).toFixed(1)} s`);
  copier('tail');
  const adapters = createAdapters(config, { env: ENV });
  for (let run = 1; run <= OPTS.runs; run++) {
    await timed('VerifyFreeze reads', () => verifyFreeze(config, adapters, migrationId, { windowMs: 0 }));
  }
  const sentinels = await timed('PlaceSentinels', () => placeSentinels(config, adapters, migrationId));
  say(`    ${sentinels.written} sentinel(s) written`);
  const drained = await timed('FinalDrain', () =>
    finalDrain(config, adapters, migrationId, { timeoutMs: 600_000, pollMs: 250 }),
  );
  say(`    drained ${drained.partitions} partition(s)`);
  for (let run = 1; run <= OPTS.runs; run++) {
    const tr = await timed('TranslateOffsets (cutover)', () =>
      translateOffsets(config, adapters, migrationId, 'cutover'),
    );
    if (run === 1) say(`    ${tr.groups_committed} group(s), ${tr.partitions_committed} offsets committed`);
    await timed('LogStartGuard', () => logStartGuard(config, adapters, migrationId));
    const v = await timed('Validate', () => validateMigration(config, adapters, migrationId));
    if (run === 1) say(`    validation ${v.overall}`);
  }
} catch (e) {
  failed = true;
  process.stderr.write(`measure-cutover failed: ${(e as Error).stack ?? String(e)}\n`);
} finally {
  await tearDown();
}
report();
say(`load after: ${load()}`);
process.exit(failed ? 1 : 0);
