/**
 * The wide tail's MultiPartitionFetcher (core/adapters/kafka/reader.ts) with a scripted `send` in
 * place of the broker: which partitions each Fetch request carries, and when a caller gets its answer.
 * The real broker path is test/it/copier/wide-tail.test.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Broker } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { MultiPartitionFetcher } from '../../../core/adapters/kafka/reader.ts';

type Answer = { records: boolean; highWatermark: bigint };

/** A broker that answers each partition from `script(partition, call)`, after `delayMs`. */
function scriptedBroker(script: (partition: number, call: number) => Answer, delayMs = 5) {
  const requests: number[][] = [];
  const calls = new Map<number, number>();
  const send = async (_node: number, _broker: Broker, _version: number, _raw: boolean, args: unknown[]) => {
    const topics = args[6] as { topicId: string; partitions: { partition: number }[] }[];
    const partitions = topics.flatMap((t) => t.partitions.map((p) => p.partition));
    requests.push(partitions);
    await sleep(delayMs);
    return {
      responses: topics.map((t) => ({
        topicId: t.topicId,
        partitions: t.partitions.map(({ partition }) => {
          const call = (calls.get(partition) ?? 0) + 1;
          calls.set(partition, call);
          const a = script(partition, call);
          return {
            partitionIndex: partition,
            errorCode: 0,
            highWatermark: a.highWatermark,
            lastStableOffset: a.highWatermark,
            logStartOffset: 0n,
            abortedTransactions: null,
            rawRecords: a.records ? new Uint8Array([1, 2, 3]) : new Uint8Array(0),
          };
        }),
      })),
    };
  };
  return { send, requests };
}

const BROKER = { host: '127.0.0.1', port: 9092 } as Broker;
const wish = (partition: number) => ({ topicId: 't', partition, offset: 0n, maxBytes: 1024, maxWaitMs: 5 });

function fetcher(idleHoldMs: number | undefined, send: ReturnType<typeof scriptedBroker>['send']) {
  return new MultiPartitionFetcher(
    { maxRequestBytes: 1 << 20, bufferBytes: 1 << 20, ...(idleHoldMs === undefined ? {} : { idleHoldMs }) },
    2,
    'read_uncommitted',
    send as never,
  );
}

describe('MultiPartitionFetcher', () => {
  it('asks the partitions of one turn in one request, and hands every answer back without idleHoldMs', async () => {
    const broker = scriptedBroker(() => ({ records: false, highWatermark: 0n }));
    const f = fetcher(undefined, broker.send);

    const answers = await Promise.all([0, 1, 2].map((p) => f.fetch(1, BROKER, 13, true, wish(p))));

    expect(broker.requests).toEqual([[0, 1, 2]]);
    expect(answers.map((a) => a.rawRecords?.byteLength)).toEqual([0, 0, 0]);
  });

  it('with idleHoldMs asks an idle partition again rather than answering, and answers records at once', async () => {
    // Partition 1 gets records at its 3rd ask; partition 0 stays idle.
    const broker = scriptedBroker((p, call) => ({
      records: p === 1 && call >= 3,
      highWatermark: BigInt(call),
    }));
    const f = fetcher(200, broker.send);
    const started = performance.now();

    const busy = await f
      .fetch(1, BROKER, 13, true, wish(1))
      .then((a) => ({ a, ms: performance.now() - started }));
    const idle = f.fetch(1, BROKER, 13, true, wish(0));
    const idleAnswer = await idle;
    const idleMs = performance.now() - started;

    expect(busy.a.rawRecords?.byteLength).toBe(3);
    expect(busy.ms).toBeLessThan(150); // the 3rd request, not the end of the hold
    expect(broker.requests.slice(0, 3).map((r) => r.includes(1))).toEqual([true, true, true]);
    // The idle partition is answered once its fetch is idleHoldMs old, empty, with the newest high watermark.
    expect(idleMs).toBeGreaterThanOrEqual(195);
    expect(idleAnswer.rawRecords?.byteLength).toBe(0);
    expect(idleAnswer.highWatermark).toBe(BigInt(broker.requests.filter((r) => r.includes(0)).length));
    expect(broker.requests.filter((r) => r.includes(0)).length).toBeGreaterThan(3);
  });
});
