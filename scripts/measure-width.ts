/**
 * Precheck, plan and the topology copy at width, on the local stack (127.0.0.1 only):
 *
 *   node scripts/measure-width.ts [--partitions 1000] [--topics 4] [--groups 5]
 *                                 [--records-per-partition 1] [--runs 3] [--phases cli,precheck,topology]
 *
 * Per run it creates `--topics` source topics holding `--partitions` partitions between them (one
 * record in each partition unless told otherwise), `--groups` consumer groups with a commit on every
 * partition, two fresh buckets and a config file, then times:
 *  - `kraft-migrate precheck --json` and `kraft-migrate plan --format json`: the real CLI, a fresh
 *    Node process each (spawn to exit: what a user waits for);
 *  - precheck in this process (precheckMigration with the real adapters), split by its progress
 *    steps (source cluster, oldest source records, target cluster, buckets, signing key);
 *  - the topology copy in this process (copyTopology, the CopyTopology step), split by its progress
 *    steps (source topology, target topology, applying, waiting for partition leaders, seed plan).
 * In-process phases also count the Kafka requests sent, by API: kafkajs requests (its
 * Connection.send, wrapped here) and @platformatic/kafka requests (its diagnostics channel
 * `plt:kafka:connections:api`). Counts of the whole process, so only one phase runs at a time.
 * Every run deletes what it created (topics on both clusters, groups, buckets), also on failure.
 * Prints one table per run and the median (min–max) of each figure; load (uptime) before and after.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
} from '@aws-sdk/client-s3';
import { Admin as PltAdmin } from '@platformatic/kafka';
import { stringify } from 'yaml';
import { createAdapters } from '../core/adapters/factory.ts';
import { openJournal, transition } from '../core/app/journal.ts';
import { precheckMigration } from '../core/app/precheck.ts';
import { copyTopology } from '../core/app/topology.ts';
import { validateConfig } from '../core/domain/config/parse.ts';
import { resumeFingerprint } from '../core/domain/identity.ts';
import { ENV, load, option, positive, ROOT, STACK, stackKafka, stackS3 } from './lib/measure.ts';
import { countRequests, kafkaTotal, takeCounts } from './lib/requests.ts';

const OPTS = {
  partitions: positive('partitions', 1000),
  topics: positive('topics', 4),
  groups: positive('groups', 5, 0),
  recordsPerPartition: positive('records-per-partition', 1, 0),
  runs: positive('runs', 3),
  phases: new Set(option('phases', 'cli,precheck,topology').split(',')),
};
if (OPTS.partitions < OPTS.topics) {
  process.stderr.write('--partitions must be at least --topics\n');
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// request counting (this process only)

countRequests();
const total = kafkaTotal;

// ---------------------------------------------------------------------------------------------
// fixture

const kafka = (role: 'source' | 'target') => stackKafka(role, 'measure-width');
const s3 = stackS3();

interface Fixture {
  readonly prefix: string;
  readonly topics: string[];
  readonly groups: string[];
  readonly buckets: string[];
  readonly dir: string;
  readonly configPath: string;
  readonly migrationId: string;
}

function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

async function createFixture(run: number): Promise<Fixture> {
  const f = describeFixture(run);
  try {
    await fillFixture(f);
  } catch (e) {
    await removeFixture(f);
    throw e;
  }
  return f;
}

function describeFixture(run: number): Fixture {
  const prefix = `mw${Date.now().toString(36)}${run}`;
  const sizes = split(OPTS.partitions, OPTS.topics);
  const topics = sizes.map((_, i) => `${prefix}.t${i}`);
  const groups = Array.from({ length: OPTS.groups }, (_, i) => `${prefix}-g${i}`);
  const buckets = [`${prefix}-segments`, `${prefix}-evidence`];
  const dir = mkdtempSync(join(tmpdir(), 'kraft-migrate-width-'));
  const fixture = {
    prefix,
    topics,
    groups,
    buckets,
    dir,
    configPath: join(dir, 'config.yaml'),
    migrationId: `${prefix}-mig`,
  };
  return fixture;
}

async function fillFixture(fixture: Fixture): Promise<void> {
  const { prefix, topics, groups, buckets } = fixture;
  const sizes = split(OPTS.partitions, OPTS.topics);
  const admin = kafka('source').admin();
  await admin.connect();
  try {
    // At most ~2,000 partitions per request: a ZooKeeper controller takes long for more.
    for (let i = 0; i < topics.length; ) {
      const batch: number[] = [];
      let partitions = 0;
      while (i < topics.length && (batch.length === 0 || partitions + (sizes[i] as number) <= 2_000)) {
        partitions += sizes[i] as number;
        batch.push(i++);
      }
      await admin.createTopics({
        waitForLeaders: true,
        timeout: 120_000,
        topics: batch.map((j) => ({
          topic: topics[j] as string,
          numPartitions: sizes[j] as number,
          replicationFactor: 1,
        })),
      });
    }
  } finally {
    await admin.disconnect();
  }
  if (OPTS.recordsPerPartition > 0) {
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
  }
  if (groups.length > 0) {
    const plt = new PltAdmin({ clientId: 'measure-width', bootstrapBrokers: [STACK.source] });
    try {
      for (const groupId of groups) {
        await plt.alterConsumerGroupOffsets({
          groupId,
          topics: topics.map((name, t) => ({
            name,
            partitionOffsets: Array.from({ length: sizes[t] as number }, (_, partition) => ({
              partition,
              offset: BigInt(Math.min(1, OPTS.recordsPerPartition)),
            })),
          })),
        });
      }
    } finally {
      await plt.close();
    }
  }
  for (const Bucket of buckets) await s3.send(new CreateBucketCommand({ Bucket }));
  writeFileSync(
    fixture.configPath,
    stringify({
      migration_id: fixture.migrationId,
      source: { bootstrap_servers: [STACK.source] },
      target: { bootstrap_servers: [STACK.target] },
      topics: { include: [`${prefix}\\..*`] },
      groups: { include: [`${prefix}-.*`] },
      storage: {
        segments: `s3://${buckets[0]}/seeds`,
        evidence: `s3://${buckets[1]}/ev`,
        endpoint: STACK.s3Endpoint,
        region: STACK.region,
      },
    }),
  );
}

async function removeFixture(f: Fixture): Promise<void> {
  const problems: string[] = [];
  for (const role of ['target', 'source'] as const) {
    const admin = kafka(role).admin();
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const mine = f.topics.filter((t) => existing.has(t));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 120_000 });
      if (role === 'source' && f.groups.length > 0) await admin.deleteGroups(f.groups).catch(() => {});
    } catch (e) {
      problems.push(`${role} topics: ${(e as Error).message}`);
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
  for (const Bucket of f.buckets) {
    try {
      for (;;) {
        const listed = await s3.send(new ListObjectVersionsCommand({ Bucket }));
        const objects = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].map((v) => ({
          Key: v.Key as string,
          VersionId: v.VersionId,
        }));
        if (objects.length === 0) break;
        await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: objects } }));
      }
      await s3.send(new DeleteBucketCommand({ Bucket }));
    } catch (e) {
      problems.push(`bucket ${Bucket}: ${(e as Error).message}`);
    }
  }
  rmSync(f.dir, { recursive: true, force: true });
  if (problems.length > 0) process.stderr.write(`cleanup left: ${problems.join('; ')}\n`);
}

// ---------------------------------------------------------------------------------------------
// phases

type Figures = Map<string, number>;

function cliPhase(figures: Figures, label: string, args: string[]): void {
  const t = performance.now();
  const out = spawnSync(process.execPath, [join(ROOT, 'bin/kraft-migrate.mjs'), ...args], {
    cwd: ROOT,
    env: ENV,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = performance.now() - t;
  if (out.status !== 0 && out.status !== 1) {
    throw new Error(`${label} exited ${out.status}: ${out.stderr.slice(0, 2000)}`);
  }
  figures.set(`${label} (CLI process, s)`, ms / 1000);
}

/** Times the steps `run` reports through its progress callback (step i: from its report to the next). */
async function stepped<T>(
  figures: Figures,
  label: string,
  run: (progress: (what: string) => void) => Promise<T>,
): Promise<T> {
  takeCounts();
  const t0 = performance.now();
  let last = t0;
  let step: string | undefined;
  const close = (now: number) => {
    if (step !== undefined) figures.set(`  ${label}: ${step} (s)`, (now - last) / 1000);
  };
  const result = await run((what) => {
    const now = performance.now();
    close(now);
    step = what;
    last = now;
  });
  const end = performance.now();
  close(end);
  figures.set(`${label} (in process, s)`, (end - t0) / 1000);
  const requests = takeCounts();
  figures.set(`${label}: Kafka requests`, total(requests));
  for (const [api, n] of [...requests].sort((a, b) => b[1] - a[1])) figures.set(`  ${label}: ${api}`, n);
  return result;
}

