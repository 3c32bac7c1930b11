/**
 * `npm run bench` (scripts/bench/run.sh starts the stack and resolves MirrorMaker 2 first, then
 * runs this file): kraft-migrate's copier against MirrorMaker 2 and the target's own ingest
 * ceiling, on the same data, on the local stack (127.0.0.1 only). docs/performance.md explains
 * every figure.
 *
 *   (a) seed throughput: `node fargate-copier/main.ts` in seed mode over topic set A
 *   (b) MirrorMaker 2 (dedicated mode, identity names) over topic set B, filled exactly like A
 *   (c) ceiling: Java ProducerPerformance straight into the target (acks=all, lz4)
 *   (d) tail latency: copier in tail mode, a steady producer on the source, a consumer on the target
 *   (e) peak RSS (VmHWM) of the copier (and of MirrorMaker 2's JVM, for reference)
 *   (f) only with `--phases cutover`: the cutover's freeze window through the real workflow
 *       (lib/cutover.ts), at each of `--cutover-partitions`
 *   (g) only with `--phases scale`: whole migrations at each of `--scale-partitions`, every stage
 *       timed, and MirrorMaker 2 on the same partitions as reference (lib/scale.ts)
 *
 * Every child is started and stopped by its own PID, also on failure and Ctrl-C; every wait is
 * bounded. The figures go to the terminal and to .local/bench/result-<timestamp>.json.
 */

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import Table from 'cli-table3';
import type { Consumer, Producer } from 'kafkajs';
import { causeText } from '../../core/domain/errors.ts';
import { registerCodecs } from '../../test/kafkajs-codecs.ts';
import { type CutoverResult, phaseCutover } from './lib/cutover.ts';
import { CUTOVER_STATES } from './lib/freeze-window.ts';
import {
  type JavaEnv,
  type PerfResult,
  producerPerformance,
  renderMm2Properties,
  startMirrorMaker,
} from './lib/java.ts';
import { Cluster, partitionsOf, type TopicSet, watchArrival } from './lib/kafka.ts';
import { type BenchOptions, type Phase, parseOptions, usage } from './lib/options.ts';
import { writePayloadFile } from './lib/payload.ts';
import { Proc, readCpuSeconds, readMachineCpu, runToEnd, stopAll } from './lib/proc.ts';
import { phaseScale, SCALE_AIMS, type ScaleResult } from './lib/scale.ts';
import { fmt, MIB, round, summary } from './lib/stats.ts';
import { type Spread, STAGE_SPANS, spreadBySize, TIMELINE_STAGES } from './lib/timeline.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const STACK = {
  source: '127.0.0.1:19092',
  target: '127.0.0.1:29092',
  s3Endpoint: 'http://127.0.0.1:24566',
  region: 'us-east-1',
} as const;
const STACK_DIR = process.env['KRAFT_MIGRATE_STACK_DIR'] ?? join(ROOT, '.local/stack');
const COPIER = join(ROOT, 'fargate-copier/main.ts');
const SEGMENTS_PREFIX = 'bench';
const AIMS = { vsMm2: 1.5, vsCeiling: 0.7, tailP99Ms: 250 } as const;

// ---------------------------------------------------------------------------------------------
// Result shapes (also the JSON file)

interface CpuUse {
  seconds: number;
  /** Share of all cores busy over the phase, by anyone (other work on the machine included). */
  machine_busy_pct: number;
  /** CPU seconds per process during the phase (`bench` = this driver: polling, tail producer and consumer). */
  processes: Record<string, number>;
  /** CPU seconds of everything else on the machine (other users' work): busy − the processes above. */
  others: number;
}

interface CopyFigures {
  records: number;
  payload_mib: number;
  /** Start of the process to the end (copier: its exit = seed complete, records staged and
   * checkpointed; MM2: every record visible on the target). */
  wall_seconds: number;
  wall_mib_per_s: number;
  wall_records_per_s: number;
  /** From the first record visible on the target to the end (start-up excluded). */
  steady_seconds: number;
  steady_mib_per_s: number;
  steady_records_per_s: number;
  startup_seconds: number;
  /** First record visible on the target → every record visible (the copy of the records alone). */
  records_visible_seconds: number;
  records_visible_mib_per_s: number;
  /** Every record visible → the end (copier: final segment uploads and checkpoints; MM2: 0). */
  finish_after_records_seconds: number;
  peak_rss_mib: number;
  cpu: CpuUse;
  /** CPU time of the copying process (copier, or MM2's JVM with its start-up) per MiB of payload. */
  process_cpu_ms_per_mib: number;
  complete: boolean;
}

interface SeedResult extends CopyFigures {
  exit_code: number | null;
  copier_status?: {
    state: string;
    records_copied: string;
    bytes_copied: string;
    seconds: number;
    mib_per_s: number;
    records_per_s: number;
    max_partition_lag: string;
  };
  staged?: { objects: number; mib: number };
  log: string;
}

interface Mm2Result extends CopyFigures {
  tasks: number;
  properties: string;
  log: string;
}

interface CeilingResult {
  records: number;
  payload_mib: number;
  mib_per_s: number;
  records_per_s: number;
  seconds: number;
  wall_seconds: number;
  producer_latency_ms: { avg: number; p50: number; p99: number };
  producer_props: Record<string, string>;
  cpu: CpuUse;
}

interface TailResult {
  rate_per_s: number;
  seconds: number;
  partitions: number;
  value_bytes: number;
  produced: number;
  seen_on_target: number;
  missing: number;
  latency_ms: ReturnType<typeof summary>;
  source_ack_ms: ReturnType<typeof summary>;
  copier_exit_code: number | null;
  copier_peak_rss_mib: number;
  cpu: CpuUse;
  log: string;
}

interface Results {
  seed?: SeedResult;
  mm2?: Mm2Result;
  ceiling?: CeilingResult;
  tail?: TailResult;
  cutover?: CutoverResult[];
  scale?: ScaleResult[];
}

interface Aim {
  aim: string;
  value: string;
  met: boolean | null;
  note?: string;
}

// ---------------------------------------------------------------------------------------------

interface Ctx {
  readonly opts: BenchOptions;
  readonly rid: string;
  readonly runDir: string;
  readonly java: JavaEnv;
  readonly source: Cluster;
  readonly target: Cluster;
  readonly s3: S3Client;
  readonly payloadFile: string;
  readonly segmentsBucket: string;
  readonly evidenceBucket: string;
  readonly created: { source: string[]; target: string[]; buckets: string[]; groups: string[] };
  readonly stackPids: Record<string, number>;
  readonly t0: number;
}

function say(ctx: Pick<Ctx, 't0'>, text: string): void {
  const s = ((performance.now() - ctx.t0) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`[bench ${s}s] ${text}\n`);
}

function mib(records: number, valueBytes: number): number {
  return (records * valueBytes) / MIB;
}

function sumOf(map: Map<string, bigint>): bigint {
  let s = 0n;
  for (const v of map.values()) s += v;
  return s;
}

// ---------------------------------------------------------------------------------------------
// CPU accounting of a phase: the stack's services (by their PID files), the phase's children and
// the whole machine, so the figures can be read against what else was running.

function stackPids(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const svc of ['source', 'target', 's3', 'zookeeper']) {
    try {
      const pid = Number(readFileSync(join(STACK_DIR, 'pids', `${svc}.pid`), 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0) out[svc] = pid;
    } catch {
      // not running under this stack dir
    }
  }
  return out;
}

