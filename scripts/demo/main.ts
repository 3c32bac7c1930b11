/**
 * The local demo (npm run demo): the migration workflow on one machine, through the same state
 * machine definition `cdk deploy` deploys. A ZooKeeper-mode Kafka 3.9 source full of realistic
 * topics (codecs, compaction with tombstones, transactions with aborts, large messages, headers)
 * with a producer still writing; plan and precheck; then `execute --runner local`: precheck →
 * topology → seed (S3 segments) → tail → drain → the cutover approval gate, which a second process
 * answers with `kraft-migrate cutover`. Finally every partition of the target is compared with the
 * source, record by record.
 */

import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Kafka, logLevel } from 'kafkajs';
import { parse, stringify } from 'yaml';
import { loadConfigFile } from '../../cli/config-file.ts';
import { processIO } from '../../cli/io.ts';
import { run } from '../../cli/main.ts';
import { createAdapters } from '../../core/adapters/factory.ts';
import { comparePartitions } from '../../core/app/compare.ts';
import { DEMO_TOPICS, ensureSourceData } from './source-data.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const EXAMPLE_CONFIG = join(ROOT, 'examples/local.yaml');
const OUT = join(ROOT, '.local/demo');
/** examples/local.yaml plus the demo's freeze webhook (written by main). */
const CONFIG = join(OUT, 'config.yaml');
const JOURNAL_DIR = join(OUT, 'journal');
const STATE_DIR = join(OUT, 'runner');

const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: process.env['AWS_ACCESS_KEY_ID'] ?? 'test',
  AWS_SECRET_ACCESS_KEY: process.env['AWS_SECRET_ACCESS_KEY'] ?? 'test',
  AWS_REGION: process.env['AWS_REGION'] ?? 'us-east-1',
};
Object.assign(process.env, env); // the workflow's handlers read AWS settings from the environment, as in Lambda
const io = { ...processIO(), env };
const say = (line: string) => process.stdout.write(`${line}\n`);
const kafka = (brokers: string) =>
  new Kafka({ brokers: [brokers], clientId: 'demo', logLevel: logLevel.NOTHING });

async function ensureBuckets(): Promise<void> {
  const s3 = new S3Client({
    endpoint: 'http://127.0.0.1:24566',
    region: env.AWS_REGION,
    forcePathStyle: true,
  });
  for (const [bucket, objectLock] of [
    ['kraft-migrate-segments', false],
    ['kraft-migrate-evidence', true],
  ] as const) {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
      say(`  s3://${bucket}: exists`);
    } catch {
      await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: objectLock }));
      say(`  s3://${bucket}: created${objectLock ? ' with Object Lock' : ''}`);
    }
  }
}

/** The demo owns the local target: a previous run's copies are removed so the run starts clean. */
async function resetTarget(): Promise<void> {
  const admin = kafka('127.0.0.1:29092').admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const mine = DEMO_TOPICS.map((t) => t.name).filter((t) => existing.has(t));
    if (mine.length) {
      await admin.deleteTopics({ topics: mine, timeout: 30_000 });
      for (let i = 0; i < 50 && (await admin.listTopics()).some((t) => mine.includes(t)); i++) {
        await sleep(200);
      }
      say(`  removed ${mine.length} topic(s) of a previous demo run from the target`);
    }
  } finally {
    await admin.disconnect();
  }
  await rm(JOURNAL_DIR, { recursive: true, force: true });
}

