/**
 * execute --runner local at fan-out (issue 12): the Seed Map runs over the shard ids of the plan
 * CopyTopology wrote to S3, each copier reading its shard from there (seed.copiers: 2); and a seed
 * copier SIGKILLed mid-seed is retried by the workflow itself — the execution succeeds without a
 * second `execute`, every record copied once.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../cli/main.ts';
import { answerGate, listPending } from '../../../cli/runner/broker-client.ts';
import { createAdapters } from '../../../core/adapters/factory.ts';
import { comparePartitions } from '../../../core/app/compare.ts';
import { validateConfig } from '../../../core/domain/config/parse.ts';
import { seedPlanIndex, seedPlanIndexKey, seedShardDocument } from '../../../core/domain/copy/seed-plan.ts';
import type { PartitionRef } from '../../../core/ports.ts';
import {
  createBucket,
  createTopics,
  kafka,
  STACK_ENV,
  stackConfig,
  tempDir,
  writeConfig,
} from '../fixtures.ts';
import { FreezeService } from '../freeze-service.ts';
import { uniqueName } from '../stack.ts';

let dir: string;
let segments: string;
let evidence: string;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: STACK_ENV.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: STACK_ENV.AWS_SECRET_ACCESS_KEY,
    AWS_REGION: STACK_ENV.AWS_REGION,
  });
  dir = await tempDir();
  [segments, evidence] = await Promise.all([createBucket(), createBucket({ objectLock: true })]);
  freezer = await FreezeService.start('sync');
});

afterAll(() => freezer.close());

let freezer: FreezeService;

function config(prefix: string, overrides: Record<string, unknown> = {}) {
  return stackConfig({
    topics: { include: [`${prefix}\\..*`] },
    storage: { segments: `s3://${segments}/seeds`, evidence: `s3://${evidence}/ev` },
    cutover: {
      auto_approve: true,
      drain_stable_window: '1s',
      drain_timeout: '5m',
      producer_freeze_webhook: freezer.url,
    },
    ...overrides,
  });
}

/** `count` records of `valueBytes` each, round-robin over the partitions. */
async function produceRecords(topic: string, partitions: number, count: number, valueBytes: number) {
  const producer = kafka('source').producer();
  await producer.connect();
  try {
    for (let start = 0; start < count; start += 2_000) {
      await producer.send({
        topic,
        messages: Array.from({ length: Math.min(2_000, count - start) }, (_, j) => {
          const i = start + j;
          return { key: `k${i}`, value: `${i}-`.padEnd(valueBytes, 'v'), partition: i % partitions };
        }),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/**
 * Runs `execute` in this process; `onLine` sees every line of its output as it is written (the
 * timeline with the copier containers' pids and lines).
 */
async function execute(path: string, journalDir: string, onLine: (line: string) => void = () => {}) {
  let stdout = '';
  let stderr = '';
  // The whole migration: the freeze webhook answers 200, and the client switch is confirmed as
  // soon as READY_FOR_CLIENT_SWITCH is reached (what `kraft-migrate cutover-ack` does).
  let done = false;
  const acker = (async () => {
    while (!done) {
      const pending = await listPending(`${journalDir}-runner`).catch(() => []);
      if (pending.some((t) => t.gate === 'cutover-ack')) {
        await answerGate(`${journalDir}-runner`, 'cutover-ack', {
          acked_by: 'execute-scale.test',
          acked_at: new Date().toISOString(),
        });
        return;
      }
      await sleep(250);
    }
  })();
  const code = await run(
    ['execute', '--config', path, '--journal-dir', journalDir, '--state-dir', `${journalDir}-runner`],
    {
      out: (t) => {
        stdout += t.endsWith('\n') ? t : `${t}\n`;
        for (const line of t.split('\n')) if (line) onLine(line);
      },
      err: (t) => {
        stderr += t.endsWith('\n') ? t : `${t}\n`;
      },
      env: { ...STACK_ENV, KRAFT_MIGRATE_VERBOSE: '1' },
      stdoutIsTTY: false,
      stdinIsTTY: false,
    },
  );
  done = true;
  await acker;
  return { code, stdout, stderr };
}

async function expectCopied(doc: Record<string, unknown>, refs: PartitionRef[], perPartition: bigint) {
  const adapters = createAdapters(validateConfig(doc, {}), { env: STACK_ENV });
  const [source, target] = await Promise.all([
    adapters.recordReader('source'),
    adapters.recordReader('target'),
  ]);
  try {
    const cmp = await comparePartitions(source, target, refs);
    expect(cmp.map((c) => [`${c.topic}/${c.partition}`, c.sourceRecords, c.targetRecords, c.equal])).toEqual(
      // + the one sentinel per partition the cutover wrote to the source (and copied)
      refs.map((r) => [`${r.topic}/${r.partition}`, perPartition + 1n, perPartition + 1n, true]),
    );
  } finally {
    await Promise.all([source.close(), target.close()]);
  }
}

const refsOf = (topics: readonly string[], partitions: number): PartitionRef[] =>
  topics.flatMap((topic) => Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));

describe('execute --runner local at fan-out', () => {
  it('runs the Seed Map over the shard ids of the plan in S3, one copier per shard (seed.copiers: 2)', {
    timeout: 240_000,
  }, async () => {
    const p = uniqueName('fanout');
    const topics = [`${p}.a`, `${p}.b`];
    await createTopics(
      'source',
      topics.map((name) => ({ name, partitions: 3, configs: { 'retention.ms': '-1' } })),
    );
    for (const t of topics) await produceRecords(t, 3, 60, 100);
    const journalDir = join(dir, p);
    const doc = config(p, { seed: { copiers: 2 } });
    const path = await writeConfig(dir, doc);

    const result = await execute(path, journalDir);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('workflow SUCCEEDED');
    // two iterations, two seed containers, no partition list in any override
    expect(result.stdout.match(/SeedShard container started/g)).toHaveLength(2);
    expect(result.stdout).not.toContain('KRAFT_MIGRATE_PARTITIONS');
    // the first test of this file's bucket: the one plan in it
    const store = createAdapters(validateConfig(doc, {}), { env: STACK_ENV }).objectStore('segments');
    const keys = (await store.list('')).map((h) => h.key);
    const indexKeys = keys.filter((k) => k.endsWith('/plan/index.json'));
    expect(indexKeys).toHaveLength(1);
    const indexKey = indexKeys[0]!;
    const migrationId = indexKey.slice(0, -'/plan/index.json'.length);
    expect(indexKey).toBe(seedPlanIndexKey(migrationId));
    const read = async (key: string) => JSON.parse(new TextDecoder().decode((await store.get(key))!));
    const index = seedPlanIndex.parse(await read(indexKey));
    expect(index.shards.map((s) => [s.shard_id, s.partitions])).toEqual([
      ['0', 3],
      ['1', 3],
    ]);
    const planned = (
      await Promise.all(index.shards.map(async (s) => seedShardDocument.parse(await read(s.key)).partitions))
    )
      .flat()
      .map((x) => `${x.topic}/${x.partition}`)
      .sort();
    expect(planned).toEqual(refsOf(topics, 3).map((r) => `${r.topic}/${r.partition}`));
    // each shard's copier published its own status document
    expect(keys.filter((k) => k.startsWith(`${migrationId}/status/seed-`)).sort()).toEqual([
      `${migrationId}/status/seed-0.json`,
      `${migrationId}/status/seed-1.json`,
    ]);
    await expectCopied(doc, refsOf(topics, 3), 20n);
  });

  it('retries a seed copier SIGKILLed mid-seed: the execution succeeds, every record copied once', {
    timeout: 300_000,
  }, async () => {
    const p = uniqueName('seedkill');
    const topic = `${p}.big`;
    const PARTITIONS = 4;
    const RECORDS = 16_000;
    await createTopics('source', [
      { name: topic, partitions: PARTITIONS, configs: { 'retention.ms': '-1' } },
    ]);
    await produceRecords(topic, PARTITIONS, RECORDS, 1_000);
    const journalDir = join(dir, p);
    const doc = config(p, {
      seed: { copiers: 1, max_concurrent_partitions: 2, segment_max_bytes: 1_048_576 },
    });
    const path = await writeConfig(dir, doc);

    let killed: { pid: number; at: string } | undefined;
    let pid: number | undefined;
    const result = await execute(path, journalDir, (line) => {
      const started = /SeedShard container started \(pid (\d+),/.exec(line);
      if (started && pid === undefined) pid = Number(started[1]);
      // the first copier is killed once it has staged data: mid-seed, checkpoints behind it
      if (pid !== undefined && killed === undefined && /"event":"segment_staged"/.test(line)) {
        killed = { pid, at: line };
        // at once: on an idle machine the whole seed takes ~0.3 s, a delay let it finish first
        process.kill(pid, 'SIGKILL');
      }
    });

    expect(killed, 'the seed copier was killed mid-seed').toBeDefined();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/SeedShard container \w+ exited with code 137/);
    expect(result.stdout).toContain('SeedShard[0] retry #1 (States.TaskFailed)');
    expect(result.stdout.match(/SeedShard container started/g)).toHaveLength(2);
    expect(result.stdout).toContain('workflow SUCCEEDED');
    await expectCopied(doc, refsOf([topic], PARTITIONS), BigInt(RECORDS / PARTITIONS));
  });

  it('restarts a tail SIGKILLed during the drain: StopTail, RestartTail, the records produced meanwhile copied', {
    timeout: 300_000,
  }, async () => {
    const p = uniqueName('tailkill');
    const topic = `${p}.t`;
    await createTopics('source', [{ name: topic, partitions: 2, configs: { 'retention.ms': '-1' } }]);
    await produceRecords(topic, 2, 200, 100);
    const journalDir = join(dir, p);
    // a stable window longer than the 30 s after which a silent tail counts as gone
    const doc = config(p, {
      cutover: {
        auto_approve: true,
        drain_stable_window: '60s',
        drain_timeout: '5m',
        producer_freeze_webhook: freezer.url,
      },
    });
    const path = await writeConfig(dir, doc);

    let killed = false;
    let produced: Promise<void> | undefined;
    const result = await execute(path, journalDir, (line) => {
      const started = /StartTail container started \(pid (\d+),/.exec(line);
      if (started && !killed) {
        killed = true;
        const pid = Number(started[1]);
        // killed once it runs; 200 more records arrive while no tail runs
        produced = sleep(2_000).then(async () => {
          process.kill(pid, 'SIGKILL');
          await produceRecords(topic, 2, 200, 100);
        });
      }
    });
    await produced;

    expect(killed).toBe(true);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/StartTail container \w+ exited with code 137/);
    // the restart is in the execution history: CheckDrain's output, then StopTail and RestartTail
    const history = await readFile(/execution history: (\S+)/.exec(result.stdout)![1]!, 'utf8');
    expect(history).toMatch(/the tail copier is gone \(no status [^)]*\): restarting it \(restart 1 of 2\)/);
    expect(result.stdout).toMatch(/StopTail entered/);
    expect(result.stdout).toMatch(/RestartTail container started/);
    expect(result.stdout).toContain('workflow SUCCEEDED');
    await expectCopied(doc, refsOf([topic], 2), 200n);
  });
});