function cpuMeter(ctx: Ctx): { stop: (children: Record<string, Proc | number>) => CpuUse } {
  const started = performance.now();
  const machine = readMachineCpu();
  const bench = process.cpuUsage();
  const before: Record<string, number> = {};
  for (const [svc, pid] of Object.entries(ctx.stackPids)) before[svc] = readCpuSeconds(pid) ?? 0;
  return {
    stop(children) {
      const m = readMachineCpu();
      const processes: Record<string, number> = {};
      for (const [svc, pid] of Object.entries(ctx.stackPids)) {
        processes[`${svc === 's3' ? 'moto (s3)' : `${svc}`}`] = round(
          (readCpuSeconds(pid) ?? 0) - (before[svc] ?? 0),
        );
      }
      for (const [name, child] of Object.entries(children)) {
        processes[name] = round(typeof child === 'number' ? child : child.cpuSeconds);
      }
      const used = process.cpuUsage(bench);
      processes['bench'] = round((used.user + used.system) / 1e6);
      const total = m.total - machine.total;
      const busy = m.busy - machine.busy;
      const ours = Object.values(processes).reduce((a, b) => a + b, 0);
      return {
        seconds: round((performance.now() - started) / 1000),
        machine_busy_pct: total > 0 ? round((busy / total) * 100, 1) : Number.NaN,
        processes,
        others: round(Math.max(0, busy - ours)),
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The copier as a child process

function copierEnv(
  ctx: Ctx,
  migrationId: string,
  mode: 'seed' | 'tail',
  partitions: { topic: string; partition: number }[],
  shard: string,
): NodeJS.ProcessEnv {
  const config = {
    source: { bootstrap_servers: [STACK.source] },
    target: { bootstrap_servers: [STACK.target] },
    topics: { include: [`kmb-${ctx.rid}-.*`] },
    storage: {
      segments: `s3://${ctx.segmentsBucket}/${SEGMENTS_PREFIX}`,
      evidence: `s3://${ctx.evidenceBucket}/${SEGMENTS_PREFIX}`,
      endpoint: STACK.s3Endpoint,
      region: STACK.region,
    },
    seed: { max_concurrent_partitions: ctx.opts.concurrency },
  };
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: STACK.region,
    KRAFT_MIGRATE_CONFIG: JSON.stringify(config),
    KRAFT_MIGRATE_MIGRATION_ID: migrationId,
    KRAFT_MIGRATE_MODE: mode,
    KRAFT_MIGRATE_PARTITIONS: JSON.stringify(partitions),
    KRAFT_MIGRATE_SHARD_ID: shard,
    ...(ctx.opts.copierNodeOptions ? { NODE_OPTIONS: ctx.opts.copierNodeOptions } : {}),
    ...(ctx.opts.passThrough ? { KRAFT_MIGRATE_PASS_THROUGH_MIN_BATCH_BYTES: ctx.opts.passThrough } : {}),
  };
}

function startCopier(ctx: Ctx, name: string, env: NodeJS.ProcessEnv, onLine?: (line: string) => void): Proc {
  return new Proc(name, process.execPath, [COPIER], {
    env,
    cwd: ROOT,
    logFile: join(ctx.runDir, `${name}.log`),
    ...(onLine ? { onLine } : {}),
  });
}

async function readCopierStatus(
  ctx: Ctx,
  migrationId: string,
  mode: string,
  shard: string,
): Promise<Record<string, unknown> | undefined> {
  const key = `${SEGMENTS_PREFIX}/${migrationId}/status/${mode}-${shard}.json`;
  try {
    const out = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.segmentsBucket, Key: key }));
    return JSON.parse((await out.Body?.transformToString()) ?? '') as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

async function s3Usage(ctx: Ctx, prefix: string): Promise<{ objects: number; mib: number }> {
  let objects = 0;
  let bytes = 0;
  let token: string | undefined;
  do {
    const page = await ctx.s3.send(
      new ListObjectsV2Command({ Bucket: ctx.segmentsBucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      objects++;
      bytes += o.Size ?? 0;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { objects, mib: round(bytes / MIB) };
}

function copyFigures(
  records: number,
  valueBytes: number,
  at: { start: number; firstAt: number | undefined; allVisibleAt: number | undefined; end: number },
): Omit<CopyFigures, 'peak_rss_mib' | 'cpu' | 'complete' | 'process_cpu_ms_per_mib'> {
  const payload = mib(records, valueBytes);
  const first = at.firstAt ?? at.start;
  const wall = (at.end - at.start) / 1000;
  const steady = (at.end - first) / 1000 || Number.NaN;
  const visible = at.allVisibleAt === undefined ? Number.NaN : (at.allVisibleAt - first) / 1000 || Number.NaN;
  return {
    records,
    payload_mib: round(payload),
    wall_seconds: round(wall),
    wall_mib_per_s: round(payload / wall),
    wall_records_per_s: Math.round(records / wall),
    steady_seconds: round(steady),
    steady_mib_per_s: round(payload / steady),
    steady_records_per_s: Math.round(records / steady),
    startup_seconds: round((first - at.start) / 1000),
    records_visible_seconds: round(visible),
    records_visible_mib_per_s: round(payload / visible),
    finish_after_records_seconds:
      at.allVisibleAt === undefined ? Number.NaN : round(Math.max(0, at.end - at.allVisibleAt) / 1000),
  };
}

// ---------------------------------------------------------------------------------------------
// Phases

async function fillSource(ctx: Ctx, set: TopicSet, label: string): Promise<PerfResult[]> {
  const { opts } = ctx;
  const results: PerfResult[] = [];
  const per = Math.floor(opts.records / set.topics.length);
  for (const [i, topic] of set.topics.entries()) {
    const records = i === 0 ? opts.records - per * (set.topics.length - 1) : per;
    const r = await producerPerformance(ctx.java, `fill-${label}-${i}`, {
      broker: STACK.source,
      topic,
      records,
      payloadFile: ctx.payloadFile,
      props: {
        acks: 'all',
        'linger.ms': '5',
        'batch.size': '262144',
        'compression.type': opts.sourceCompression,
      },
      timeoutMs: opts.phaseTimeoutSeconds * 1000,
    });
    results.push(r);
    say(ctx, `  filled ${topic}: ${records} records, ${fmt(r.mibPerSecond)} MiB/s into the source`);
  }
  return results;
}

async function phaseSeed(ctx: Ctx, set: TopicSet): Promise<SeedResult> {
  const { opts } = ctx;
  const expected = await ctx.source.endOffsets(set);
  const records = Number(sumOf(expected));
  const migrationId = `bench-${ctx.rid}`;
  const name = 'copier-seed';
  say(ctx, `(a) kraft-migrate seed: ${records} records over ${expected.size} partitions…`);
  const cpu = cpuMeter(ctx);
  const proc = startCopier(ctx, name, copierEnv(ctx, migrationId, 'seed', partitionsOf(set), 'bench'));
  const watch = watchArrival(ctx.target, set, expected, {
    timeoutMs: opts.phaseTimeoutSeconds * 1000,
    stopWhen: () => !proc.running,
  });
  const exit = await proc.waitExit(opts.phaseTimeoutSeconds * 1000);
  if (!exit) {
    watch.stop();
    await proc.stop();
    throw new Error(`copier seed did not finish within ${opts.phaseTimeoutSeconds}s, see ${proc.logFile}`);
  }
  const arrival = await watch.done;
  const cpuUse = cpu.stop({ copier: proc });
  if (exit.code !== 0) {
    throw new Error(
      `copier seed exited with ${exit.code ?? exit.signal}, see ${proc.logFile}:\n${proc.tailOfLog(15)}`,
    );
  }
  const final = await ctx.target.endOffsets(set);
  const complete = [...expected].every(([k, v]) => final.get(k) === v);
  const figures = copyFigures(records, opts.valueBytes, {
    start: proc.startedAt,
    firstAt: arrival.firstAt,
    // Not seen by a poll before the exit: every record was there by the exit at the latest.
    allVisibleAt: Math.min(arrival.doneAt ?? exit.at, exit.at),
    end: exit.at,
  });
  const result: SeedResult = {
    ...figures,
    peak_rss_mib: round(proc.peakRssKiB / 1024, 1),
    cpu: cpuUse,
    process_cpu_ms_per_mib: round((proc.cpuSeconds * 1000) / figures.payload_mib, 1),
    complete,
    exit_code: exit.code,
    log: relative(ROOT, proc.logFile),
  };
  const status = await readCopierStatus(ctx, migrationId, 'seed', 'bench');
  if (status) {
    const totals = (status['totals'] ?? {}) as Record<string, string>;
    const seconds =
      (Date.parse(String(status['updated_at'])) - Date.parse(String(status['started_at']))) / 1000;
    result.copier_status = {
      state: String(status['state']),
      records_copied: String(totals['records_copied']),
      bytes_copied: String(totals['bytes_copied']),
      seconds: round(seconds),
      mib_per_s: round(Number(totals['bytes_copied']) / MIB / seconds),
      records_per_s: Math.round(Number(totals['records_copied']) / seconds),
      max_partition_lag: String(totals['max_partition_lag']),
    };
  }
  result.staged = await s3Usage(ctx, `${SEGMENTS_PREFIX}/${migrationId}/`).catch(() => undefined);
  say(
    ctx,
    `    ${fmt(result.wall_mib_per_s)} MiB/s end to end (${fmt(result.wall_seconds)} s, start-up ` +
      `${fmt(result.startup_seconds)} s), ${fmt(result.steady_mib_per_s)} MiB/s after start-up, ` +
      `records on the target ${fmt(result.finish_after_records_seconds)} s before exit, peak RSS ${fmt(result.peak_rss_mib)} MiB` +
      (complete ? '' : ' — TARGET INCOMPLETE'),
  );
  return result;
}

interface Mm2Run {
  /** Appended to the cluster aliases (a run with several MirrorMaker 2 runs gives each its own). */
  readonly tag: string;
  /** Folder of mm2.properties and the log. */
  readonly dir: string;
  readonly tasks: number;
  /**
   * Copy into `<source alias>.<topic>` (DefaultReplicationPolicy; the bench creates those topics)
   * instead of the same names: the source topics are also the migration's.
   */
  readonly prefixed: boolean;
}

/** MirrorMaker 2's topics on the target of this run: internal ones and prefixed copies. */
function mm2TopicsOf(ctx: Ctx, topics: readonly string[]): string[] {
  const suffix = ctx.rid.replace(/[^a-z0-9]/g, '');
  return topics.filter(
    (t) => t.includes(`.src${suffix}`) || t.includes(`.tgt${suffix}`) || t.startsWith(`src${suffix}`),
  );
}

async function phaseMm2(
  ctx: Ctx,
  set: TopicSet,
  run: Mm2Run = { tag: '', dir: ctx.runDir, tasks: ctx.opts.mm2Tasks, prefixed: false },
): Promise<Mm2Result> {
  const { opts } = ctx;
  const source = await ctx.source.endOffsets(set);
  const records = Number(sumOf(source));
  const suffix = ctx.rid.replace(/[^a-z0-9]/g, '') + run.tag;
  const sourceAlias = `src${suffix}`;
  const java = { root: ROOT, runDir: run.dir };
  const targetSet: TopicSet = run.prefixed
    ? { ...set, topics: set.topics.map((t) => `${sourceAlias}.${t}`) }
    : set;
  // The expected end of each target partition, keyed like the target's endOffsets.
  const expected = new Map(
    [...source].map(([key, end]) => [run.prefixed ? `${sourceAlias}.${key}` : key, end]),
  );
  if (run.prefixed) {
    await ctx.target.createTopics(targetSet, { 'retention.ms': '-1' });
    ctx.created.target.push(...targetSet.topics);
  }
  const props = renderMm2Properties(java, {
    sourceAlias,
    targetAlias: `tgt${suffix}`,
    sourceBroker: STACK.source,
    targetBroker: STACK.target,
    topics: set.topics,
    tasks: run.tasks,
    extra: run.prefixed
      ? { 'replication.policy.class': 'org.apache.kafka.connect.mirror.DefaultReplicationPolicy' }
      : {},
  });
  say(ctx, `(b) MirrorMaker 2: ${records} records over ${expected.size} partitions, tasks.max=${run.tasks}…`);
  const cpu = cpuMeter(ctx);
  const proc = startMirrorMaker(java, props, `tgt${suffix}`);
  try {
    const watch = watchArrival(ctx.target, targetSet, expected, {
      timeoutMs: opts.phaseTimeoutSeconds * 1000,
      stopWhen: () => !proc.running,
    });
    const arrival = await watch.done;
    proc.sample();
    const cpuUse = cpu.stop({ mm2: proc });
    if (arrival.doneAt === undefined) {
      throw new Error(
        proc.running
          ? `MirrorMaker 2 copied ${arrival.seen} of ${records} records within ${opts.phaseTimeoutSeconds}s, see ${proc.logFile}`
          : `MirrorMaker 2 exited (${proc.exit?.code ?? proc.exit?.signal}) after ${arrival.seen} of ${records} records, see ${proc.logFile}`,
      );
    }
    const figures = copyFigures(records, opts.valueBytes, {
      start: proc.startedAt,
      firstAt: arrival.firstAt,
      allVisibleAt: arrival.doneAt,
      end: arrival.doneAt,
    });
    const result: Mm2Result = {
      ...figures,
      peak_rss_mib: round(proc.peakRssKiB / 1024, 1),
      cpu: cpuUse,
      process_cpu_ms_per_mib: round((proc.cpuSeconds * 1000) / figures.payload_mib, 1),
      complete: true,
      tasks: run.tasks,
      properties: relative(ROOT, props),
      log: relative(ROOT, join(run.dir, 'mm2.log')),
    };
    say(
      ctx,
      `    ${fmt(result.wall_mib_per_s)} MiB/s end to end (${fmt(result.wall_seconds)} s, start-up ` +
        `${fmt(result.startup_seconds)} s), ${fmt(result.steady_mib_per_s)} MiB/s after start-up`,
    );
    return result;
  } finally {
    const exit = await proc.stop(30_000);
    say(ctx, `    MirrorMaker 2 (pid ${proc.pid}) stopped: ${exit.code ?? exit.signal}`);
  }
}

async function phaseCeiling(ctx: Ctx, records: number): Promise<CeilingResult> {
  const { opts } = ctx;
  const topic = `kmb-${ctx.rid}-ceiling`;
  await ctx.target.createTopics(
    { topics: [topic], partitionsPerTopic: opts.partitions },
    { 'retention.ms': '-1' },
  );
  ctx.created.target.push(topic);
  const props = {
    acks: 'all',
    'compression.type': 'lz4',
    'linger.ms': '5',
    'batch.size': '262144',
    'buffer.memory': '67108864',
  };
  say(
    ctx,
    `(c) target ingest ceiling: ProducerPerformance, ${records} records into ${opts.partitions} partitions…`,
  );
  const cpu = cpuMeter(ctx);
  const r = await producerPerformance(ctx.java, 'ceiling', {
    broker: STACK.target,
    topic,
    records,
    payloadFile: ctx.payloadFile,
    props,
    timeoutMs: opts.phaseTimeoutSeconds * 1000,
  });
  const cpuUse = cpu.stop({ 'producer-perf': r.cpuSeconds });
  const payload = mib(r.records, opts.valueBytes);
  const result: CeilingResult = {
    records: r.records,
    payload_mib: round(payload),
    mib_per_s: round(payload / r.seconds),
    records_per_s: Math.round(r.recordsPerSecond),
    seconds: round(r.seconds),
    wall_seconds: round(r.wallSeconds),
    producer_latency_ms: { avg: r.avgLatencyMs, p50: r.p50Ms, p99: r.p99Ms },
    producer_props: props,
    cpu: cpuUse,
  };
  say(ctx, `    ${fmt(result.mib_per_s)} MiB/s (${fmt(result.seconds)} s sending)`);
  return result;
}

async function phaseTail(ctx: Ctx): Promise<TailResult> {
  const { opts } = ctx;
  const topic = `kmb-${ctx.rid}-tail`;
  const set: TopicSet = { topics: [topic], partitionsPerTopic: opts.tailPartitions };
  const refs = partitionsOf(set);
  say(
    ctx,
    `(d) tail latency: ${opts.tailRate} records/s for ${opts.tailSeconds} s over ${opts.tailPartitions} partitions…`,
  );
  await ctx.source.createTopics(set);
  ctx.created.source.push(topic);
  await ctx.target.createTopics(set, { 'retention.ms': '-1' });
  ctx.created.target.push(topic);

  // A small seed first (10 records per partition), then the tail from its checkpoints.
  const seedRecords = 10 * opts.tailPartitions;
  const producer: Producer = ctx.source.kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let consumer: Consumer | undefined;
  let tail: Proc | undefined;
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: seedRecords }, (_, i) => ({
        value: `seed-${i}`,
        partition: i % opts.tailPartitions,
      })),
    });
    const migrationId = `bench-${ctx.rid}-tail`;
    const seed = await runToEnd('copier-tail-seed', process.execPath, [COPIER], {
      env: copierEnv(ctx, migrationId, 'seed', refs, 'bench'),
      cwd: ROOT,
      logFile: join(ctx.runDir, 'copier-tail-seed.log'),
      timeoutMs: 120_000,
    });
    if (seed.exit.code !== 0) {
      throw new Error(
        `copier seed of the tail topic exited with ${seed.exit.code}:\n${seed.proc.tailOfLog(15)}`,
      );
    }

    // The consumer on the target: joined and caught up (it has read the seeded records) before any
    // timed record is produced.
    registerCodecs(); // the copier writes lz4; kafkajs reads only gzip by itself
    const groupId = `kmb-${ctx.rid}-tail`;
    ctx.created.groups.push(groupId);
    consumer = ctx.target.kafka.consumer({
      groupId,
      maxWaitTimeInMs: 100,
      minBytes: 1,
      sessionTimeout: 30_000,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const total = opts.tailRate * opts.tailSeconds;
    const sentAt = new Float64Array(total);
    const ackAt = new Float64Array(total);
    const seenAt = new Float64Array(total);
    let seen = 0;
    let seedSeen = 0;
    await consumer.run({
      partitionsConsumedConcurrently: opts.tailPartitions,
      eachBatch: async ({ batch }) => {
        const at = performance.now();
        for (const m of batch.messages) {
          const head = m.value?.toString('latin1', 0, 16) ?? '';
          const match = /^T(\d+)\|/.exec(head);
          if (!match) {
            seedSeen++;
            continue;
          }
          const seq = Number(match[1]);
          if (seq < total && seenAt[seq] === 0) {
            seenAt[seq] = at;
            seen++;
          }
        }
      },
    });

    // The copier in tail mode: ready once every partition has started.
    let started = 0;
    const cpu = cpuMeter(ctx);
    tail = startCopier(ctx, 'copier-tail', copierEnv(ctx, migrationId, 'tail', refs, 'bench'), (line) => {
      if (line.includes('"partition_started"')) started++;
    });
    const readyBy = performance.now() + 90_000;
    while ((started < refs.length || seedSeen < seedRecords) && performance.now() < readyBy && tail.running) {
      await sleep(100);
    }
    if (!tail.running)
      throw new Error(`copier tail exited early (${tail.exit?.code}):\n${tail.tailOfLog(15)}`);
    if (started < refs.length || seedSeen < seedRecords) {
      throw new Error(
        `tail not ready after 90 s: ${started}/${refs.length} partitions started, consumer saw ${seedSeen}/${seedRecords} seeded records`,
      );
    }
    await sleep(1000);

    // Steady producer: each tick sends what is due, stamping the send time of every record.
    const pad = 'x'.repeat(opts.tailValueBytes);
    const produceStart = performance.now();
    const sends: Promise<unknown>[] = [];
    let sent = 0;
    while (sent < total) {
      const due = Math.min(
        total,
        Math.floor(((performance.now() - produceStart) / 1000) * opts.tailRate) + 1,
      );
      if (due > sent) {
        const now = performance.now();
        const messages = [];
        const first = sent;
        for (; sent < due; sent++) {
          const prefix = `T${sent}|`;
          sentAt[sent] = now;
          messages.push({ partition: sent % opts.tailPartitions, value: prefix + pad.slice(prefix.length) });
        }
        const last = sent;
        sends.push(
          producer.send({ topic, acks: -1, messages }).then(() => {
            const at = performance.now();
            for (let i = first; i < last; i++) ackAt[i] = at;
          }),
        );
      }
      await sleep(5);
    }
    await Promise.all(sends);
    const waitUntil = performance.now() + 30_000;
    while (seen < total && performance.now() < waitUntil) await sleep(50);
    tail.sample();
    const cpuUse = cpu.stop({ copier: tail });

    const latencies: number[] = [];
    const acks: number[] = [];
    for (let i = 0; i < total; i++) {
      if (seenAt[i]! > 0) latencies.push(seenAt[i]! - sentAt[i]!);
      if (ackAt[i]! > 0) acks.push(ackAt[i]! - sentAt[i]!);
    }
    const exit = await tail.stop(30_000);
    const result: TailResult = {
      rate_per_s: opts.tailRate,
      seconds: opts.tailSeconds,
      partitions: opts.tailPartitions,
      value_bytes: opts.tailValueBytes,
      produced: total,
      seen_on_target: seen,
      missing: total - seen,
      latency_ms: summary(latencies),
      source_ack_ms: summary(acks),
      copier_exit_code: exit.code,
      copier_peak_rss_mib: round(tail.peakRssKiB / 1024, 1),
      cpu: cpuUse,
      log: relative(ROOT, tail.logFile),
    };
    say(
      ctx,
      `    produce→visible p50 ${fmt(result.latency_ms.p50)} ms, p99 ${fmt(result.latency_ms.p99)} ms, ` +
        `max ${fmt(result.latency_ms.max)} ms; ${result.missing} missing; copier exit ${exit.code ?? exit.signal}`,
    );
    return result;
  } finally {
    if (tail?.running) await tail.stop(30_000);
    await consumer?.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Set-up and clean-up

async function createBuckets(ctx: Ctx): Promise<void> {
  for (const bucket of [ctx.segmentsBucket, ctx.evidenceBucket]) {
    // The evidence bucket with Object Lock, as precheck B16 wants it for a migration (cutover phase).
    const objectLock = bucket === ctx.evidenceBucket;
    await ctx.s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: objectLock }));
    ctx.created.buckets.push(bucket);
  }
}

async function emptyAndDeleteBucket(s3: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const objects = [
      ...(page.Versions ?? []).map((v) => ({ Key: v.Key!, VersionId: v.VersionId })),
      ...(page.DeleteMarkers ?? []).map((v) => ({ Key: v.Key!, VersionId: v.VersionId })),
    ];
    if (objects.length === 0) break;
    const out = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }),
    );
    // Evidence under Object Lock retention (lib/cutover.ts EVIDENCE_RETENTION) cannot go before its
    // retain-until date: wait for it instead of asking again at once (cleanUp bounds the wait).
    if ((out.Errors?.length ?? 0) > 0) await sleep(2000);
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