/** Keeps writing orders to the source until stopped: the tail must carry them over. */
function liveProducer(): { stop: () => Promise<number> } {
  const producer = kafka('127.0.0.1:19092').producer({ idempotent: true, maxInFlightRequests: 1 });
  let running = true;
  let sent = 0;
  const loop = (async () => {
    await producer.connect();
    while (running) {
      await producer.send({
        topic: 'demo.orders',
        acks: -1,
        messages: Array.from({ length: 10 }, (_, i) => ({
          key: `live-${sent + i}`,
          value: JSON.stringify({ live: sent + i, at: new Date().toISOString() }),
          headers: { source: 'live-producer' },
        })),
      });
      sent += 10;
      await sleep(100);
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

/**
 * The demo's producer-freeze system (docs/cutover.md): `{action:"freeze"}` really stops the live
 * producer and answers 200 once its last record is acknowledged; `{action:"unfreeze"}` is reported.
 */
async function freezeWebhook(
  stopProducer: () => Promise<number>,
): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { action: string; reason?: string };
      if (body.action === 'freeze') {
        void stopProducer().then((sent) => {
          say(
            `\n== demo freeze service: producers stopped after ${sent} live record(s); answering 200 (frozen)`,
          );
          res.writeHead(200).end();
        });
      } else {
        say(`\n== demo freeze service: unfreeze requested (${body.reason ?? 'no reason'})`);
        res.writeHead(200).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/freeze`,
    close: () => server.close(),
  };
}

function cli(args: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/kraft-migrate.mjs', ...args], {
      cwd: ROOT,
      env,
      stdio: 'inherit',
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

/**
 * Waits for drain_ready, then a second process approves the cutover (`kraft-migrate cutover`: the
 * freeze webhook stops the producer, then sentinels, final drain, offset translation) and, at
 * READY_FOR_CLIENT_SWITCH, confirms the client switch (`kraft-migrate cutover-ack`).
 */
async function cutoverWhenDrainReady(): Promise<{ cutover: number; ack: number | undefined }> {
  for (;;) {
    const text = await readFile(join(JOURNAL_DIR, 'journal.jsonl'), 'utf8').catch(() => '');
    if (text.includes('"to":"failed"')) return { cutover: 1, ack: undefined };
    if (text.includes('"to":"drain_ready"')) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  say('\n== demo: drain_ready reached; a second process approves the cutover: kraft-migrate cutover');
  const cutover = await cli([
    'cutover',
    '--config',
    CONFIG,
    '--journal-dir',
    JOURNAL_DIR,
    '--state-dir',
    STATE_DIR,
  ]);
  if (cutover !== 0) return { cutover, ack: undefined };
  say('\n== demo: clients switched; kraft-migrate cutover-ack');
  return { cutover, ack: await cli(['cutover-ack', '--state-dir', STATE_DIR]) };
}

/** examples/local.yaml with the demo freeze service as cutover.producer_freeze_webhook. */
async function writeDemoConfig(webhookUrl: string | undefined): Promise<void> {
  const doc = parse(await readFile(EXAMPLE_CONFIG, 'utf8')) as { cutover?: Record<string, unknown> };
  if (webhookUrl) doc.cutover = { ...doc.cutover, producer_freeze_webhook: webhookUrl };
  await writeFile(CONFIG, stringify(doc));
}

async function main(): Promise<number> {
  await mkdir(OUT, { recursive: true });
  await writeDemoConfig(undefined);
  say('\n== 1. buckets on the S3 emulator');
  await ensureBuckets();
  say('\n== 2. source data (Kafka 3.9, ZooKeeper mode) and a clean target (Kafka 4.1, KRaft)');
  await ensureSourceData(kafka('127.0.0.1:19092'), say);
  await resetTarget();

  say('\n== 3. kraft-migrate plan --format all');
  const planCode = await run(
    ['plan', '--config', CONFIG, '--format', 'all', '--out-dir', join(OUT, 'plan')],
    io,
  );

  say('\n== 4. kraft-migrate precheck');
  const precheckCode = await run(['precheck', '--config', CONFIG], io);
  if (precheckCode !== 0) return 1;

  say('\n== 5. kraft-migrate execute --runner local (a producer keeps writing to demo.orders)');
  const producer = liveProducer();
  const webhook = await freezeWebhook(producer.stop);
  await writeDemoConfig(webhook.url);
  const cutover = cutoverWhenDrainReady();
  const executeCode = await run(
    ['execute', '--config', CONFIG, '--journal-dir', JOURNAL_DIR, '--state-dir', STATE_DIR],
    io,
  );
  await producer.stop();
  const cutoverCodes = await cutover;
  webhook.close();

  say('\n== 6. every partition: source (read_committed) vs target, record by record');
  const config = await loadConfigFile(CONFIG, env);
  const adapters = createAdapters(config, { env });
  const [source, target] = await Promise.all([
    adapters.recordReader('source'),
    adapters.recordReader('target'),
  ]);
  const refs = DEMO_TOPICS.flatMap((t) =>
    Array.from({ length: t.partitions }, (_, p) => ({ topic: t.name, partition: p })),
  );
  const results = await comparePartitions(source, target, refs);
  await Promise.all([source.close(), target.close()]);
  for (const r of results) {
    say(
      `  ${`${r.topic}/${r.partition}`.padEnd(18)} source ${String(r.sourceRecords).padStart(5)}  target ${String(r.targetRecords).padStart(5)}  ${r.equal ? 'identical' : 'DIFFERENT'}`,
    );
  }
  const identical = results.filter((r) => r.equal).length;

  say('\n== summary');
  say(`  plan:      ${planCode === 0 ? 'written' : `exit ${planCode}`} → ${join(OUT, 'plan')}`);
  say(`  precheck:  ${precheckCode === 0 ? 'PASSED' : `exit ${precheckCode}`}`);
  say(
    `  workflow:  ${executeCode === 0 ? 'SUCCEEDED (precheck → topology → seed → tail → drain_ready → cutover → client switch)' : `exit ${executeCode}`}`,
  );
  say(
    `  cutover:   exit ${cutoverCodes.cutover}; cutover-ack: ${cutoverCodes.ack === undefined ? 'not reached' : `exit ${cutoverCodes.ack}`}`,
  );
  say(
    `  data:      ${identical}/${results.length} partitions identical on the target (keys, values, headers, timestamps, order)`,
  );
  say(`  journal:   ${join(JOURNAL_DIR, 'journal.jsonl')}`);
  say(
    '  Not built yet: demo consumer groups moving to the target, validation and signed evidence (open issues).',
  );
  return planCode === 0 && executeCode === 0 && identical === results.length ? 0 : 1;
}

process.exitCode = await main();
