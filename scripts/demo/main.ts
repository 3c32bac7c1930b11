/**
 * The local demo (npm run demo): the migration workflow on one machine, through the same state
 * machine definition `cdk deploy` deploys. A ZooKeeper-mode Kafka 3.9 source full of realistic
 * topics (codecs, compaction with tombstones, transactions with aborts, large messages, headers)
 * with a producer still writing; plan and precheck; then `execute --runner local`: precheck →
 * topology → seed (S3 segments) → tail → drain → the cutover approval gate, which a second process
 * answers with `kraft-migrate cutover`: the demo freeze service stops the producers, then sentinels,
 * final drain, offset translation, READY_FOR_CLIENT_SWITCH and `kraft-migrate cutover-ack`. Every
 * partition of the target is compared with the source, record by record; then the demo's consumer
 * groups (consumer-groups.ts) continue on the target, each exactly after the last record it read on
 * the source.
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
import { OPENSSL_VERIFY_ARGS } from '../../core/domain/evidence/signing.ts';
import {
  type Continuation,
  consumeEvents,
  continuationLine,
  continuations,
  EVENTS_PARTITIONS,
  type GroupConsumer,
  nextSeqs,
  PROOF_GROUPS,
  sequencer,
  stopAtEnd,
  waitUntil,
} from './consumer-groups.ts';
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
  alsoDone: string,
): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { action: string; reason?: string };
      if (body.action === 'freeze') {
        void stopProducer().then(
          (sent) => {
            say(
              `\n== demo freeze service: producers stopped after ${sent} live record(s); ${alsoDone}; answering 200 (frozen)`,
            );
            res.writeHead(200).end();
          },
          (e: unknown) => {
            say(`\n== demo freeze service: could not freeze (${String(e)}); answering 500`);
            res.writeHead(500).end();
          },
        );
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
async function cutoverWhenDrainReady(
  beforeAck: () => Promise<void>,
): Promise<{ cutover: number; ack: number | undefined }> {
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
  await beforeAck();
  say('\n== demo: clients switched; kraft-migrate cutover-ack');
  return { cutover, ack: await cli(['cutover-ack', '--state-dir', STATE_DIR]) };
}

/** examples/local.yaml with the demo freeze service as cutover.producer_freeze_webhook. */
async function writeDemoConfig(webhookUrl: string | undefined): Promise<void> {
  const doc = parse(await readFile(EXAMPLE_CONFIG, 'utf8')) as { cutover?: Record<string, unknown> };
  if (webhookUrl) doc.cutover = { ...doc.cutover, producer_freeze_webhook: webhookUrl };
  await writeFile(CONFIG, stringify(doc));
}

/**
 * After cutover-ack: the demo.events producer resumes on the target where it stopped on the source,
 * and consumers of the same groups read on the target until each has a first record on every
 * partition.
 */
async function groupsOnTarget(onSource: readonly GroupConsumer[], next: number[]): Promise<Continuation[]> {
  const targetKafka = kafka('127.0.0.1:29092');
  const events = sequencer(targetKafka, next);
  const onTarget = await Promise.all(onSource.map((g) => consumeEvents(targetKafka, g.groupId)));
  try {
    await waitUntil(
      'every group to read every partition on the target',
      () => onTarget.every((g) => g.first.size === EVENTS_PARTITIONS),
      60_000,
    );
  } catch (e) {
    say(`  ${String(e)}; consumer crashes: ${onTarget.flatMap((g) => g.crashes).join('; ') || 'none'}`);
  } finally {
    await Promise.allSettled(onTarget.map((g) => g.stop()));
    await events.stop();
  }
  for (const g of onTarget) say(`  group ${g.groupId}: ${g.sentinels} sentinel(s) filtered on the target`);
  return continuations(onSource, onTarget);
}

const EVIDENCE_FILES = ['evidence.json', 'evidence.json.sig', 'evidence-public-key.pem', 'evidence.html'];

/**
 * The signed evidence the workflow's SignEvidence state uploaded (its URL is in the journal's
 * `-> finalized` line): a local copy under .local/demo/evidence/, checked with `kraft-migrate
 * verify-evidence` and with openssl alone, as an auditor would (docs/evidence.md).
 */