async function cleanUp(ctx: Ctx): Promise<void> {
  const steps: [string, () => Promise<void>][] = [
    ['source topics', () => ctx.source.deleteTopics(ctx.created.source)],
    [
      'target topics',
      async () => {
        const mm2 = mm2TopicsOf(ctx, await ctx.target.listTopics());
        await ctx.target.deleteTopics([...ctx.created.target, ...mm2]);
      },
    ],
    [
      'consumer groups',
      async () => {
        if (ctx.created.groups.length > 0) await (await ctx.target.admin()).deleteGroups(ctx.created.groups);
      },
    ],
    [
      'buckets',
      async () => {
        for (const b of ctx.created.buckets) await emptyAndDeleteBucket(ctx.s3, b);
      },
    ],
  ];
  for (const [what, step] of steps) {
    try {
      await Promise.race([
        step(),
        sleep(60_000, undefined, { ref: false }).then(() => {
          throw new Error('timed out after 60 s');
        }),
      ]);
    } catch (e) {
      say(ctx, `clean-up of ${what} failed (left behind): ${causeText(e)}`);
    }
  }
}

/** The running stack broker's -Xmx (scripts/stack: KRAFT_MIGRATE_BROKER_HEAP), read off its command line. */
function brokerHeap(service: 'source' | 'target'): string {
  try {
    const pid = readFileSync(join(ROOT, '.local/stack/pids', `${service}.pid`), 'utf8').trim();
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.find((a) => a.startsWith('-Xmx')) ?? 'heap unknown';
  } catch {
    return 'heap unknown';
  }
}

