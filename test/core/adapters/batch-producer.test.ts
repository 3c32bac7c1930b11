/**
 * settleProduce: what one pipelined produce call of the batch producer reports, from the settled
 * requests of its batches. The broker answers are platformatic's own ProtocolError and network
 * errors; a real broker does not time out on demand, so the uncertain cases are built here. Also
 * StickyLanes, which spreads partitions over the producers and connection pools, and
 * NegotiatedVersion, the API version both sides speak (brokers answering ApiVersions are stubbed).
 */
import { type Consumer, NetworkError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { BatchRejectedError, settleProduce } from '../../../core/adapters/kafka/batch-producer.ts';
import { NegotiatedVersion, StickyLanes } from '../../../core/adapters/kafka/data-client.ts';
import { kafkaProtocolError } from '../../../core/adapters/kafka/errors.ts';
import { InvariantError, type PreconditionError, TransientError } from '../../../core/domain/errors.ts';
import type { RawBatch } from '../../../core/ports.ts';
import { thrown } from '../domain/copy/helpers.ts';

const REF = { topic: 'orders', partition: 3 };
/** Three batches of 10 records from source offset 100. */
const BATCHES: RawBatch[] = [100n, 110n, 120n].map((baseOffset) => ({
  baseOffset,
  count: 10,
  bytes: new Uint8Array(0),
}));
const landed = (value: bigint): PromiseSettledResult<bigint> => ({ status: 'fulfilled', value });
const failed = (reason: unknown): PromiseSettledResult<bigint> => ({ status: 'rejected', reason });
const CORRUPT_MESSAGE = 2;
const REQUEST_TIMED_OUT = 7;

describe('settleProduce', () => {
  it('gives the first target offset when every batch landed consecutively', () => {
    expect(settleProduce(REF, BATCHES, [landed(500n), landed(510n), landed(520n)])).toBe(500n);
  });

  it('names the first failed batch when none after it landed', () => {
    const error = thrown(() =>
      settleProduce(REF, BATCHES, [
        landed(500n),
        failed(kafkaProtocolError(CORRUPT_MESSAGE, 'x')),
        failed(new Error('y')),
      ]),
    );

    expect(error).toBeInstanceOf(BatchRejectedError);
    expect((error as BatchRejectedError).index).toBe(1);
  });

  it('reports a hole when a batch the broker refused is followed by one that landed', () => {
    const error = thrown(() =>
      settleProduce(REF, BATCHES, [
        landed(500n),
        failed(kafkaProtocolError(CORRUPT_MESSAGE, 'x')),
        landed(510n),
      ]),
    );

    expect(error).toBeInstanceOf(InvariantError);
    expect((error as InvariantError).code).toBe('TARGET_HOLE');
  });

  it('reconciles instead when the failure may have landed: a broker timeout or a lost connection', () => {
    for (const reason of [
      kafkaProtocolError(REQUEST_TIMED_OUT, 'Produce of 10 record(s) from source offset 110'),
      new NetworkError('Connection closed'),
    ]) {
      const error = thrown(() => settleProduce(REF, BATCHES, [landed(500n), failed(reason), landed(520n)]));

      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).code).toBe('KAFKA_PRODUCE_OUTCOME_UNKNOWN');
      expect((error as TransientError).message).toContain(
        'orders/3: the batch from source offset 110 failed without a sure outcome',
      );
    }
  });

  it('refuses answers that are not consecutive (another writer on the partition)', () => {
    const error = thrown(() => settleProduce(REF, BATCHES, [landed(500n), landed(515n), landed(525n)]));

    expect((error as InvariantError).code).toBe('KAFKA_TARGET_NOT_CONSECUTIVE');
  });
});

