/**
 * A Kafka 2.8.2 ZooKeeper-mode source, the oldest source version kraft-migrate is tested with
 * (precheck B18 blocks older ones). The test starts its own 2.8.2 broker (jars from Maven Central
 * through scripts/stack/deps-2.8.sh, cached) on a free 127.0.0.1 port, registered in the stack's
 * ZooKeeper under a chroot of its own, with its log dir under .local/kafka-2.8/, and stops it by
 * its PID afterwards. Against it: the admin calls precheck and plan make, the precheck itself, and
 * a real seed by the copier to the 4.1 target, compared record for record.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkajsAdmin } from '../../core/adapters/kafka/admin.ts';
import { PlatformaticRecordReader } from '../../core/adapters/kafka/reader.ts';
import { partitionDigest } from '../../core/domain/copy/index.ts';
import type { PrecheckResult } from '../../core/domain/precheck/types.ts';
import { type PartitionRef, partitionKey } from '../../core/ports.ts';
import { cli } from './cli-run.ts';
import {
  compare,
  copierEnv,
  createTopics,
  loadCheckpointOf,
  newMigration,
  plain,
  readPartition,
  readStatus,
  runCopierProcess,
} from './copier/helpers.ts';
import { createBucket, freePort, stackConfig, tempDir, writeConfig } from './fixtures.ts';
import { STACK, uniqueName } from './stack.ts';
import { REPO_ROOT } from './stack-control.ts';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const RUN = randomBytes(4).toString('hex');
const DIR = join(REPO_ROOT, '.local', 'kafka-2.8', RUN);
const CHROOT = `/kraft-migrate-2-8-${RUN}`;
let broker: ChildProcess | undefined;
let bootstrap = '';
let libs = '';

function kafka28(): Kafka {
  return new Kafka({ brokers: [bootstrap], clientId: 'it-kafka-2.8', logLevel: logLevel.NOTHING });
}

/** Until the broker answers metadata with itself as controller. */
async function waitReady(deadlineMs: number): Promise<void> {
  const admin = kafka28().admin({ retry: { retries: 0 } });
  for (;;) {
    if (broker?.exitCode !== null)
      throw new Error(`the 2.8.2 broker exited (${broker?.exitCode}), see ${DIR}`);
    try {
      await admin.connect();
      const c = await admin.describeCluster();
      if (c.controller !== null && c.controller >= 0) return;
    } catch {
      // not yet
    } finally {
      await admin.disconnect().catch(() => {});
    }
    if (Date.now() > deadlineMs) throw new Error(`the 2.8.2 broker did not get ready, see ${DIR}/broker.log`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

beforeAll(async () => {
  const { stdout } = await promisify(execFile)('bash', ['scripts/stack/deps-2.8.sh'], {
    cwd: REPO_ROOT,
    timeout: 600_000,
  });
  libs = stdout.trim().split('\n').at(-1) as string;
  const port = await freePort();
  bootstrap = `127.0.0.1:${port}`;
  await mkdir(join(DIR, 'data'), { recursive: true });
  const conf = join(DIR, 'server.properties');
  await writeFile(
    conf,
    [
      'broker.id=1',
      `listeners=PLAINTEXT://${bootstrap}`,
      `advertised.listeners=PLAINTEXT://${bootstrap}`,
      `zookeeper.connect=${STACK.zookeeper}${CHROOT}`,
      'zookeeper.session.timeout.ms=6000',
      `log.dirs=${join(DIR, 'data')}`,
      'auto.create.topics.enable=false',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'transaction.state.log.num.partitions=1',
      'group.initial.rebalance.delay.ms=0',
      '',
    ].join('\n'),
  );
  broker = spawn(
    'java',
    [
      '-Xmx256m',
      '-Xms64m',
      `-Dkafka.logs.dir=${DIR}`,
      '-Dkraft.migrate.log=broker',
      `-Dlog4j.configuration=file:${join(REPO_ROOT, 'scripts/stack/conf/log4j.properties')}`,
      '-cp',
      `${libs}/*`,
      'kafka.Kafka',
      conf,
    ],
    { stdio: 'ignore' },
  );
  await waitReady(Date.now() + 60_000);
}, 660_000);

afterAll(async () => {
  const pid = broker?.pid;
  if (pid !== undefined && broker?.exitCode === null) {
    const exited = new Promise((r) => broker?.once('exit', r));
    process.kill(pid, 'SIGTERM');
    const timer = setTimeout(() => broker?.exitCode === null && process.kill(pid, 'SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
  await rm(DIR, { recursive: true, force: true });
  // The broker's znodes leave the shared ZooKeeper with it.
  if (libs) {
    await promisify(execFile)(
      'java',
      [
        '-cp',
        `${libs}/*`,
        'org.apache.zookeeper.ZooKeeperMain',
        '-server',
        STACK.zookeeper,
        'deleteall',
        CHROOT,
      ],
      { timeout: 30_000 },
    );
  }
}, 60_000);

describe('a Kafka 2.8.2 ZooKeeper-mode source', () => {
  it('answers the admin calls of precheck and plan', async () => {
    // Arrange
    const topic = uniqueName('k28-admin');
    const admin = kafka28().admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '-1' }] }],
    });
    const producer = kafka28().producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 20 }, (_, i) => ({ value: `v${i}`, partition: 0 })),
    });
    await producer.disconnect();
    await admin.setOffsets({ groupId: `${topic}-g`, topic, partitions: [{ partition: 0, offset: '7' }] });
    await admin.disconnect();
    const ours = await KafkajsAdmin.create(plain(bootstrap));
    try {
      // Act
      const info = await ours.describeCluster();
      const topics = await ours.listTopics();
      const configs = await ours.describeTopicConfigs([topic]);
      const offsets = (await ours.fetchOffsets([topic])).get(topic);
      const sizes = await ours.describeLogDirs([topic]);
      const committed = await ours.fetchCommittedOffsets(`${topic}-g`);
      const probe = await ours.probeTransactional([topic]);
      // Assert
      expect(info).toMatchObject({ metadataMode: 'zookeeper', kafkaVersion: '2.8', apiRelease: '2.8' });
      expect(topics.find((t) => t.name === topic)?.partitions).toHaveLength(2);
      expect(configs.get(topic)?.find((c) => c.name === 'retention.ms')?.value).toBe('-1');
      expect(offsets).toEqual([
        { partition: 0, logStart: 0n, end: 20n },
        { partition: 1, logStart: 0n, end: 0n },
      ]);
      expect(sizes.find((s) => s.partition === 0)?.bytes).toBeGreaterThan(0n);
      expect(committed).toEqual([{ topic, partition: 0, offset: 7n, metadata: expect.anything() }]);
      expect(probe.topics).toEqual([]);
    } finally {
      await ours.close();
    }
  });

  it('passes precheck as a source: no B18, mode and version read from the brokers', async () => {
    // Arrange
    const dir = await tempDir();
    const bucket = await createBucket({ objectLock: true });
    const path = await writeConfig(
      dir,
      stackConfig({
        source: { bootstrap_servers: [bootstrap] },
        topics: { include: ['k28-none\\..*'] },
        storage: { segments: `s3://${bucket}/seeds`, evidence: `s3://${bucket}/ev` },
      }),
    );
    // Act
    const { stdout, stderr } = await cli(['precheck', '--config', path, '--json']);
    // Assert
    const result = JSON.parse(stdout) as PrecheckResult;
    const codes = result.findings.map((f) => f.code);
    expect(stderr).not.toMatch(/Internal error/);
    expect(codes).not.toContain('B18');
    expect(codes).not.toContain('B03');
    expect(codes).not.toContain('B09');
    expect(result.findings.filter((f) => f.severity === 'blocker')).toEqual([]);
  });

  it('is seeded to the 4.1 target record for record', async () => {
    // Arrange: a 2.8-era producer (kafkajs) writing gzip batches with headers, null keys and values,
    // and a transaction that commits and one that aborts.
    const topic = uniqueName('k28-seed');
    const admin = kafka28().admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '-1' }] }],
    });
    await admin.disconnect();
    await createTopics('target', [{ name: topic, partitions: 2, configs: { 'retention.ms': '-1' } }]);
    const producer = kafka28().producer();
    const tx = kafka28().producer({
      transactionalId: uniqueName('k28-tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await Promise.all([producer.connect(), tx.connect()]);
    for (let round = 0; round < 4; round++) {
      await producer.send({
        topic,
        compression: round % 2 === 0 ? CompressionTypes.GZIP : CompressionTypes.None,
        messages: Array.from({ length: 50 }, (_, i) => ({
          partition: i % 2,
          key: i % 5 === 0 ? null : `k-${i % 7}`,
          value: i % 9 === 0 ? null : `round-${round}-value-${i}-${'x'.repeat(i * 3)}`,
          headers: i % 3 === 0 ? { trace: `t-${i}`, dup: ['1', '2'] } : {},
          timestamp: String(Date.UTC(2020, 0, 1) + round * 1000 + i),
        })),
      });
    }
    for (const commit of [true, false]) {
      const t = await tx.transaction();
      await t.send({
        topic,
        messages: [0, 1, 2].map((i) => ({ partition: 0, key: `tx-${i}`, value: `${commit}` })),
      });
      if (commit) await t.commit();
      else await t.abort();
    }
    await Promise.allSettled([producer.disconnect(), tx.disconnect()]);
    const refs: PartitionRef[] = [0, 1].map((partition) => ({ topic, partition }));
    const m = await newMigration(uniqueName('mig-k28'));
    (m.config.source as { bootstrap_servers: string[] }).bootstrap_servers = [bootstrap];

    // Act
    const seed = await runCopierProcess(copierEnv(m, 'seed', refs));

    // Assert
    expect(seed.stderr).toBe('');
    expect(seed.code).toBe(0);
    expect(await readStatus(m, 'seed')).toMatchObject({ state: 'complete' });
    const sourceReader = await PlatformaticRecordReader.create(plain(bootstrap));
    const targetReader = await PlatformaticRecordReader.create(plain(STACK.target), {
      isolationLevel: 'read_uncommitted',
    });
    try {
      let copied = 0;
      for (const ref of refs) {
        const cp = await loadCheckpointOf(m, ref);
        const source = await readPartition(sourceReader, ref);
        const target = await readPartition(targetReader, ref);
        const c = compare(source, target, cp);
        expect(c.target, partitionKey(ref)).toEqual(c.source);
        expect(c.mapMismatches, partitionKey(ref)).toBe(0);
        expect(partitionDigest(target)).toEqual(partitionDigest(source));
        copied += target.length;
      }
      expect(copied).toBe(4 * 50 + 3); // the aborted transaction is not copied
    } finally {
      await Promise.allSettled([sourceReader.close(), targetReader.close()]);
    }
  });
});