async function measure(run: number): Promise<Figures> {
  const figures: Figures = new Map();
  const setupStart = performance.now();
  const f = await createFixture(run);
  figures.set('fixture set-up (s)', (performance.now() - setupStart) / 1000);
  try {
    if (OPTS.phases.has('cli')) {
      cliPhase(figures, 'precheck', ['precheck', '--config', f.configPath, '--json']);
      cliPhase(figures, 'plan', ['plan', '--config', f.configPath, '--format', 'json']);
    }
    const config = validateConfig(
      (await import('yaml')).parse((await import('node:fs')).readFileSync(f.configPath, 'utf8')),
      ENV,
    );
    const adapters = createAdapters(config, { env: ENV, journalDir: join(f.dir, 'journal') });
    if (OPTS.phases.has('precheck')) {
      const r = await stepped(figures, 'precheck', (onProgress) =>
        precheckMigration(config, adapters, { onProgress }),
      );
      figures.set('precheck: topics seen', r.state.snapshot.source.topics.length);
      figures.set(
        'precheck: partitions seen',
        r.state.snapshot.source.topics.reduce((n, t) => n + t.partitions.length, 0),
      );
      figures.set('precheck: groups seen', r.state.snapshot.source.groups.length);
    }
    if (OPTS.phases.has('topology')) {
      const journal = await openJournal(
        adapters.journal(f.migrationId),
        f.migrationId,
        resumeFingerprint(config),
        {
          forceRestart: false,
        },
      );
      await transition(journal.store, 'prechecking', 'precheck started');
      const out = await stepped(figures, 'topology', (onProgress) =>
        copyTopology(config, adapters, f.migrationId, { onProgress }),
      );
      figures.set('topology: topics created', out.created.length);
      figures.set('topology: partitions planned', out.partition_count);
    }
  } finally {
    const t = performance.now();
    await removeFixture(f);
    figures.set('clean-up (s)', (performance.now() - t) / 1000);
  }
  return figures;
}