async function checkEvidence(
  adapters: ReturnType<typeof createAdapters>,
  evidenceRoot: string,
): Promise<{ state: string; verify: number; openssl: number; dir: string }> {
  const lines = (await readFile(join(JOURNAL_DIR, 'journal.jsonl'), 'utf8')).trim().split('\n');
  const last = JSON.parse(lines.at(-1) ?? '{}') as { to?: string; reason?: string };
  const url = /uploaded to (s3:\/\/\S+\/evidence\.json)/.exec(last.reason ?? '')?.[1];
  const dir = join(OUT, 'evidence');
  if (last.to !== 'finalized' || !url) return { state: last.to ?? 'unknown', verify: 1, openssl: 1, dir };
  const prefix = url.slice(`${evidenceRoot.replace(/\/+$/, '')}/`.length, -'evidence.json'.length);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const store = adapters.objectStore('evidence');
  for (const name of EVIDENCE_FILES) {
    const bytes = await store.get(`${prefix}${name}`);
    if (bytes) await writeFile(join(dir, name), bytes);
    say(`  ${bytes ? join(dir, name) : `${name}: MISSING in ${url}`}`);
  }
  // --config: the artifacts listed in the evidence (cutover files, checkpoints) are checked in S3 too.
  say(`\n  $ kraft-migrate verify-evidence ${join(dir, 'evidence.json')} --config ${CONFIG}`);
  const verify = await run(['verify-evidence', join(dir, 'evidence.json'), '--config', CONFIG], io);
  const opensslArgs = [...OPENSSL_VERIFY_ARGS];
  say(`\n  $ (cd ${dir} && openssl ${opensslArgs.join(' ')})`);
  const openssl = await new Promise<number>((resolve) => {
    const child = spawn('openssl', opensslArgs, { cwd: dir, stdio: 'inherit' });
    child.on('error', () => resolve(127));
    child.on('exit', (code) => resolve(code ?? 1));
  });
  return { state: last.to, verify, openssl, dir };
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

  say(
    `\n== 5. kraft-migrate execute --runner local (producers keep writing to demo.orders and demo.events; groups ${Object.values(PROOF_GROUPS).join(', ')} consume demo.events)`,
  );
  const config = await loadConfigFile(CONFIG, env);
  const adapters = createAdapters(config, { env });
  const sourceKafka = kafka('127.0.0.1:19092');
  const seqReader = await adapters.recordReader('source');
  const seqs = await nextSeqs(seqReader);
  await seqReader.close();
  const producer = liveProducer();
  const events = sequencer(sourceKafka, seqs);
  const onSource = await Promise.all(Object.values(PROOF_GROUPS).map((g) => consumeEvents(sourceKafka, g)));
  const [caughtUp, middle, late] = onSource as [GroupConsumer, GroupConsumer, GroupConsumer];
  const middleStopped = (async () => {
    await sleep(5000);
    await waitUntil(
      `group ${middle.groupId} to read every partition`,
      () => middle.last.size === EVENTS_PARTITIONS,
      60_000,
    );
    await middle.stop();
    say(`\n== demo: group ${middle.groupId} stopped in the middle (its source consumer ends)`);
  })();
  const webhook = await freezeWebhook(async () => {
    const sent = await producer.stop();
    await events.stop();
    await stopAtEnd(sourceKafka, caughtUp, 30_000);
    return sent;
  }, `group ${caughtUp.groupId} read the source to its end and stopped`);
  await writeDemoConfig(webhook.url);
  const cutover = cutoverWhenDrainReady(async () => {
    await stopAtEnd(sourceKafka, late, 30_000);
    say(
      `\n== demo: group ${late.groupId} kept consuming on the source after the freeze (${late.sentinels} sentinel(s) filtered) and is stopped late, before cutover-ack`,
    );
  });
  const executeCode = await run(
    ['execute', '--config', CONFIG, '--journal-dir', JOURNAL_DIR, '--state-dir', STATE_DIR],
    io,
  );
  await producer.stop();
  const sourceEnd = await events.stop();
  const cutoverCodes = await cutover;
  webhook.close();
  await middleStopped.catch((e: unknown) => say(`  ${String(e)}`));
  await Promise.allSettled(onSource.map((g) => g.stop()));

  say('\n== 6. every partition: source (read_committed) vs target, record by record');
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

  say('\n== 7. the signed evidence (SignEvidence uploaded it; a local copy, checked twice)');
  const evidence = await checkEvidence(adapters, config.storage.evidence);

  say(
    '\n== 8. the consumer groups on the target (clients switched: the demo.events producer now writes to the target)',
  );
  const moved = cutoverCodes.ack === 0 ? await groupsOnTarget(onSource, sourceEnd) : [];
  for (const c of moved) say(`  ${continuationLine(c)}`);
  for (const g of onSource) say(`  group ${g.groupId}: ${g.sentinels} sentinel(s) filtered on the source`);
  const exact = moved.filter((c) => c.exact).length;

  say('\n== summary');
  say(`  plan:      ${planCode === 0 ? 'written' : `exit ${planCode}`} → ${join(OUT, 'plan')}`);
  say(`  precheck:  ${precheckCode === 0 ? 'PASSED' : `exit ${precheckCode}`}`);
  say(
    `  workflow:  ${executeCode === 0 ? 'SUCCEEDED (precheck → topology → seed → tail → drain_ready → cutover → client switch → validation → signed evidence → finalized)' : `exit ${executeCode}`}`,
  );
  say(
    `  cutover:   exit ${cutoverCodes.cutover}; cutover-ack: ${cutoverCodes.ack === undefined ? 'not reached' : `exit ${cutoverCodes.ack}`}`,
  );
  say(
    `  data:      ${identical}/${results.length} partitions identical on the target (keys, values, headers, timestamps, order)`,
  );
  say(
    `  groups:    ${exact}/${moved.length} group partitions continue exactly on the target (no duplicate, no gap)`,
  );
  say(
    `  evidence:  journal ends ${evidence.state}; verify-evidence exit ${evidence.verify}; openssl exit ${evidence.openssl} → ${evidence.dir}`,
  );
  say(`  journal:   ${join(JOURNAL_DIR, 'journal.jsonl')}`);
  const groupsOk = moved.length > 0 && exact === moved.length;
  const evidenceOk = evidence.state === 'finalized' && evidence.verify === 0 && evidence.openssl === 0;
  return planCode === 0 && executeCode === 0 && identical === results.length && groupsOk && evidenceOk
    ? 0
    : 1;
}

process.exitCode = await main();
