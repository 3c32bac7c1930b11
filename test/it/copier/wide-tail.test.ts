/**
 * The wide tail (issue 12 item 3) on the real stack: one tail copier (`node fargate-copier/main.ts`)
 * follows 200 partitions in two topics with multi-partition Fetch requests while the source keeps
 * receiving records on every partition. Every partition is then read fully on both sides: each
 * source record on the target once, in order (digest), through the checkpoint's offset map — and,
 * with SIGKILLs of the tail while it copies and restarts, still no record twice and none skipped.
 * The copier's `resources` log line shows how many partitions its Fetch requests carried.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { mapWithConcurrency } from '../../../core/domain/concurrency.ts';
import { type PartitionRef, partitionKey, type RecordToWrite } from '../../../core/ports.ts';
import { uniqueName } from '../stack.ts';
import {
  compare,
  copierEnv,
  createTopics,
  loadCheckpointOf,
  type Migration,
  newMigration,
  type RunningCopier,
  readPartition,
  readStatus,
  runCopierProcess,
  startCopier,
  useDataPath,
  waitForCaughtUp,
} from './helpers.ts';

const TOPICS = [150, 50] as const; // 200 partitions, two topics in one Fetch request
const SEED_RECORDS = 5;

const dp = useDataPath();

/** Records `<partition key>:<seq>` (unique per partition, so a duplicate or a loss is seen by value). */
function records(ref: PartitionRef, from: number, count: number): RecordToWrite[] {
  return Array.from({ length: count }, (_, i) => ({
    timestamp: BigInt(Date.now()),
    key: Buffer.from(`k${(from + i) % 7}`),
    value: Buffer.from(`${partitionKey(ref)}:${from + i}`),
    headers: [],
  }));
}

/** Two topics (200 partitions) on both clusters, a few records each, seeded by one seed copier. */
async function seededMigration(): Promise<{ m: Migration; refs: PartitionRef[]; next: number[] }> {
  const names = TOPICS.map(() => uniqueName('wide'));
  const specs = names.map((name, i) => ({ name, partitions: TOPICS[i]!, configs: { 'retention.ms': '-1' } }));
  await createTopics('source', specs);
  await createTopics('target', specs);
  const refs = specs.flatMap((s) =>
    Array.from({ length: s.partitions }, (_, partition) => ({ topic: s.name, partition })),
  );
  await mapWithConcurrency(refs, 16, (ref) => dp.sourceWriter.write(ref, records(ref, 0, SEED_RECORDS)));
  const m = await newMigration(uniqueName('wide-mig'), { max_concurrent_partitions: 4 });
  const seed = await runCopierProcess(copierEnv(m, 'seed', refs), 120_000);
  expect(seed.stderr).toBe('');
  expect(seed.code).toBe(0);
  return { m, refs, next: refs.map(() => SEED_RECORDS) };
}

/** Keeps writing 1–3 records to a random half of the partitions every ~50 ms until stopped. */
function startProducers(refs: readonly PartitionRef[], next: number[]): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      const chosen = refs.map((_, i) => i).filter(() => Math.random() < 0.5);
      await mapWithConcurrency(chosen, 16, async (i) => {
        const n = 1 + Math.floor(Math.random() * 3);
        await dp.sourceWriter.write(refs[i]!, records(refs[i]!, next[i]!, n));
        next[i] = next[i]! + n;
      });
      await sleep(50);
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

async function sourceEnds(refs: readonly PartitionRef[]): Promise<Map<string, bigint>> {
  return new Map([...(await dp.sourceReader.offsets(refs))].map(([k, o]) => [k, o.highWatermark] as const));
}