// ---------------------------------------------------------------------------------------------
// report

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(2));

function report(all: Figures[]): void {
  const labels = [...new Set(all.flatMap((f) => [...f.keys()]))];
  const width = Math.max(...labels.map((l) => l.length));
  process.stdout.write(
    `\n${'figure'.padEnd(width)}  ${all.map((_, i) => `run ${i + 1}`.padStart(9)).join(' ')}   median (min–max)\n`,
  );
  for (const label of labels) {
    const xs = all.map((f) => f.get(label));
    const known = xs.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
    const median = known[Math.floor((known.length - 1) / 2)];
    process.stdout.write(
      `${label.padEnd(width)}  ${xs.map((x) => (x === undefined ? '-' : fmt(x)).padStart(9)).join(' ')}   ` +
        `${median === undefined ? '' : `${fmt(median)} (${fmt(known[0] as number)}–${fmt(known.at(-1) as number)})`}\n`,
    );
  }
}

const results: Figures[] = [];
process.stdout.write(
  `measure-width: ${OPTS.partitions} partitions in ${OPTS.topics} topic(s), ${OPTS.groups} group(s), ` +
    `${OPTS.recordsPerPartition} record(s) per partition, ${OPTS.runs} run(s); load before: ${load()}\n`,
);
for (let run = 1; run <= OPTS.runs; run++) {
  const figures = await measure(run);
  results.push(figures);
  process.stdout.write(`run ${run} done (load ${load()})\n`);
}
report(results);
process.stdout.write(`load after: ${load()}\n`);
process.exit(0);