function machineInfo(): Record<string, unknown> {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const cpus = os.cpus();
  return {
    cores: os.availableParallelism(),
    cpu_model: cpus[0]?.model ?? 'unknown',
    memory_gib: round(os.totalmem() / 1024 ** 3, 1),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    java: (java.stderr ?? '').split('\n')[0]?.trim() ?? 'unknown',
    kafka_source: `3.9.2 (ZooKeeper mode, 1 broker, ${brokerHeap('source')})`,
    kafka_target: `4.1.1 (KRaft, combined broker+controller, ${brokerHeap('target')})`,
    mirror_maker: 'connect-mirror 4.1.1 (dedicated mode, -Xmx1g)',
    s3: 'moto server (Python) on 127.0.0.1',
    load_average_at_start: os.loadavg().map((l) => round(l, 2)),
  };
}

// ---------------------------------------------------------------------------------------------
// Report

/** The figures of a scale run that get a spread per size (seconds unless named otherwise). */
const SCALE_FIGURES: Readonly<Record<string, (r: ScaleResult) => number | undefined>> = {
  ...Object.fromEntries(TIMELINE_STAGES.map((s) => [s, (r: ScaleResult) => r.migration.timeline.stages[s]])),
  execution: (r) => r.migration.timeline.execution_seconds,
  mm2_end_to_end: (r) => r.mm2?.wall_seconds,
  'seed / mm2 (ratio)': (r) => r.seed_vs_mm2,
  seed_shards: (r) => r.migration.timeline.seed_shards,
  'setup (not the migration)': (r) => r.migration.setup_seconds,
};

