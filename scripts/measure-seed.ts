/**
 * Where a wide seed's time goes, on the local stack (docs/performance.md, "The seed at width"):
 *
 *   node scripts/measure-seed.ts [--partitions 1000] [--records 10] [--copiers 1] [--concurrency 8] [--runs 1]
 *
 * Creates topics of at most 250 partitions (`--partitions` in all) on the source and the target,
 * writes `--records` small records to every source partition, then runs `--copiers` real seed
 * copier processes (`node fargate-copier/main.ts`, seed mode) at once, each over its share of the
 * partitions with `--concurrency` in flight (`seed.max_concurrent_partitions`). Per run it prints the
 * wall time (first spawn → last exit), and the CPU seconds spent in that time by the copiers (their
 * own `resources` lines), moto, each broker and ZooKeeper (/proc, by the stack's PID files), with the
 * copiers' request counts (Kafka fetch/produce/ListOffsets rounds, S3 puts/gets/list pages) per
 * partition. Every run uses fresh topics and a fresh migration id; everything is deleted at the end.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../core/adapters/s3/object-store.ts';
import { writeSeedPlan } from '../core/app/copy/seed-plan.ts';
import { seedPlan } from '../core/domain/copy/seed-plan.ts';
import { createTopicsWithLeaders, wideTopics } from './lib/create-topics.ts';
import {
  type CopierProcess,
  ENV,
  load,
  positive,
  procStats,
  ROOT,
  STACK,
  stackKafka,
  stackS3,
  startCopierProcess,
} from './lib/measure.ts';

const N = positive('partitions', 1000);
const RECORDS = positive('records', 10, 0);
const COPIERS = positive('copiers', 1);
const CONCURRENCY = positive('concurrency', 8);
const RUNS = positive('runs', 1);
const TOPIC_WIDTH = 250;
const STACK_PIDS = join(ROOT, '.local/stack/pids');

const log = (s: string) => process.stderr.write(`${new Date().toISOString()} ${s}\n`);

function stackPids(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const svc of ['source', 'target', 'zookeeper', 's3']) {
    try {
      out[svc] = Number(readFileSync(join(STACK_PIDS, `${svc}.pid`), 'utf8').trim());
    } catch {}
  }
  return out;
}

/** Busy CPU of the whole machine (all cores), ms, from /proc/stat. */
function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] as string;
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 10;
}

