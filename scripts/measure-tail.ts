/**
 * The tail copier at width, measured on the local stack (docs/performance.md, "The tail at width"):
 *
 *   node scripts/measure-tail.ts --partitions 1000 [--rate 200] [--seconds 60] [--concurrency 32] [--keep]
 *
 * Creates N partitions on the source and the target (topics of at most 250 partitions, as the scale
 * bench does), seeds them (empty) with the real
 * copier, then starts ONE tail copier (`node fargate-copier/main.ts`, tail mode, as the workflow
 * does) over all N partitions while a light steady producer writes `--rate` records/s round-robin
 * over every partition, plus 5 probe records/s to each of 8 probe partitions. Prints, over the
 * steady `--seconds` window:
 *  - fetch requests, ListOffsets rounds and produce requests per second (the copier's own counters,
 *    its `resources` log lines), CPU (% of one core) and RSS (mean, peak = VmHWM) of the copier;
 *  - time for a probe record to reach the target (source CreateTime → read back from the target),
 *    p50 and p99;
 *  - after the producer stops: time until the tail's status document (what CheckDrain reads) shows
 *    lag 0 for every partition at the source's final high watermarks.
 * The topics are deleted at the end (unless --keep). Never touches other topics; shares the stack.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Kafka, logLevel } from 'kafkajs';
import { PlatformaticRecordReader } from '../core/adapters/kafka/reader.ts';
import { S3ObjectStore } from '../core/adapters/s3/object-store.ts';
import { writeSeedPlan } from '../core/app/copy/seed-plan.ts';
import { parseCopierStatus, statusKey } from '../core/app/copy/status.ts';
import type { ClusterConfig } from '../core/domain/config/schema.ts';
import { seedPlan } from '../core/domain/copy/seed-plan.ts';
import { type PartitionRef, partitionKey } from '../core/ports.ts';
import { createTopicsWithLeaders, wideTopics } from './lib/create-topics.ts';
import { type CopierProcess, load as loadAverages, procStats, startCopierProcess } from './lib/measure.ts';

const SOURCE = '127.0.0.1:19092';
const TARGET = '127.0.0.1:29092';
const S3_ENDPOINT = 'http://127.0.0.1:24566';
const REGION = 'us-east-1';
const CREDS = { accessKeyId: 'test', secretAccessKey: 'test' };

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const N = arg('partitions', 100);
const RATE = arg('rate', 200);
const SECONDS = arg('seconds', 60);
/** `seed.max_concurrent_partitions`: the tail's fetch requests in flight per broker and its buffers. */
const CONCURRENCY = arg('concurrency', 32);
/** Partitions per topic: creating very wide topics on the ZooKeeper source is what is slow. */
const TOPIC_WIDTH = 250;
const KEEP = process.argv.includes('--keep');
const PROBES = Math.min(8, N);
const PROBE_RATE = 5;

const id = `measure-tail-${Date.now().toString(36)}`;
const layout = wideTopics(id, N, TOPIC_WIDTH);
const topics = layout.topics.map((t) => t.topic);
const bucket = id;
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: REGION,
};
const config = {
  source: { bootstrap_servers: [SOURCE] },
  target: { bootstrap_servers: [TARGET] },
  storage: {
    segments: `s3://${bucket}/segments`,
    evidence: `s3://${bucket}/evidence`,
    endpoint: S3_ENDPOINT,
    region: REGION,
  },
  seed: { max_concurrent_partitions: CONCURRENCY },
};
const plain = (b: string) => ({ bootstrap_servers: [b], auth: { mode: 'none' } }) as ClusterConfig;
const kafka = (b: string) =>
  new Kafka({ brokers: [b], clientId: 'measure-tail', logLevel: logLevel.NOTHING });
const log = (s: string) => process.stderr.write(`${new Date().toISOString()} ${s}\n`);

function copierEnv(mode: 'seed' | 'tail', shard: string): NodeJS.ProcessEnv {
  return {
    ...env,
    KRAFT_MIGRATE_CONFIG: JSON.stringify(config),
    KRAFT_MIGRATE_MIGRATION_ID: id,
    KRAFT_MIGRATE_MODE: mode,
    KRAFT_MIGRATE_SHARD_ID: shard,
  };
}

