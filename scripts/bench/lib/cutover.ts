/**
 * The freeze-window benchmark (`npm run bench -- --phases cutover`): for each partition count, a
 * whole migration through the real workflow (`kraft-migrate execute --runner local`, auto_approve)
 * with a steady producer on the source and a few consumer groups committed on every partition; the
 * bench's freeze webhook really stops that producer and answers 200. At READY_FOR_CLIENT_SWITCH
 * `kraft-migrate cutover-ack` ends the workflow; the figures come from the execution history
 * (freeze-window.ts). docs/performance.md, "Cutover: the freeze window".
 */

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { PlatformaticGroupAdmin } from '../../../core/adapters/kafka/group-offsets.ts';
import {
  FREEZE_WINDOW_AIMS,
  freezeWindow,
  parseHistory,
  type StateSpan,
  topicLayout,
} from './freeze-window.ts';
import type { Cluster, TopicSet } from './kafka.ts';
import { Proc, runToEnd } from './proc.ts';
import { round } from './stats.ts';
import { type MigrationTimeline, migrationTimeline } from './timeline.ts';

/** Partitions per source topic: a few wide topics (creating 1,000 topics on ZooKeeper is slow). */
const MAX_PARTITIONS_PER_TOPIC = 250;
const RECORDS_PER_PARTITION = 10;
/** evidence.retention of the measured migrations: long enough to be real, short enough to clean up. */
export const EVIDENCE_RETENTION = '20s';

export interface CutoverCtx {
  readonly root: string;
  readonly rid: string;
  readonly runDir: string;
  readonly source: Cluster;
  readonly target: Cluster;
  readonly stack: {
    readonly source: string;
    readonly target: string;
    readonly s3Endpoint: string;
    readonly region: string;
  };
  readonly segmentsBucket: string;
  readonly evidenceBucket: string;
  readonly created: { source: string[]; target: string[]; groups: string[] };
  readonly groups: number;
  readonly rate: number;
  readonly timeoutSeconds: number;
  readonly say: (text: string) => void;
}

export interface CutoverResult {
  partitions: number;
  topics: number;
  groups: number;
  rate_per_s: number;
  produced_before_freeze: number;
  states: readonly StateSpan[];
  freeze_window_seconds: number;
  cutover_to_ready_seconds: number;
  aim_seconds: number | undefined;
  /** Topic creation and fill of the source (not part of the migration). */
  setup_seconds: number;
  /** `execute` start to its end (precheck, topology, seed, tail, drain, cutover, ack). */
  migration_seconds: number;
  execute_exit_code: number | null;
  /** The whole execution stage by stage (timeline.ts). */
  timeline: MigrationTimeline;
  history: string;
  log: string;
}

/** Sends about `rate` records per second over every partition of `topics` until stopped. */
function steadyProducer(cluster: Cluster, topics: TopicSet, rate: number) {
  const producer = cluster.kafka.producer({ allowAutoTopicCreation: false });
  let running = true;
  let sent = 0;
  let tick = 0;
  const perTick = Math.max(1, Math.round(rate / 20));
  const loop = (async () => {
    await producer.connect();
    while (running) {
      // Each tick one topic (in turn) and the next partitions of it, so every partition keeps moving.
      const topic = topics.topics[tick % topics.topics.length] ?? '';
      const first = Math.floor(tick / topics.topics.length) * perTick;
      const messages = Array.from({ length: perTick }, (_, i) => ({
        value: `steady-${sent + i}`,
        partition: (first + i) % topics.partitionsPerTopic,
      }));
      await producer.send({ topic, acks: -1, messages });
      sent += perTick;
      tick++;
      await sleep(50);
    }
    await producer.disconnect();
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return sent;
    },
  };
}