describe('StickyLanes (producers and connection pools of the data path)', () => {
  it('opens lanes up to the maximum, then puts a new partition on the least loaded; a partition keeps its lane', () => {
    let opened = 0;
    const lanes = new StickyLanes(2, () => ({ id: opened++ }));

    const a = lanes.of('t/0');
    const b = lanes.of('t/1');
    const c = lanes.of('t/2');
    const d = lanes.of('t/3');

    expect([a.id, b.id, c.id, d.id]).toEqual([0, 1, 0, 1]);
    expect(lanes.of('t/0')).toBe(a);
    expect(lanes.of('t/3')).toBe(d);
    expect(lanes.lanes).toHaveLength(2);
    expect(opened).toBe(2);
  });

  it('keeps the partitions of one group (topic) on at most perGroup lanes, balanced, and fills the other lanes with other groups', () => {
    let opened = 0;
    const lanes = new StickyLanes(4, () => ({ id: opened++ }), { perGroup: 2 });

    const wide = Array.from({ length: 6 }, (_, p) => lanes.of(`wide/${p}`, 'wide').id);
    const other = Array.from({ length: 4 }, (_, p) => lanes.of(`other/${p}`, 'other').id);
    const third = Array.from({ length: 3 }, (_, p) => lanes.of(`third/${p}`, 'third').id);

    expect(wide).toEqual([0, 1, 0, 1, 0, 1]);
    expect(other).toEqual([2, 3, 2, 3]);
    // Every lane is open; the third topic's first partition takes the least loaded lane (2, 3 carry
    // two each, 0 and 1 three), its second the least loaded of the others, then it stays on those two.
    expect(new Set(third).size).toBe(2);
    expect(third.slice(0, 2).sort()).toEqual([2, 3]);
    expect(lanes.of('wide/0', 'wide').id).toBe(0);
    expect(opened).toBe(4);
  });

  it('never asks for more lanes per group than there are lanes', () => {
    const lanes = new StickyLanes(2, () => ({}), { perGroup: 5 });

    for (let p = 0; p < 6; p++) expect(lanes.of(`t/${p}`, 't')).toBeDefined();
    expect(lanes.lanes).toHaveLength(2);
  });
});

describe('NegotiatedVersion (Fetch and InitProducerId versions of the data path)', () => {
  type Api = { apiKey: number; minVersion: number; maxVersion: number };
  const brokersOffering = (answers: (Api[] | Error)[]) => {
    let asked = 0;
    const client = {
      listApis: async () => {
        const answer = answers[Math.min(asked++, answers.length - 1)]!;
        if (answer instanceof Error) throw answer;
        return answer;
      },
    } as unknown as Consumer;
    return { client, asked: () => asked };
  };
  const FETCH = { key: 1, name: 'Fetch', min: 4, max: 17 };

  it('takes the highest version both sides speak, and asks the brokers once', async () => {
    const { client, asked } = brokersOffering([[{ apiKey: 1, minVersion: 0, maxVersion: 12 }]]);
    const version = new NegotiatedVersion(client, FETCH, 'the brokers b:9092');

    expect([await version.get(), await version.get()]).toEqual([12, 12]);
    expect(asked()).toBe(1);
  });

  it('refuses brokers without a common version, naming the range they offer', async () => {
    const { client } = brokersOffering([[{ apiKey: 1, minVersion: 0, maxVersion: 3 }]]);

    const error = await new NegotiatedVersion(client, FETCH, 'the brokers b:9092')
      .get()
      .catch((e: unknown) => e);

    expect((error as PreconditionError).code).toBe('KAFKA_UNSUPPORTED_VERSION');
    expect((error as PreconditionError).message).toBe(
      'the brokers b:9092 support no Fetch version between 4 and 17 (they offer 0–3)',
    );
  });

  it('asks again after a failed ApiVersions request', async () => {
    const { client, asked } = brokersOffering([
      new Error('connection reset'),
      [{ apiKey: 1, minVersion: 4, maxVersion: 17 }],
    ]);
    const version = new NegotiatedVersion(client, FETCH, 'the brokers b:9092');

    await expect(version.get()).rejects.toThrow('connection reset');
    expect(await version.get()).toBe(17);
    expect(asked()).toBe(2);
  });
});