/** Every partition: the source's records on the target once each, in order, mapped by the checkpoint. */
async function assertExact(
  m: Migration,
  refs: readonly PartitionRef[],
  next: readonly number[],
): Promise<void> {
  const problems: string[] = [];
  await mapWithConcurrency(refs, 8, async (ref, i) => {
    const key = partitionKey(ref);
    const cp = await loadCheckpointOf(m, ref);
    const source = await readPartition(dp.sourceReader, ref);
    const target = await readPartition(dp.targetReader, ref);
    const values = target.map((r) => Buffer.from(r.value!).toString('utf8'));
    const distinct = new Set(values);
    const missing = source.filter((r) => !distinct.has(Buffer.from(r.value!).toString('utf8'))).length;
    const c = compare(source, target, cp);
    if (source.length !== next[i])
      problems.push(`${key}: source holds ${source.length}, produced ${next[i]}`);
    if (values.length !== distinct.size)
      problems.push(`${key}: ${values.length - distinct.size} duplicate(s)`);
    if (missing > 0) problems.push(`${key}: ${missing} record(s) skipped`);
    if (c.target.digest !== c.source.digest || c.target.count !== c.source.count)
      problems.push(`${key}: target ${c.target.count} records differ from source ${c.source.count}`);
    if (c.mapMismatches > 0) problems.push(`${key}: ${c.mapMismatches} offset map mismatch(es)`);
    if (cp.recordsCopied !== BigInt(target.length))
      problems.push(`${key}: checkpoint counts ${cp.recordsCopied}, target holds ${target.length}`);
  });
  expect(problems).toEqual([]);
}

/** The last `resources` line of a copier's log: mean partitions per Fetch request. */
function partitionsPerFetch(c: RunningCopier): number {
  const r = c.events.filter((e) => e['event'] === 'resources').at(-1);
  expect(r, 'a resources log line').toBeDefined();
  return Number(r!['fetch_partitions']) / Number(r!['fetch_requests']);
}

describe('the wide tail (200 partitions, child processes, real stack)', () => {
  it('copies every record of every partition exactly once with multi-partition fetches', async () => {
    const { m, refs, next } = await seededMigration();

    const tail = startCopier(copierEnv(m, 'tail', undefined));
    const stopProducers = startProducers(refs, next);
    await sleep(4000);
    await stopProducers();
    const caughtUp = await waitForCaughtUp(m, await sourceEnds(refs), 90_000);
    tail.child.kill('SIGTERM');
    const exit = await tail.exited;

    expect(exit.stderr).toBe('');
    expect(exit.code).toBe(0);
    expect(caughtUp.partitions).toHaveLength(refs.length);
    expect(caughtUp.totals.lag).toBe('0');
    // One request per partition would be 1; a broker's fetches of one moment share a request.
    expect(partitionsPerFetch(tail)).toBeGreaterThan(10);
    expect(next.reduce((a, b) => a + b, 0)).toBeGreaterThan(refs.length * SEED_RECORDS);
    await assertExact(m, refs, next);
  }, 240_000);

  it('resumes exactly after SIGKILLs of the wide tail while it copies', async () => {
    const { m, refs, next } = await seededMigration();
    const env = copierEnv(m, 'tail', undefined);
    const stopProducers = startProducers(refs, next);
    let kills = 0;
    try {
      for (; kills < 3; kills++) {
        const c = startCopier(env);
        // Killed while writing: after its first progress event, at a random moment of the next 0.5 s.
        const outcome = await Promise.race([
          c.exited,
          c.seen('progress').then(() => sleep(Math.random() * 500)),
        ]);
        if (outcome !== undefined)
          throw new Error(`the tail exited by itself (${outcome.code}): ${outcome.stderr}`);
        c.child.kill('SIGKILL');
        await c.exited;
      }
    } catch (e) {
      await stopProducers();
      throw e;
    }
    const since = new Date();
    const last = startCopier(env);
    await sleep(1500);
    await stopProducers();
    const caughtUp = await waitForCaughtUp(m, await sourceEnds(refs), 90_000, since);
    last.child.kill('SIGTERM');
    const exit = await last.exited;

    expect(kills).toBe(3);
    expect(exit.stderr).toBe('');
    expect(exit.code).toBe(0);
    expect(caughtUp.partitions).toHaveLength(refs.length);
    expect((await readStatus(m, 'tail'))?.state).toBe('stopped');
    await assertExact(m, refs, next);
  }, 300_000);
});