function scaleSpreadOf(runs: readonly ScaleResult[]) {
  return spreadBySize(runs, SCALE_FIGURES);
}

function scaleAims(runs: readonly ScaleResult[], errors: Record<string, string>): Aim[] {
  const out: Aim[] = [];
  const failed = Object.entries(errors).filter(([k]) => k.startsWith('scale-'));
  if (runs.length === 0) {
    return [
      {
        aim: 'scale: a whole migration at each --scale-partitions',
        value: '–',
        met: null,
        note: failed.map(([k, v]) => `${k}: ${v}`).join('; ') || 'phase not run',
      },
    ];
  }
  const list = (values: number[], unit: string) => values.map((v) => `${fmt(v, 2)}${unit}`).join(' / ');
  for (const partitions of new Set(runs.map((r) => r.partitions))) {
    const of = runs.filter((r) => r.partitions === partitions);
    const ratios = of.flatMap((r) => (r.seed_vs_mm2 === undefined ? [] : [r.seed_vs_mm2]));
    out.push(
      ratios.length
        ? {
            aim: `scale ${partitions}: Seed ≤ ${SCALE_AIMS.seedVsMm2}× MirrorMaker 2 end to end`,
            value: list(ratios, '×'),
            met: ratios.every((x) => x <= SCALE_AIMS.seedVsMm2),
          }
        : {
            aim: `scale ${partitions}: Seed ≤ ${SCALE_AIMS.seedVsMm2}× MirrorMaker 2 end to end`,
            value: '–',
            met: null,
            note: of.map((r) => r.mm2_error).join('; '),
          },
    );
    const seeds = of.map((r) => r.migration.timeline.stages.seed);
    if (partitions === 200) {
      out.push({
        aim: `scale 200: Seed < ${SCALE_AIMS.seedSecondsAt200} s`,
        value: list(seeds, ' s'),
        met: seeds.every((x) => x < SCALE_AIMS.seedSecondsAt200),
      });
    }
    if (partitions === 1000) {
      const prechecks = of.map((r) => r.migration.timeline.stages.precheck);
      out.push({
        aim: `scale 1000: Precheck ≤ ${SCALE_AIMS.precheckSecondsAt1000} s`,
        value: list(prechecks, ' s'),
        met: prechecks.every((x) => x <= SCALE_AIMS.precheckSecondsAt1000),
      });
    }
    const limit = SCALE_AIMS.freezeWindowSeconds[partitions];
    if (limit !== undefined) {
      const windows = of.map((r) => r.migration.timeline.stages.freeze_window);
      out.push({
        aim: `scale ${partitions}: freeze window ≤ ${limit} s`,
        value: list(windows, ' s'),
        met: windows.every((x) => x <= limit),
      });
    }
    out.push({
      aim: `scale ${partitions}: one execution, no second execute`,
      value: `${of.length} run(s), exit ${of.map((r) => r.migration.execute_exit_code).join('/')}`,
      met: of.every((r) => r.migration.execute_exit_code === 0),
    });
  }
  for (const [k, v] of failed) out.push({ aim: k, value: '–', met: false, note: v });
  return out;
}