function storeAt(url: string): S3ObjectStore {
  return new S3ObjectStore({
    url,
    endpoint: STACK.s3Endpoint,
    region: STACK.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

async function run(runNo: number): Promise<void> {
  const id = `measure-seed-${Date.now().toString(36)}-${runNo}`;
  const { topics, refs } = wideTopics(id, N, TOPIC_WIDTH, [{ name: 'retention.ms', value: '-1' }]);
  const s3 = stackS3();
  await s3.send(new CreateBucketCommand({ Bucket: id }));
  const source = stackKafka('source', 'measure-seed');
  const admins = [source.admin(), stackKafka('target', 'measure-seed').admin()];
  await Promise.all(admins.map((a) => a.connect()));
  const producer = source.producer({ allowAutoTopicCreation: false });
  try {
    for (const a of admins) await createTopicsWithLeaders(a, topics);
    await producer.connect();
    if (RECORDS > 0) {
      const value = 'x'.repeat(100);
      for (const t of topics) {
        await producer.send({
          topic: t.topic,
          acks: -1,
          messages: Array.from({ length: t.numPartitions * RECORDS }, (_, i) => ({
            partition: i % t.numPartitions,
            value,
          })),
        });
      }
    }
    const config = {
      source: { bootstrap_servers: [STACK.source] },
      target: { bootstrap_servers: [STACK.target] },
      storage: {
        segments: `s3://${id}/segments`,
        evidence: `s3://${id}/evidence`,
        endpoint: STACK.s3Endpoint,
        region: STACK.region,
      },
      seed: { max_concurrent_partitions: CONCURRENCY },
    };
    // The plan in S3, as CopyTopology writes it: each copier reads its shard (a partition list in the
    // environment would outgrow Linux's 128 KiB per variable at ~3,000 partitions).
    const plan = seedPlan(id, refs, COPIERS);
    await writeSeedPlan(storeAt(`s3://${id}/segments`), plan);
    const pids = stackPids();
    const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, procStats(pid).cpuMs]));
    const busyBefore = machineBusyMs();
    const loadBefore = load();
    const t0 = performance.now();
    const copiers = plan.shards.map((shard) =>
      startCopierProcess({
        ...ENV,
        KRAFT_MIGRATE_CONFIG: JSON.stringify(config),
        KRAFT_MIGRATE_MIGRATION_ID: id,
        KRAFT_MIGRATE_MODE: 'seed',
        KRAFT_MIGRATE_SHARD_ID: shard.shard_id,
      }),
    );
    const codes = await Promise.all(copiers.map((c) => c.exited));
    const wallMs = performance.now() - t0;
    const busyMs = machineBusyMs() - busyBefore;
    codes.forEach((code, k) => {
      if (code !== 0) throw new Error(`copier ${k} exited ${code}: ${copiers[k]!.stderr()}`);
    });
    const last = (c: CopierProcess) => c.lines.filter((l) => l['event'] === 'resources').at(-1);
    const sum = (field: string) => copiers.reduce((s, c) => s + Number(last(c)?.[field] ?? 0), 0);
    const after = Object.fromEntries(
      Object.entries(pids).map(([k, pid]) => [k, procStats(pid).cpuMs - before[k]!]),
    );
    const per = (x: number) => (x / N).toFixed(2);
    const s = (ms: number) => (ms / 1000).toFixed(2);
    const copierCpu = sum('cpu_ms');
    const accounted = copierCpu + Object.values(after).reduce((a, b) => a + b, 0);
    console.log(
      [
        `run ${runNo}: ${N} partitions × ${RECORDS} records, ${COPIERS} copier(s), ${CONCURRENCY} in flight each; load ${loadBefore} → ${load()}`,
        `  wall ${s(wallMs)} s (${(wallMs / N).toFixed(1)} ms per partition); machine busy ${s(busyMs)} CPU-s of ${s(wallMs * cpus().length)}`,
        `  CPU-s: copiers ${s(copierCpu)} (${per(copierCpu)} ms/partition)` +
          Object.entries(after)
            .map(([k, ms]) => `, ${k === 's3' ? 'moto' : k} ${s(ms)} (${per(ms)})`)
            .join('') +
          `, other ${s(busyMs - accounted)}`,
        `  per partition: fetch ${per(sum('fetch_requests'))}, produce ${per(sum('produce_requests'))}, ListOffsets rounds ${per(sum('list_offsets_rounds'))}, S3 puts ${per(sum('s3_puts'))}, gets ${per(sum('s3_gets'))}, list pages ${per(sum('s3_list_pages'))}`,
        `  copier peak RSS (VmHWM) ${copiers.map((c) => c.peakRssBytes() >> 20).join(', ')} MiB; at the last resources line ${copiers.map((c) => Number(last(c)?.['rss_bytes'] ?? 0) >> 20).join(', ')} MiB`,
      ].join('\n'),
    );
  } finally {
    await producer.disconnect().catch(() => undefined);
    for (const a of admins) {
      await a.deleteTopics({ topics: topics.map((t) => t.topic) }).catch((e) => log(`delete: ${e}`));
      await a.disconnect();
    }
    const store = storeAt(`s3://${id}/`);
    for (const o of await store.list('')) await store.delete(o.key);
    await s3.send(new DeleteBucketCommand({ Bucket: id })).catch((e) => log(`bucket: ${e}`));
  }
}

for (let r = 1; r <= RUNS; r++) await run(r);