/** The bench's freeze system: `freeze` stops the producer, then answers 200 (frozen now). */
async function freezeService(stop: () => Promise<number>) {
  const calls: { action: string; at: number }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { action: string };
      calls.push({ action: body.action, at: performance.now() });
      if (body.action !== 'freeze') {
        res.writeHead(200).end();
        return;
      }
      void stop().then(
        () => res.writeHead(200).end(),
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/freeze`,
    calls,
    close: () => server.close(),
  };
}

async function waitForJournal(
  journal: string,
  proc: Proc,
  timeoutMs: number,
): Promise<'ready' | 'failed' | 'exited'> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const text = (() => {
      try {
        return readFileSync(journal, 'utf8');
      } catch {
        return '';
      }
    })();
    if (text.includes('"to":"awaiting_client_switch"')) return 'ready';
    if (text.includes('"to":"failed"')) return 'failed';
    if (!proc.running) return 'exited';
    await sleep(500);
  }
  throw new Error(`no READY_FOR_CLIENT_SWITCH within ${timeoutMs / 1000}s, see ${proc.logFile}`);
}

/** The source of one measured migration: its topics filled and its groups committed. */
export interface PreparedSource {
  readonly partitions: number;
  /** Names the topics, groups, storage prefix and run folder (`cut100`, `scale1000-1`). */
  readonly label: string;
  readonly name: string;
  readonly dir: string;
  readonly layout: { topics: number; perTopic: number };
  readonly set: TopicSet;
  readonly groupIds: readonly string[];
  readonly setupSeconds: number;
  /** Deletes the groups on the source (the run's clean-up deletes topics and target groups). */
  readonly release: () => Promise<void>;
}

/**
 * Creates `partitions` partitions on the source in a few wide topics, 10 records in each, and
 * `ctx.groups` groups committed on every partition; registers all of it for the run's clean-up.
 */
export async function prepareSource(
  ctx: CutoverCtx,
  partitions: number,
  label: string,
  flag = '--cutover-partitions',
): Promise<PreparedSource> {
  const layout = topicLayout(partitions, MAX_PARTITIONS_PER_TOPIC, flag);
  const name = `kmb-${ctx.rid}-${label}`;
  const dir = join(ctx.runDir, label);
  mkdirSync(dir, { recursive: true });
  const set: TopicSet = {
    topics: Array.from({ length: layout.topics }, (_, i) => `${name}-${i}`),
    partitionsPerTopic: layout.perTopic,
  };
  const groupIds = Array.from({ length: ctx.groups }, (_, j) => `${name}-g${j}`);
  const setupStart = performance.now();
  ctx.created.source.push(...set.topics);
  ctx.created.target.push(...set.topics); // the migration creates them on the target
  ctx.created.groups.push(...groupIds); // the translation commits them on the target
  await ctx.source.createTopics(set);
  const admin = await ctx.source.admin();
  const filler = ctx.source.kafka.producer({ allowAutoTopicCreation: false });
  await filler.connect();
  try {
    for (const topic of set.topics) {
      await filler.send({
        topic,
        acks: -1,
        messages: Array.from({ length: layout.perTopic * RECORDS_PER_PARTITION }, (_, i) => ({
          value: `fill-${i}`,
          partition: i % layout.perTopic,
        })),
      });
    }
  } finally {
    await filler.disconnect();
  }
  // The product's admin OffsetCommit (one request per group), not kafkajs setOffsets: that joins the
  // group as a consumer once per topic, ~5 s each (10 minutes of set-up at 10,000 partitions).
  const groups = await PlatformaticGroupAdmin.create({
    bootstrap_servers: [ctx.stack.source],
    auth: { mode: 'none' },
  });
  try {
    for (const [j, groupId] of groupIds.entries()) {
      const offset = BigInt(Math.round((RECORDS_PER_PARTITION * (j + 1)) / ctx.groups));
      await groups.commitOffsets(
        groupId,
        set.topics.flatMap((topic) =>
          Array.from({ length: layout.perTopic }, (_, partition) => ({ topic, partition, offset })),
        ),
      );
    }
  } finally {
    await groups.close();
  }
  return {
    partitions,
    label,
    name,
    dir,
    layout,
    set,
    groupIds,
    setupSeconds: round((performance.now() - setupStart) / 1000),
    release: async () => {
      await admin.deleteGroups([...groupIds]).catch(() => undefined);
    },
  };
}

export async function phaseCutover(ctx: CutoverCtx, partitions: number): Promise<CutoverResult> {
  const layout = topicLayout(partitions, MAX_PARTITIONS_PER_TOPIC);
  ctx.say(
    `(f) cutover freeze window: ${partitions} partitions in ${layout.topics} topic(s), ${ctx.groups} group(s) committed on every partition, a producer at ${ctx.rate} records/s…`,
  );
  const src = await prepareSource(ctx, partitions, `cut${partitions}`);
  try {
    return await runMigration(ctx, src, { max_concurrent_partitions: 8 });
  } finally {
    await src.release();
  }
}

/**
 * One whole migration of a prepared source through the real workflow (`execute --runner local`,
 * auto_approve, the bench's freeze webhook stopping a steady producer, `cutover-ack` at
 * READY_FOR_CLIENT_SWITCH), and its figures from the execution history. `seed` is the config's
 * `seed:` section.
 */
export async function runMigration(
  ctx: CutoverCtx,
  src: PreparedSource,
  seed: Record<string, unknown>,
): Promise<CutoverResult> {
  const { partitions, layout, set, name, dir, label } = src;
  ctx.say(`    source ready in ${src.setupSeconds} s; execute --runner local…`);

  const producer = steadyProducer(ctx.source, set, ctx.rate);
  let producedBeforeFreeze = 0;
  const freeze = await freezeService(async () => {
    producedBeforeFreeze = await producer.stop();
    return producedBeforeFreeze;
  });
  const config = {
    source: { bootstrap_servers: [ctx.stack.source] },
    target: { bootstrap_servers: [ctx.stack.target] },
    // No backslash in the patterns: the local runner's States.JsonToString (aws-local-stepfunctions)
    // drops backslashes on the way to the tail container, so `\d+` would arrive as `d+`.
    topics: { include: [`${name}-[0-9]+`] },
    groups: { include: [`${name}-g[0-9]+`] },
    storage: {
      segments: `s3://${ctx.segmentsBucket}/${label}`,
      evidence: `s3://${ctx.evidenceBucket}/${label}`,
      endpoint: ctx.stack.s3Endpoint,
      region: ctx.stack.region,
    },
    seed,
    cutover: {
      auto_approve: true,
      producer_freeze_webhook: freeze.url,
      drain_max_partition_lag: 100,
      drain_stable_window: '2s',
      drain_timeout: '10m',
      max_producer_freeze: '60s',
    },
    // Object Lock COMPLIANCE retention as a user would set it, but short: moto enforces it, and the
    // bench deletes its evidence bucket at the end of the run (main.ts cleanUp waits it out).
    evidence: { retention: EVIDENCE_RETENTION },
  };
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, stringify(config));
  const journalDir = join(dir, 'journal');
  const stateDir = join(dir, 'runner');
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: ctx.stack.region,
  };
  const cli = join(ctx.root, 'bin/kraft-migrate.mjs');
  const execute = new Proc(
    `execute-${label}`,
    process.execPath,
    [cli, 'execute', '--config', configFile, '--journal-dir', journalDir, '--state-dir', stateDir],
    { env, cwd: ctx.root, logFile: join(dir, 'execute.log') },
  );
  try {
    const reached = await waitForJournal(
      join(journalDir, 'journal.jsonl'),
      execute,
      ctx.timeoutSeconds * 1000,
    );
    if (reached !== 'ready') {
      await execute.waitExit(30_000);
      throw new Error(
        `the migration did not reach READY_FOR_CLIENT_SWITCH (${reached}):\n${execute.tailOfLog(15)}`,
      );
    }
    const ack = await runToEnd(
      `cutover-ack-${partitions}`,
      process.execPath,
      [cli, 'cutover-ack', '--state-dir', stateDir],
      {
        env,
        cwd: ctx.root,
        logFile: join(dir, 'cutover-ack.log'),
        timeoutMs: 120_000,
      },
    );
    if (ack.exit.code !== 0)
      throw new Error(`cutover-ack exited with ${ack.exit.code}:\n${ack.proc.tailOfLog(10)}`);
    // Validation and evidence grow with the partitions (about 90 s at 10,000): the phase's budget.
    const exit = await execute.waitExit(ctx.timeoutSeconds * 1000);
    if (!exit)
      throw new Error(
        `execute did not end within ${ctx.timeoutSeconds} s after cutover-ack, see ${execute.logFile}`,
      );
    const historyDir = join(stateDir, 'executions');
    const file = readdirSync(historyDir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort()
      .at(-1);
    if (!file) throw new Error(`no execution history in ${historyDir}`);
    const history = join(historyDir, file);
    const events = parseHistory(readFileSync(history, 'utf8'));
    const window = freezeWindow(events);
    const result: CutoverResult = {
      partitions,
      topics: layout.topics,
      groups: ctx.groups,
      rate_per_s: ctx.rate,
      produced_before_freeze: producedBeforeFreeze,
      ...window,
      aim_seconds: FREEZE_WINDOW_AIMS[partitions],
      setup_seconds: src.setupSeconds,
      migration_seconds: round(execute.seconds),
      execute_exit_code: exit.code,
      timeline: migrationTimeline(events),
      history: relative(ctx.root, history),
      log: relative(ctx.root, execute.logFile),
    };
    ctx.say(
      `    freeze window ${window.freeze_window_seconds} s (${window.states.map((s) => `${s.state} ${s.seconds}`).join(', ')}); execute exit ${exit.code}`,
    );
    return result;
  } finally {
    if (execute.running) await execute.stop(30_000);
    await producer.stop();
    freeze.close();
  }
}
