/**
 * Exactness under crashes (SPEC §6.2 "kill -9 at any instant", §10): the copier child process is
 * killed with SIGKILL at random moments — during the seed and during the tail, while producers keep
 * writing to the source (plain records and transactions with commits and aborts) — and restarted
 * each time. At the end every target partition must hold exactly its source's records (read
 * read_committed) in the same order: equal digests, zero duplicates, zero losses; the checkpoint's
 * offset map must translate source offsets to the target records they were copied to; and the
 * staged segments must hold exactly the seed's records.
 *
 * The kill moments come from a seeded PRNG; the seed is printed (set CRASH_SEED to replay one).
 */

import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { partitionDigest, recordDigest, targetOf } from '../../../core/domain/copy/index.ts';
import { type PartitionRef, partitionKey, type RecordToWrite } from '../../../core/ports.ts';
import { uniqueName } from '../stack.ts';
import {
  compare,
  copierEnv,
  createTopics,
  kafka,
  loadCheckpointOf,
  type Migration,
  newMigration,
  readPartition,
  runCopierProcess as runToEnd,
  stagedRecords,
  startCopier,
  type TopicSpec,
  useDataPath,
  waitForCaughtUp,
} from './helpers.ts';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const PARTITIONS = 4;
const RECORDS_PER_PARTITION = 20_000;
const VALUE_BYTES = 1000;
const MIN_KILLS = 10;
const MIN_SEED_KILLS = 3;
const MIN_TAIL_KILLS = 4;

/** mulberry32: deterministic from its seed. */
function prng(seed: number): { int(min: number, max: number): number; chance(p: number): boolean } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { int: (min, max) => min + Math.floor(next() * (max - min + 1)), chance: (p) => next() < p };
}

const T0 = Date.now();
const log = (text: string) => console.log(`[${((Date.now() - T0) / 1000).toFixed(1)}s] ${text}`);
const SEED = Number(process.env['CRASH_SEED'] ?? Date.now() % 1_000_000_007);
const rng = prng(SEED);
const filler = randomBytes(VALUE_BYTES);

/** A unique, recognisable value: `<partition>:<sequence>:` then filler bytes up to VALUE_BYTES. */
function value(partition: number, seq: number): Buffer {
  const id = Buffer.from(`${partition}:${seq}:`);
  return Buffer.concat([id, filler.subarray(0, VALUE_BYTES - id.length)]);
}

function records(partition: number, from: number, count: number): RecordToWrite[] {
  return Array.from({ length: count }, (_, i) => ({
    timestamp: BigInt(Date.now()),
    key: Buffer.from(`key-${(from + i) % 1000}`),
    value: value(partition, from + i),
    headers: [[Buffer.from('seq'), Buffer.from(String(from + i))]],
  }));
}

const dp = useDataPath();