function printScale(runs: readonly ScaleResult[], spread: ReturnType<typeof scaleSpreadOf>): void {
  const head = runs.map((r) => `${r.partitions} #${r.run}`);
  const t = new Table({ head: ['scale: seconds', ...head], style: { head: [], border: [] } });
  for (const stage of TIMELINE_STAGES) {
    t.push([stage, ...runs.map((r) => fmt(r.migration.timeline.stages[stage], 2))]);
  }
  t.push([
    'execution (ExecutionStarted → end)',
    ...runs.map((r) => fmt(r.migration.timeline.execution_seconds)),
  ]);
  t.push(['seed shards (copier tasks)', ...runs.map((r) => String(r.migration.timeline.seed_shards))]);
  t.push([
    'seed retries / tail restarts',
    ...runs.map((r) => `${r.migration.timeline.seed_retries} / ${r.migration.timeline.tail_restarts}`),
  ]);
  t.push(['MirrorMaker 2 end to end', ...runs.map((r) => (r.mm2 ? fmt(r.mm2.wall_seconds, 2) : '–'))]);
  t.push([
    'Seed / MirrorMaker 2',
    ...runs.map((r) => (r.seed_vs_mm2 === undefined ? '–' : `${fmt(r.seed_vs_mm2, 2)}×`)),
  ]);
  t.push([
    'setup of the source (not timed as migration)',
    ...runs.map((r) => fmt(r.migration.setup_seconds)),
  ]);
  process.stdout.write(
    `scale: whole migrations (stages from the execution history: ${TIMELINE_STAGES.map((s) => `${s} = ${STAGE_SPANS[s]}`).join('; ')})\n${t.toString()}\n`,
  );
  const multi = spread.filter((s) => Object.values(s.spread).some((x) => x.runs > 1));
  if (multi.length > 0) {
    const st = new Table({
      head: [
        'scale spread: min / median / max',
        ...multi.map((s) => `${s.partitions} (${s.spread['seed']?.runs} runs)`),
      ],
      style: { head: [], border: [] },
    });
    const cell = (x: Spread | undefined) =>
      x?.runs ? `${fmt(x.min, 2)} / ${fmt(x.median, 2)} / ${fmt(x.max, 2)}` : '–';
    for (const name of Object.keys(SCALE_FIGURES)) st.push([name, ...multi.map((s) => cell(s.spread[name]))]);
    process.stdout.write(`${st.toString()}\n`);
  }
}

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a !== undefined && b !== undefined && b > 0 ? round(a / b, 2) : undefined;
}