/** The copier's own memory breakdown from its last `resources` line (heap, external, ArrayBuffers). */
function lastMemory(
  lines: readonly Record<string, unknown>[],
  mib: (b: number) => string,
): Record<string, number> {
  const last = lines.at(-1);
  if (!last) return {};
  return {
    heap_used_mib: Number(mib(Number(last['heap_used_bytes']))),
    external_mib: Number(mib(Number(last['external_bytes']))),
  };
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

async function main(): Promise<void> {
  const refs: PartitionRef[] = layout.refs;
  const s3 = new S3Client({
    endpoint: S3_ENDPOINT,
    region: REGION,
    credentials: CREDS,
    forcePathStyle: true,
  });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const segments = new S3ObjectStore({
    url: `s3://${bucket}/segments`,
    endpoint: S3_ENDPOINT,
    region: REGION,
    credentials: CREDS,
  });
  const admins = [kafka(SOURCE).admin(), kafka(TARGET).admin()];
  await Promise.all(admins.map((a) => a.connect()));
  const sourceReader = await PlatformaticRecordReader.create(plain(SOURCE));
  const targetReader = await PlatformaticRecordReader.create(plain(TARGET), {
    isolationLevel: 'read_uncommitted',
  });
  const producer = kafka(SOURCE).producer({ allowAutoTopicCreation: false });
  let tail: CopierProcess | undefined;
  try {
    let t = performance.now();
    for (const a of admins) {
      await createTopicsWithLeaders(a, layout.topics);
    }
    log(`topics of ${N} partitions created in ${Math.round(performance.now() - t)} ms`);

    // Seed (the topics are empty): one real seed copier writes every partition's checkpoint, its shard
    // read from the plan in S3 as CopyTopology writes it (a partition list in the environment would
    // outgrow Linux's 128 KiB per variable at ~3,000 partitions).
    t = performance.now();
    const plan = seedPlan(id, refs, 1);
    await writeSeedPlan(segments, plan);
    const seed = startCopierProcess(copierEnv('seed', plan.shards[0]!.shard_id), (l) => log(`copier: ${l}`));
    const code = await seed.exited;
    if (code !== 0) throw new Error(`seed copier exited ${code}: ${seed.stderr()}`);
    log(`seeded in ${Math.round(performance.now() - t)} ms`);

    await producer.connect();
    let produced = 0;
    let producing = true;
    const latencies: number[] = [];
    // The steady load: RATE records/s round-robin over every partition, sent every 100 ms.
    const load = (async () => {
      let next = 0;
      let tick = performance.now();
      let tickNo = 0;
      while (producing) {
        const byTopic = new Map<string, { partition: number; value: string; timestamp: string }[]>();
        const add = (ref: PartitionRef, value: string) => {
          const list = byTopic.get(ref.topic) ?? [];
          list.push({ partition: ref.partition, value, timestamp: String(Date.now()) });
          byTopic.set(ref.topic, list);
        };
        for (let k = 0; k < Math.max(1, Math.round(RATE / 10)); k++) {
          add(refs[next]!, `load-${produced++}`);
          next = (next + 1) % N;
        }
        if (tickNo++ % (10 / PROBE_RATE) === 0) {
          for (let p = 0; p < PROBES; p++) add(refs[p]!, 'probe');
        }
        await producer.sendBatch({
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
          acks: -1,
        });
        tick += 100;
        const wait = tick - performance.now();
        if (wait > 0) await sleep(wait);
      }
    })();

    tail = startCopierProcess(copierEnv('tail', '0'), (l) => log(`copier: ${l}`));
    const tailPid = tail.child.pid!;
    const tailStarted = performance.now();
    // Ready: a status document with every partition in phase tail.
    for (;;) {
      const body = await segments.get(statusKey(id, 'tail', '0'));
      if (body) {
        const s = parseCopierStatus(Buffer.from(body).toString('utf8'));
        if (s.partitions.length === N && s.partitions.every((p) => p.phase === 'tail')) break;
      }
      if (performance.now() - tailStarted > 600_000) throw new Error('the tail did not start in 10 min');
      await sleep(500);
    }
    log(`tail running over ${N} partitions after ${Math.round(performance.now() - tailStarted)} ms`);

    // Probe reader: reads the probe partitions on the target from their current end.
    let probing = true;
    const probeEnds = await targetReader.offsets(refs.slice(0, PROBES));
    const probe = Promise.all(
      refs.slice(0, PROBES).map(async (ref) => {
        let pos = probeEnds.get(partitionKey(ref))!.highWatermark;
        while (probing) {
          const f = await targetReader.fetch(ref, pos, { maxBytes: 1 << 20, maxWaitMs: 100 });
          const now = Date.now();
          for (const r of f.records) {
            if (r.value && Buffer.from(r.value).toString() === 'probe')
              latencies.push(now - Number(r.timestamp));
          }
          if (f.nextOffset > pos) pos = f.nextOffset;
        }
      }),
    );
    await sleep(5000); // settle
    latencies.length = 0;
    const windowStart = { at: performance.now(), proc: procStats(tailPid), lines: tail.lines.length };
    const rssSamples: number[] = [];
    while (performance.now() - windowStart.at < SECONDS * 1000) {
      await sleep(1000);
      rssSamples.push(procStats(tailPid).rss);
    }
    const windowEnd = { at: performance.now(), proc: procStats(tailPid) };
    const resourceLines = tail.lines.filter((l) => l['event'] === 'resources').slice(-100);
    const inWindow = resourceLines.filter(
      (l) => Date.parse(String(l['ts'])) >= Date.now() - (performance.now() - windowStart.at),
    );
    const first = inWindow[0];
    const last = inWindow[inWindow.length - 1];
    const dt = first && last ? (Date.parse(String(last['ts'])) - Date.parse(String(first['ts']))) / 1000 : 0;
    const rate = (k: string) =>
      first && last && dt > 0 ? (Number(last[k]) - Number(first[k])) / dt : Number.NaN;

    // Stop the producer; time until the status document says lag 0 at the final source ends.
    producing = false;
    await load;
    const stoppedAt = performance.now();
    const ends = await sourceReader.offsets(refs);
    let drainMs = Number.NaN;
    for (;;) {
      const body = await segments.get(statusKey(id, 'tail', '0'));
      if (body) {
        const s = parseCopierStatus(Buffer.from(body).toString('utf8'));
        const done = s.partitions.every((p) => {
          const end = ends.get(partitionKey(p))!.highWatermark;
          return p.lag === '0' && p.next_source_offset !== null && BigInt(p.next_source_offset) >= end;
        });
        if (done) {
          drainMs = performance.now() - stoppedAt;
          break;
        }
      }
      if (performance.now() - stoppedAt > 300_000) break;
      await sleep(200);
    }
    probing = false;
    await probe;
    const cpuPct = ((windowEnd.proc.cpuMs - windowStart.proc.cpuMs) / (windowEnd.at - windowStart.at)) * 100;
    const mean = rssSamples.reduce((a, b) => a + b, 0) / Math.max(1, rssSamples.length);
    const mib = (b: number) => (b / 1048576).toFixed(0);
    const result = {
      partitions: N,
      concurrency: CONCURRENCY,
      rate_records_per_s: RATE,
      window_s: SECONDS,
      fetch_per_s: Number(rate('fetch_requests').toFixed(1)),
      list_offsets_rounds_per_s: Number(rate('list_offsets_rounds').toFixed(2)),
      produce_per_s: Number(rate('produce_requests').toFixed(1)),
      cpu_pct_of_core: Number(cpuPct.toFixed(1)),
      rss_mean_mib: Number(mib(mean)),
      rss_peak_mib: Number(mib(procStats(tailPid).hwm)),
      ...lastMemory(resourceLines, mib),
      latency_p50_ms: percentile(latencies, 50),
      latency_p99_ms: percentile(latencies, 99),
      probe_records: latencies.length,
      drain_after_stop_ms: Math.round(drainMs),
      load: loadAverages(),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    if (tail && tail.child.exitCode === null) {
      tail.child.kill('SIGTERM');
      await Promise.race([tail.exited, sleep(30_000)]);
      if (tail.child.exitCode === null) tail.child.kill('SIGKILL');
    }
    await producer.disconnect().catch(() => undefined);
    await Promise.allSettled([sourceReader.close(), targetReader.close()]);
    if (!KEEP) {
      for (const a of admins) await a.deleteTopics({ topics, timeout: 120_000 }).catch(() => undefined);
    }
    await Promise.allSettled(admins.map((a) => a.disconnect()));
  }
}

await main();
process.exit(0);