/** Background producers for the tail phase: plain records on every partition, transactions on `tx`. */
function startProducers(topic: string, txTopic: string, next: number[]) {
  let running = true;
  const plainLoop = (async () => {
    while (running) {
      await Promise.all(
        next.map(async (seq, p) => {
          const n = rng.int(5, 40);
          await dp.sourceWriter.write({ topic, partition: p }, records(p, seq, n));
          next[p] = seq + n;
        }),
      );
      await sleep(rng.int(5, 30));
    }
  })();
  const txLoop = (async () => {
    const producer = kafka('source').producer({
      transactionalId: uniqueName('crash-tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      for (let round = 0; running; round++) {
        const tx = await producer.transaction();
        const commit = rng.chance(0.7);
        await tx.send({
          topic: txTopic,
          messages: Array.from({ length: rng.int(1, 8) }, (_, i) => ({
            key: `r${round}`,
            value: `tail-${commit ? 'committed' : 'aborted'}-${round}-${i}`,
          })),
        });
        if (commit) await tx.commit();
        else await tx.abort();
        await sleep(rng.int(5, 40));
      }
    } finally {
      await producer.disconnect();
    }
  })();
  return async () => {
    running = false;
    await Promise.all([plainLoop, txLoop]);
  };
}

async function seedTransactions(txTopic: string): Promise<void> {
  const producer = kafka('source').producer({
    transactionalId: uniqueName('crash-seed-tx'),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    for (let round = 0; round < 150; round++) {
      const tx = await producer.transaction();
      const commit = round % 4 !== 3;
      await tx.send({
        topic: txTopic,
        messages: Array.from({ length: 10 }, (_, i) => ({
          key: `s${round}`,
          value: `seed-${commit ? 'committed' : 'aborted'}-${round}-${i}`,
        })),
      });
      if (commit) await tx.commit();
      else await tx.abort();
    }
  } finally {
    await producer.disconnect();
  }
}

interface KillLog {
  readonly phase: 'seed' | 'tail';
  readonly afterMs: number;
  /** What the killed process was doing: its last log event. */
  readonly lastEvent: string;
}

/** Records found on the target after a kill and adopted without writing (from `reconciled` events). */
let adoptedAfterKills = 0n;

/**
 * Runs the copier, killing it after a random delay each time (or earlier, once `killOn(run)` names an
 * event that appeared), until it exits by itself or `more(kills)` says stop.
 */
async function killLoop(
  env: NodeJS.ProcessEnv,
  phase: 'seed' | 'tail',
  delay: (run: number) => number,
  more: (kills: number) => boolean,
  kills: KillLog[],
  killOn: (run: number) => string | undefined = () => undefined,
): Promise<'exited' | 'done'> {
  for (let k = 0; more(k); k++) {
    const c = startCopier(env);
    const started = Date.now();
    const event = killOn(k);
    const trigger = event === undefined ? [] : [c.seen(event).then(() => sleep(rng.int(0, 50)))];
    const outcome = await Promise.race([c.exited, sleep(delay(k)).then(() => undefined), ...trigger]);
    if (outcome !== undefined) {
      countAdopted(c.events);
      if (outcome.code !== 0) {
        throw new Error(
          `${phase} copier failed (exit ${outcome.code}) after ${kills.length} kills:\n${outcome.stderr}`,
        );
      }
      return 'exited';
    }
    const afterMs = Date.now() - started;
    c.child.kill('SIGKILL');
    await c.exited;
    const last = c.events.filter((e) => e['event'] !== 'status').at(-1);
    kills.push({ phase, afterMs, lastEvent: String(last?.['event'] ?? 'none') });
    log(`SIGKILL #${kills.length} (${phase}) after ${afterMs} ms; last event: ${kills.at(-1)!.lastEvent}`);
    countAdopted(c.events);
  }
  return 'done';
}

function countAdopted(events: readonly Record<string, unknown>[]): void {
  for (const e of events)
    if (e['event'] === 'reconciled') adoptedAfterKills += BigInt(String(e['already_written']));
}

async function assertExactCopy(
  m: Migration,
  refs: readonly PartitionRef[],
): Promise<Record<string, unknown>[]> {
  const summary: Record<string, unknown>[] = [];
  for (const ref of refs) {
    const cp = await loadCheckpointOf(m, ref);
    const source = await readPartition(dp.sourceReader, ref);
    const target = await readPartition(dp.targetReader, ref);
    const values = (rs: typeof source) => rs.map((r) => Buffer.from(r.value!).toString('latin1'));
    const targetValues = values(target);
    const onTarget = new Set(targetValues);
    const duplicates = targetValues.length - onTarget.size;
    const losses = values(source).filter((v) => !onTarget.has(v)).length;
    const c = compare(source, target, cp);
    summary.push({
      partition: partitionKey(ref),
      source: source.length,
      target: target.length,
      duplicates,
      losses,
      map_mismatches: c.mapMismatches,
    });
    expect(duplicates, partitionKey(ref)).toBe(0);
    expect(losses, partitionKey(ref)).toBe(0);
    expect(c.target, partitionKey(ref)).toEqual(c.source);
    expect(c.mapMismatches, partitionKey(ref)).toBe(0);
    const end = (await dp.targetReader.offsets([ref])).get(partitionKey(ref))!.highWatermark;
    expect(cp.nextTargetOffset).toBe(end);
    expect(cp.recordsCopied).toBe(BigInt(target.length));

    // Spot checks through the persisted map, reading each side on its own.
    for (let i = 0; i < 25; i++) {
      const s = source[rng.int(0, source.length - 1)]!;
      const t = targetOf(cp.offsetMap, s.offset);
      expect(t, `${partitionKey(ref)} source ${s.offset}`).toBeDefined();
      const f = await dp.targetReader.fetch(ref, t!, { maxBytes: 64 * 1024, maxWaitMs: 0 });
      const onTarget = f.records.find((r) => r.offset === t);
      expect(onTarget && recordDigest(onTarget)).toBe(recordDigest(s));
    }
    // The staged segments hold exactly the seed's records.
    const staged = await stagedRecords(m, cp);
    const seeded = source.filter((r) => r.offset < cp.boundary);
    expect(partitionDigest(staged)).toEqual(partitionDigest(seeded));
  }
  return summary;
}

describe('copier under SIGKILL at random moments', () => {
  it('copies every record exactly once through kills during the seed and the tail', async () => {
    console.log(`crash test PRNG seed: ${SEED} (replay with CRASH_SEED=${SEED})`);
    // Arrange: 4 × 20k records of ~1 KiB, and a transactional partition with commits and aborts.
    const topic = uniqueName('crash');
    const txTopic = uniqueName('crash-tx');
    const specs: TopicSpec[] = [
      { name: topic, partitions: PARTITIONS, configs: { 'retention.ms': '-1' } },
      { name: txTopic, partitions: 1, configs: { 'retention.ms': '-1' } },
    ];
    await createTopics('source', specs);
    await createTopics('target', specs);
    const next = Array.from({ length: PARTITIONS }, () => RECORDS_PER_PARTITION);
    await Promise.all(
      next.map(async (_, p) => {
        for (let i = 0; i < RECORDS_PER_PARTITION; i += 2000) {
          await dp.sourceWriter.write({ topic, partition: p }, records(p, i, 2000));
        }
      }),
    );
    log(`produced ${PARTITIONS} × ${RECORDS_PER_PARTITION} records`);
    await seedTransactions(txTopic);
    log('produced the transactions');
    const refs: PartitionRef[] = [
      ...Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })),
      { topic: txTopic, partition: 0 },
    ];
    const m = await newMigration(uniqueName('crash-mig'), {
      max_concurrent_partitions: 2,
      segment_max_bytes: 4_194_304,
    });
    const kills: KillLog[] = [];

    // Act 1: seed, killed at random moments until it completes on its own.
    const seedEnv = copierEnv(m, 'seed', refs);
    // The first runs are killed at the latest just after one of their partitions completed its seed, so
    // at least that many kills land while the seed is still running, however fast the machine is.
    const seedOutcome = await killLoop(
      seedEnv,
      'seed',
      (run) => (run < MIN_SEED_KILLS ? rng.int(300, 2500) : rng.int(200, 4000)),
      (k) => k < 8,
      kills,
      (run) => (run < MIN_SEED_KILLS ? 'seed_complete' : undefined),
    );
    if (seedOutcome === 'done') {
      const last = await runToEnd(seedEnv);
      expect(last.code, last.stderr).toBe(0);
    }
    const seedKills = kills.length;

    // Act 2: tail with producers running, killed until there were enough kills in total.
    log('seed complete; tail with producers');
    const stopProducers = startProducers(topic, txTopic, next);
    const tailEnv = copierEnv(m, 'tail', undefined);
    try {
      await killLoop(
        tailEnv,
        'tail',
        () => rng.int(200, 4000),
        (k) => k < MIN_TAIL_KILLS || seedKills + k < MIN_KILLS,
        kills,
        (run) => (run === 0 ? 'progress' : undefined), // the first one surely while writing
      );
    } catch (e) {
      await stopProducers();
      throw e;
    }
    const since = new Date();
    const finalTail = startCopier(tailEnv);
    void finalTail.exited.then(() => countAdopted(finalTail.events));
    await sleep(rng.int(500, 1500));
    await stopProducers();
    const ends = new Map(
      [...(await dp.sourceReader.offsets(refs))].map(([k, o]) => [k, o.highWatermark] as const),
    );
    log('producers stopped; waiting for lag 0');
    const status = await waitForCaughtUp(m, ends, 60_000, since);
    finalTail.child.kill('SIGTERM');
    const exit = await finalTail.exited;

    log(`tail stopped (exit ${exit.code})`);
    // Assert
    console.log(
      `crash test: seed ${SEED}, ${kills.length} SIGKILLs (${seedKills} during the seed, ${kills.length - seedKills} during the tail) at ms ${kills.map((k) => k.afterMs).join(',')}; ${adoptedAfterKills} record(s) found written after the last checkpoint and adopted`,
    );
    expect(seedKills).toBeGreaterThanOrEqual(MIN_SEED_KILLS);
    expect(kills.length).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(exit.code).toBe(0);
    expect(status.totals.lag).toBe('0');
    const summary = await assertExactCopy(m, refs);
    console.log(`crash test result: ${JSON.stringify(summary)}`);
  }, 180_000);
});