function printReport(
  opts: BenchOptions,
  machine: Record<string, unknown>,
  r: Results,
  aims: Aim[],
  ratios: Record<string, number | undefined>,
  resultFile: string,
  scaleSpread?: ReturnType<typeof scaleSpreadOf>,
): void {
  const t = new Table({
    head: ['figure', 'MiB/s', 'records/s', 'seconds', 'notes'],
    style: { head: [], border: [] },
  });
  const copyRow = (label: string, c: CopyFigures, extra: string) => {
    t.push([
      `${label}, end to end`,
      fmt(c.wall_mib_per_s),
      fmt(c.wall_records_per_s, 0),
      fmt(c.wall_seconds),
      extra,
    ]);
    t.push([
      `${label}, after start-up`,
      fmt(c.steady_mib_per_s),
      fmt(c.steady_records_per_s, 0),
      fmt(c.steady_seconds),
      `start-up ${fmt(c.startup_seconds)} s (start → first record on target)`,
    ]);
  };
  if (r.seed) {
    copyRow(
      '(a) kraft-migrate seed',
      r.seed,
      `peak RSS ${fmt(r.seed.peak_rss_mib)} MiB, ${fmt(r.seed.process_cpu_ms_per_mib, 0)} CPU-ms/MiB${r.seed.complete ? '' : ', TARGET INCOMPLETE'}`,
    );
    t.push([
      '    records only',
      fmt(r.seed.records_visible_mib_per_s),
      '',
      fmt(r.seed.records_visible_seconds),
      `first → last record on target; then ${fmt(r.seed.finish_after_records_seconds)} s to exit (last segment uploads, checkpoints)`,
    ]);
    if (r.seed.copier_status) {
      const s = r.seed.copier_status;
      t.push([
        '    copier status object',
        fmt(s.mib_per_s),
        fmt(s.records_per_s, 0),
        fmt(s.seconds),
        `state ${s.state}, ${s.records_copied} records, ${fmt(Number(s.bytes_copied) / MIB)} MiB counted by the copier`,
      ]);
    }
  }
  if (r.mm2)
    copyRow(
      '(b) MirrorMaker 2',
      r.mm2,
      `tasks.max ${r.mm2.tasks}, peak RSS ${fmt(r.mm2.peak_rss_mib)} MiB, ${fmt(r.mm2.process_cpu_ms_per_mib, 0)} CPU-ms/MiB (JVM start included)`,
    );
  if (r.ceiling) {
    t.push([
      '(c) target ingest ceiling',
      fmt(r.ceiling.mib_per_s),
      fmt(r.ceiling.records_per_s, 0),
      fmt(r.ceiling.seconds),
      'ProducerPerformance, acks=all, lz4, JVM start excluded',
    ]);
  }
  if (r.tail) {
    const l = r.tail.latency_ms;
    t.push([
      '(d) tail produce→visible',
      '',
      fmt(r.tail.rate_per_s, 0),
      fmt(r.tail.seconds, 0),
      `p50 ${fmt(l.p50)} ms, p90 ${fmt(l.p90)} ms, p99 ${fmt(l.p99)} ms, max ${fmt(l.max)} ms; ${r.tail.missing} missing`,
    ]);
  }
  if (r.seed) t.push(['(e) copier peak RSS (seed)', '', '', '', `${fmt(r.seed.peak_rss_mib)} MiB (VmHWM)`]);

  process.stdout.write(
    `\nkraft-migrate benchmark — ${opts.records} records × ${opts.valueBytes} B per set, ` +
      `${opts.partitions} partitions in ${opts.topics} topic(s), source compression ${opts.sourceCompression}\n` +
      `machine: ${machine['cores']} cores (${machine['cpu_model']}), ${machine['memory_gib']} GiB, ` +
      `Node ${machine['node']}, ${machine['java']}\n` +
      'everything on 127.0.0.1: brokers, moto, copier and MirrorMaker 2 share the same cores\n',
  );
  const copied = Boolean(r.seed || r.mm2 || r.ceiling || r.tail);
  if (copied) process.stdout.write(`${t.toString()}\n`);
  const ct = new Table({
    head: [
      'CPU seconds',
      'wall s',
      'measured process',
      'brokers + ZK',
      'moto',
      'bench',
      'other work',
      'machine busy',
    ],
    style: { head: [], border: [] },
  });
  const cpuRow = (label: string, c: CpuUse | undefined, main: string) => {
    if (!c) return;
    const p = c.processes;
    const brokers = (p['source'] ?? 0) + (p['target'] ?? 0) + (p['zookeeper'] ?? 0);
    ct.push([
      label,
      fmt(c.seconds),
      `${main} ${fmt(p[main])}`,
      fmt(brokers),
      fmt(p['moto (s3)']),
      fmt(p['bench']),
      fmt(c.others),
      `${fmt(c.machine_busy_pct, 0)}%`,
    ]);
  };
  cpuRow('(a) seed', r.seed?.cpu, 'copier');
  cpuRow('(b) MirrorMaker 2', r.mm2?.cpu, 'mm2');
  cpuRow('(c) ceiling', r.ceiling?.cpu, 'producer-perf');
  cpuRow('(d) tail', r.tail?.cpu, 'copier');
  if (ct.length > 0) process.stdout.write(`${ct.toString()}\n`);
  if (r.cutover?.length) {
    const ft = new Table({
      head: ['cutover: seconds', ...r.cutover.map((c) => `${c.partitions} partitions`)],
      style: { head: [], border: [] },
    });
    for (const state of CUTOVER_STATES) {
      ft.push([
        state,
        ...r.cutover.map((c) => {
          const s = c.states.find((x) => x.state === state);
          return s ? `${fmt(s.seconds, 2)}${s.retries ? ` (${s.retries} retries)` : ''}` : '–';
        }),
      ]);
    }
    ft.push([
      'freeze window (freeze request → READY)',
      ...r.cutover.map((c) => fmt(c.freeze_window_seconds, 2)),
    ]);
    ft.push(['StartCutover → READY', ...r.cutover.map((c) => fmt(c.cutover_to_ready_seconds, 2))]);
    ft.push(['whole migration (execute)', ...r.cutover.map((c) => fmt(c.migration_seconds))]);
    process.stdout.write(
      `cutover: ${r.cutover[0]?.groups} groups committed on every partition, a steady producer at ${r.cutover[0]?.rate_per_s} records/s stopped by the freeze webhook\n${ft.toString()}\n`,
    );
  }
  if (r.scale?.length) printScale(r.scale, scaleSpread ?? []);
  const rt = new Table({ head: ['ratio', 'value'], style: { head: [], border: [] } });
  for (const [k, v] of Object.entries(ratios)) rt.push([k, v === undefined ? '–' : `${fmt(v, 2)}×`]);
  if (copied) process.stdout.write(`${rt.toString()}\n`);
  const at = new Table({ head: ['aim', 'measured', 'met?'], style: { head: [], border: [] } });
  for (const a of aims)
    at.push([
      a.aim,
      a.value,
      a.met === null ? `not measured${a.note ? `: ${a.note}` : ''}` : a.met ? 'yes' : 'NO',
    ]);
  process.stdout.write(`${at.toString()}\nresult: ${relative(ROOT, resultFile)}\n`);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  let opts: BenchOptions | 'help';
  try {
    opts = parseOptions(process.argv.slice(2), process.env);
  } catch (e) {
    process.stderr.write(`bench: ${causeText(e)}\n${usage()}\n`);
    return 2;
  }
  if (opts === 'help') {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const stamp = new Date()
    .toISOString()
    .replace(/[:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const rid = `${Date.now().toString(36).slice(-5)}${randomBytes(2).toString('hex')}`;
  const runDir = join(ROOT, '.local/bench', stamp);
  mkdirSync(runDir, { recursive: true });
  const s3 = new S3Client({
    endpoint: STACK.s3Endpoint,
    region: STACK.region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const ctx: Ctx = {
    opts,
    rid,
    runDir,
    java: { root: ROOT, runDir },
    source: new Cluster('source', STACK.source),
    target: new Cluster('target', STACK.target),
    s3,
    payloadFile: join(runDir, 'payload.txt'),
    segmentsBucket: `kmb-${rid}-segments`,
    evidenceBucket: `kmb-${rid}-evidence`,
    created: { source: [], target: [], buckets: [], groups: [] },
    stackPids: stackPids(),
    t0: performance.now(),
  };
  const want = (p: Phase) => opts.phases.includes(p);
  const copierPresent = existsSync(COPIER);
  const machine = machineInfo();
  const results: Results = {};
  const errors: Record<string, string> = {};
  let fill: Record<string, unknown> | undefined;
  let lz4Ratio = Number.NaN;

  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    say(ctx, `${sig}: stopping the children and cleaning up…`);
    void (async () => {
      await stopAll(10_000);
      if (!opts.keep) await cleanUp(ctx);
      await ctx.source.close();
      await ctx.target.close();
      process.exit(130);
    })();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  say(ctx, `run ${rid}: logs in ${relative(ROOT, runDir)}`);
  try {
    await ctx.source.admin();
    await ctx.target.admin();
    const payload = writePayloadFile(ctx.payloadFile, 2000, opts.valueBytes);
    lz4Ratio = round(payload.lz4Ratio, 2);
    say(ctx, `payload pool: 2000 distinct values of ${opts.valueBytes} B (lz4 ratio ${fmt(lz4Ratio, 2)})`);
    await createBuckets(ctx);

    const perTopic = opts.partitions / opts.topics;
    const setOf = (label: string): TopicSet => ({
      topics: Array.from({ length: opts.topics }, (_, i) => `kmb-${rid}-${label}-${i}`),
      partitionsPerTopic: perTopic,
    });
    const setA = setOf('a');
    const setB = setOf('b');
    const sets: [TopicSet, string, boolean][] = [
      [setA, 'a', want('seed') && copierPresent],
      [setB, 'b', want('mm2')],
    ];
    const fillResults: Record<string, PerfResult[]> = {};
    for (const [set, label, needed] of sets) {
      if (!needed) continue;
      await ctx.source.createTopics(set);
      ctx.created.source.push(...set.topics);
      await ctx.target.createTopics(set, { 'retention.ms': '-1' });
      ctx.created.target.push(...set.topics);
      say(ctx, `filling source set ${label} (${set.topics.join(', ')})…`);
      fillResults[label] = await fillSource(ctx, set, label);
    }
    if (Object.keys(fillResults).length > 0) {
      fill = Object.fromEntries(
        Object.entries(fillResults).map(([k, rs]) => [
          k,
          rs.map((r) => ({ records: r.records, mib_per_s: r.mibPerSecond, seconds: round(r.seconds) })),
        ]),
      );
    }

    const run = async <T>(phase: Phase, fn: () => Promise<T>): Promise<T | undefined> => {
      if (!want(phase)) return undefined;
      if (['seed', 'tail', 'cutover', 'scale'].includes(phase) && !copierPresent) {
        errors[phase] = `${relative(ROOT, COPIER)} not found`;
        say(ctx, `skipping ${phase}: ${errors[phase]}`);
        return undefined;
      }
      if (interrupted) return undefined;
      await sleep(opts.settleSeconds * 1000);
      try {
        return await fn();
      } catch (e) {
        errors[phase] = causeText(e);
        say(ctx, `${phase} FAILED: ${causeText(e)}`);
        await stopAll(10_000);
        return undefined;
      }
    };
    results.seed = await run('seed', () => phaseSeed(ctx, setA));
    results.mm2 = await run('mm2', () => phaseMm2(ctx, setB));
    results.ceiling = await run('ceiling', () => phaseCeiling(ctx, opts.records));
    results.tail = await run('tail', () => phaseTail(ctx));
    const migrationCtx = {
      root: ROOT,
      rid,
      runDir,
      source: ctx.source,
      target: ctx.target,
      stack: STACK,
      segmentsBucket: ctx.segmentsBucket,
      evidenceBucket: ctx.evidenceBucket,
      created: ctx.created,
      groups: opts.cutoverGroups,
      rate: opts.cutoverRate,
      timeoutSeconds: opts.phaseTimeoutSeconds,
      say: (text: string) => say(ctx, text),
    };
    results.cutover = await run('cutover', async () => {
      const out: CutoverResult[] = [];
      for (const partitions of opts.cutoverPartitions) {
        if (interrupted) break;
        try {
          out.push(await phaseCutover(migrationCtx, partitions));
        } catch (e) {
          errors[`cutover-${partitions}`] = causeText(e);
          say(ctx, `cutover at ${partitions} partitions FAILED: ${causeText(e)}`);
          await stopAll(10_000);
        }
      }
      return out;
    });
    results.scale = await run('scale', async () => {
      const out: ScaleResult[] = [];
      const runs = new Map<number, number>();
      for (const partitions of opts.scalePartitions) {
        if (interrupted) break;
        const n = (runs.get(partitions) ?? 0) + 1;
        runs.set(partitions, n);
        try {
          out.push(
            await phaseScale(migrationCtx, partitions, n, {
              copiers: opts.scaleCopiers,
              runMm2: async (set, dir, tag) => {
                try {
                  return await phaseMm2(ctx, set, { tag, dir, tasks: opts.scaleMm2Tasks, prefixed: true });
                } finally {
                  // MirrorMaker 2's copies go before the migration starts: the target holds less.
                  const mine = mm2TopicsOf(ctx, await ctx.target.listTopics()).filter((t) => t.includes(tag));
                  await ctx.target.deleteTopics(mine).catch(() => undefined);
                }
              },
            }),
          );
        } catch (e) {
          errors[`scale-${partitions}-${n}`] = causeText(e);
          say(ctx, `scale at ${partitions} partitions (run ${n}) FAILED: ${causeText(e)}`);
          await stopAll(10_000);
        }
        await sleep(opts.settleSeconds * 1000);
      }
      return out;
    });
  } finally {
    await stopAll(10_000);
    if (!interrupted) {
      if (opts.keep) say(ctx, `--keep: topics kmb-${rid}-* and buckets kmb-${rid}-* left in place`);
      else await cleanUp(ctx);
    }
  }
  if (interrupted) return 130;

  const seedSteady = results.seed?.steady_mib_per_s;
  const seedWall = results.seed?.wall_mib_per_s;
  const ratios: Record<string, number | undefined> = {
    'kraft-migrate / MirrorMaker 2 (end to end)': ratio(seedWall, results.mm2?.wall_mib_per_s),
    'kraft-migrate / MirrorMaker 2 (after start-up)': ratio(seedSteady, results.mm2?.steady_mib_per_s),
    'kraft-migrate / target ceiling (after start-up)': ratio(seedSteady, results.ceiling?.mib_per_s),
    'kraft-migrate / target ceiling (end to end)': ratio(seedWall, results.ceiling?.mib_per_s),
    'kraft-migrate records only / MirrorMaker 2 (after start-up), for reference': ratio(
      results.seed?.records_visible_mib_per_s,
      results.mm2?.steady_mib_per_s,
    ),
  };
  const missing = (phase: string) => errors[phase] ?? 'phase not run';
  const ratioAim = (aim: string, value: number | undefined, min: number, why: string): Aim =>
    value === undefined
      ? { aim, value: '–', met: null, note: why }
      : { aim, value: `${fmt(value, 2)}×`, met: value >= min && (results.seed?.complete ?? false) };
  // The copy aims only when a copy phase was asked for (`--phases scale` alone has its own aims).
  const copyPhases: readonly Phase[] = ['seed', 'mm2', 'ceiling', 'tail'];
  const aims: Aim[] = !copyPhases.some(want)
    ? []
    : [
        ratioAim(
          `seed ≥ ${AIMS.vsMm2}× MirrorMaker 2 (end to end)`,
          ratios['kraft-migrate / MirrorMaker 2 (end to end)'],
          AIMS.vsMm2,
          results.seed ? missing('mm2') : missing('seed'),
        ),
        ratioAim(
          `seed ≥ ${AIMS.vsMm2}× MirrorMaker 2 (after start-up)`,
          ratios['kraft-migrate / MirrorMaker 2 (after start-up)'],
          AIMS.vsMm2,
          results.seed ? missing('mm2') : missing('seed'),
        ),
        ratioAim(
          `seed ≥ ${AIMS.vsCeiling * 100}% of the target ceiling (after start-up)`,
          ratios['kraft-migrate / target ceiling (after start-up)'],
          AIMS.vsCeiling,
          results.seed ? missing('ceiling') : missing('seed'),
        ),
        results.tail
          ? {
              aim: `tail p99 < ${AIMS.tailP99Ms} ms`,
              value: `${fmt(results.tail.latency_ms.p99)} ms`,
              met: results.tail.latency_ms.p99 < AIMS.tailP99Ms && results.tail.missing === 0,
              ...(results.tail.missing > 0 ? { note: `${results.tail.missing} records never arrived` } : {}),
            }
          : { aim: `tail p99 < ${AIMS.tailP99Ms} ms`, value: '–', met: null, note: missing('tail') },
      ];

  if (want('cutover')) {
    for (const partitions of opts.cutoverPartitions) {
      const c = results.cutover?.find((x) => x.partitions === partitions);
      const limit = c?.aim_seconds;
      aims.push(
        c
          ? {
              aim: `freeze window at ${partitions} partitions${limit === undefined ? ' (no aim at this size)' : ` ≤ ${limit} s`}`,
              value: `${fmt(c.freeze_window_seconds, 2)} s`,
              met: limit === undefined ? null : c.freeze_window_seconds <= limit,
            }
          : {
              aim: `freeze window at ${partitions} partitions`,
              value: '–',
              met: null,
              note: errors[`cutover-${partitions}`] ?? missing('cutover'),
            },
      );
    }
  }

  const scaleSpread = results.scale?.length ? scaleSpreadOf(results.scale) : undefined;
  if (want('scale')) aims.push(...scaleAims(results.scale ?? [], errors));

  const resultFile = join(ROOT, '.local/bench', `result-${stamp}.json`);
  const doc = {
    version: 1,
    run_id: rid,
    started_at: stamp,
    finished_at: new Date().toISOString(),
    machine: { ...machine, load_average_at_end: os.loadavg().map((l) => round(l, 2)) },
    options: opts,
    payload: { value_bytes: opts.valueBytes, distinct_values: 2000, lz4_ratio: lz4Ratio },
    source_fill: fill,
    results,
    ...(scaleSpread ? { scale_spread: scaleSpread } : {}),
    ratios,
    aims,
    errors,
    logs: relative(ROOT, runDir),
  };
  writeFileSync(resultFile, `${JSON.stringify(doc, null, 2)}\n`);
  printReport(opts, machine, results, aims, ratios, resultFile, scaleSpread);
  const failed = Object.keys(errors).filter((p) => !(errors[p] ?? '').endsWith('not found'));
  if (failed.length > 0) {
    process.stderr.write(
      `bench: phase(s) failed: ${failed.join(', ')} (see above and ${relative(ROOT, runDir)})\n`,
    );
    return 1;
  }
  return 0;
}

main().then(
  async (code) => {
    process.exit(code);
  },
  async (e: unknown) => {
    process.stderr.write(`bench: ${(e as Error)?.stack ?? String(e)}\n`);
    await stopAll(10_000);
    process.exit(1);
  },
);
