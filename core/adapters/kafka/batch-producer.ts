/**
 * Produces source record batches as they are (raw-batches.ts) with an idempotent producer of its own:
 * the writer's `writeBatches`. Per request one batch of one partition (Kafka accepts exactly one
 * batch per partition per Produce request from v3 on), acks=all, Produce v8 (Kafka ≥ 2.4 — every
 * version the data path supports has it).
 *
 * Idempotence: every partition gets its own producer id (InitProducerId without a transactional
 * id), and its batches carry consecutive sequence numbers. The batches of one call are pipelined on
 * one connection (platformatic's Connection keeps up to five requests in flight, in order; the
 * broker handles a connection's requests one after another), so a failed batch makes every later
 * one of the same partition fail with OUT_OF_ORDER_SEQUENCE_NUMBER instead of landing behind a
 * hole. After any failure the partition's producer id is dropped: the caller reconciles with the
 * target's end offset (SPEC §6.2 resume) and the next call starts a fresh producer id at sequence 0,
 * so no state of the failed sequence can matter.
 *
 * Connections: `lanes` pools; a partition sticks to one lane (its order on the wire), partitions
 * are spread over the lanes by count, so partitions of one broker do not wait for each other's
 * acks=all round trips.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Connection,
  ConnectionPool,
  ConnectionStatuses,
  type Consumer,
  initProducerIdV1,
  initProducerIdV2,
  initProducerIdV3,
  initProducerIdV4,
  produceV8,
  Writer,
} from '@platformatic/kafka';
import { causeText, InvariantError, TransientError } from '../../domain/errors.ts';
import { BATCH_HEADER_BYTES } from '../../domain/record-batch.ts';
import { type PartitionRef, partitionKey, type RawBatch } from '../../ports.ts';
import type { PlatformaticConnectionOptions } from './client.ts';
import { crc32cAppend } from './crc32c.ts';
import {
  NegotiatedVersion,
  notConsecutiveError,
  PRODUCE_TIMEOUT_MS,
  requestCounts,
  StickyLanes,
} from './data-client.ts';
import { hasKafkaError, isNetworkFailure, kafkaProtocolError, responseOfErrorCodes } from './errors.ts';
import { nextSequence, rewriteHeaderForProduce } from './raw-batches.ts';

const PRODUCE_API_KEY = 0;
const PRODUCE_VERSION = 8;
const INIT_PRODUCER_ID_KEY = 22;
const INIT_PRODUCER_ID = {
  1: initProducerIdV1,
  2: initProducerIdV2,
  3: initProducerIdV3,
  4: initProducerIdV4,
};
type InitVersion = keyof typeof INIT_PRODUCER_ID;
const INIT_ATTEMPTS = 10;
const INIT_RETRIABLE: ReadonlySet<string> = new Set([
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'CONCURRENT_TRANSACTIONS',
  'REQUEST_TIMED_OUT',
]);

interface ProducerState {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  nextSequence: number;
}

interface PartitionProduceResponse {
  index: number;
  errorCode: number;
  baseOffset: bigint;
  errorMessage: string | null;
}

interface ProduceResponseShape {
  responses: { name: string; partitionResponses: PartitionProduceResponse[] }[];
}

/** A produce call failed at batch `index`; the batches before it are on the target, none after it. */
export class BatchRejectedError extends Error {
  override readonly name = 'BatchRejectedError';
  readonly index: number;
  constructor(index: number, cause: unknown) {
    super(`batch #${index} of the call was rejected: ${causeText(cause)}`, {
      cause,
    });
    this.index = index;
  }
}

/** A batch landed behind a rejected one: the target has a hole (should be impossible, see produce). */
function holeError(ref: PartitionRef, rejected: RawBatch, landedAt: bigint): InvariantError {
  return new InvariantError(
    `${partitionKey(ref)}: the batch from source offset ${rejected.baseOffset} was rejected by the target, but a ` +
      `later batch of the same call landed at target offset ${landedAt}: the target partition now misses records`,
    {
      code: 'TARGET_HOLE',
      fix:
        'Stop the copier. Delete and recreate the target topic and its checkpoints, and seed the partition again; ' +
        'report this with the copier log (the idempotent producer should have rejected the later batch).',
    },
  );
}

/**
 * Failures after which the batch may be on the target all the same: the broker appended it and then
 * timed out waiting for the replicas, or the answer was lost on the way.
 */
const OUTCOME_UNKNOWN_ERRORS: ReadonlySet<string> = new Set([
  'REQUEST_TIMED_OUT',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
]);

/**
 * The outcome of one produce call, from the settled requests of its batches (pipelined in order):
 * the target offset of the first record; BatchRejectedError when batches from one on failed and
 * none after it landed; when a later batch landed after a failed one, either the failed one landed
 * too (its failure left the outcome unknown: a TransientError, the caller reconciles with the
 * target) or the target has a hole (InvariantError TARGET_HOLE).
 */
export function settleProduce(
  ref: PartitionRef,
  batches: readonly RawBatch[],
  settled: readonly PromiseSettledResult<bigint>[],
): bigint {
  const failedAt = settled.findIndex((s) => s.status === 'rejected');
  if (failedAt >= 0) {
    const reason = (settled[failedAt] as PromiseRejectedResult).reason;
    const landedAt = settled.findIndex((s, j) => j > failedAt && s.status === 'fulfilled');
    if (landedAt < 0) throw new BatchRejectedError(failedAt, reason);
    const landedOffset = (settled[landedAt] as PromiseFulfilledResult<bigint>).value;
    if (isNetworkFailure(reason) || hasKafkaError(reason, OUTCOME_UNKNOWN_ERRORS)) {
      throw new TransientError(
        `${partitionKey(ref)}: the batch from source offset ${batches[failedAt]!.baseOffset} failed without a ` +
          `sure outcome (${causeText(reason)}), and a later batch landed at ` +
          `target offset ${landedOffset}: the failed one landed too`,
        {
          code: 'KAFKA_PRODUCE_OUTCOME_UNKNOWN',
          fix: 'Nothing to do: the copy reconciles with the target end offset and continues.',
          cause: reason,
        },
      );
    }
    throw holeError(ref, batches[failedAt]!, landedOffset);
  }
  const bases = settled.map((s) => (s as PromiseFulfilledResult<bigint>).value);
  let expected = bases[0]!;
  batches.forEach((batch, i) => {
    if (bases[i] !== expected) throw notConsecutiveError(ref, expected, bases[i]!);
    expected += BigInt(batch.count);
  });
  return bases[0]!;
}

export interface BatchProducerOptions {
  /** Connection pools the partitions are spread over. */
  readonly lanes: number;
}

export class BatchProducer {
  readonly #client: Consumer;
  readonly #lanes: StickyLanes<ConnectionPool>;
  readonly #producers = new Map<string, ProducerState>();
  /** Each partition's leader connection, looked up once and dropped with its producer on failure. */
  readonly #leaders = new Map<string, Connection>();
  readonly #initVersion: NegotiatedVersion<InitVersion>;
  /** Topics whose metadata is refreshed before the next produce (a produce to them failed). */
  readonly #staleTopics = new Set<string>();

  constructor(client: Consumer, connection: PlatformaticConnectionOptions, options: BatchProducerOptions) {
    this.#client = client;
    this.#initVersion = new NegotiatedVersion(
      client,
      { key: INIT_PRODUCER_ID_KEY, name: 'InitProducerId (idempotent producer)', min: 1, max: 4 },
      'the target brokers',
    );
    this.#lanes = new StickyLanes(options.lanes, () => new ConnectionPool(connection.clientId, connection));
  }

  /**
   * Appends the batches in order; resolves with the target offset of the first record. Rejects with
   * a BatchRejectedError (the index of the first batch that failed; none after it landed).
   *
   * The first batch goes alone: until the partition leader holds state for a producer id (new, or
   * expired after producer.id.expiration.ms of idleness) it accepts any first sequence, so a batch
   * pipelined behind a rejected first one (MESSAGE_TOO_LARGE, INVALID_TIMESTAMP, …) would land and
   * leave a hole. Once one batch is acknowledged, the leader rejects every batch behind a failed one
   * with OUT_OF_ORDER_SEQUENCE_NUMBER, and the rest is pipelined.
   */
  async produce(ref: PartitionRef, batches: readonly RawBatch[]): Promise<bigint> {
    const key = partitionKey(ref);
    try {
      const connection = await this.#leaderConnection(ref);
      const state = this.#producers.get(key) ?? (await this.#newProducer(key, connection));
      const send = (batch: RawBatch): Promise<bigint> => {
        const header = rewriteHeaderForProduce(
          batch.bytes,
          {
            producerId: state.producerId,
            producerEpoch: state.producerEpoch,
            baseSequence: state.nextSequence,
          },
          crc32cAppend,
          batch.recordsCrc,
        );
        state.nextSequence = nextSequence(state.nextSequence, batch.count);
        return sendProduce(connection, ref, header, batch);
      };
      const settled: PromiseSettledResult<bigint>[] = [];
      try {
        settled.push({ status: 'fulfilled', value: await send(batches[0]!) });
      } catch (e) {
        throw new BatchRejectedError(0, e);
      }
      settled.push(...(await Promise.allSettled(batches.slice(1).map(send))));
      return settleProduce(ref, batches, settled);
    } catch (e) {
      this.#producers.delete(key);
      this.#leaders.delete(key);
      this.#staleTopics.add(ref.topic);
      throw e;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#lanes.lanes.map((lane) => lane.close()));
  }

  async #leaderConnection(ref: PartitionRef): Promise<Connection> {
    const key = partitionKey(ref);
    const known = this.#leaders.get(key);
    if (known?.status === ConnectionStatuses.CONNECTED) return known; // closed (idle, broker restart): look up again
    const forceUpdate = this.#staleTopics.delete(ref.topic);
    const metadata = await this.#client.metadata({ topics: [ref.topic], forceUpdate });
    const leader = metadata.topics.get(ref.topic)?.partitions[ref.partition]?.leader ?? -1;
    const broker = metadata.brokers.get(leader);
    if (leader < 0 || !broker) throw kafkaProtocolError(5, `partition ${partitionKey(ref)} has no leader`);
    const connection = await this.#lanes.of(key).get(broker);
    this.#leaders.set(key, connection);
    return connection;
  }

  async #newProducer(key: string, connection: Connection): Promise<ProducerState> {
    const version = await this.#initVersion.get();
    let response: { producerId: bigint; producerEpoch: number };
    for (let attempt = 1; ; attempt++) {
      try {
        response = await INIT_PRODUCER_ID[version].api.async(connection, null, 60_000, -1n, -1);
        break;
      } catch (e) {
        // COORDINATOR_LOAD_IN_PROGRESS and the like: a broker that just started allocates producer ids.
        if (attempt >= INIT_ATTEMPTS || !hasKafkaError(e, INIT_RETRIABLE)) throw e;
        await sleep(100 * attempt);
      }
    }
    const state: ProducerState = {
      producerId: response.producerId,
      producerEpoch: response.producerEpoch,
      nextSequence: 0,
    };
    this.#producers.set(key, state);
    return state;
  }
}

/** One Produce v8 request with one batch; resolves with its base offset, rejects with a ProtocolError. */
function sendProduce(
  connection: Connection,
  ref: PartitionRef,
  header: Buffer,
  batch: RawBatch,
): Promise<bigint> {
  const records = batch.bytes.subarray(BATCH_HEADER_BYTES);
  const createRequest = () =>
    Writer.create()
      .appendString(null, false) // transactional id
      .appendInt16(-1) // acks=all
      .appendInt32(PRODUCE_TIMEOUT_MS)
      .appendInt32(1) // topics
      .appendString(ref.topic, false)
      .appendInt32(1) // partitions
      .appendInt32(ref.partition)
      .appendInt32(header.length + records.length)
      .append(header)
      .append(Buffer.from(records.buffer, records.byteOffset, records.byteLength));
  const parse = (correlationId: number, apiKey: number, apiVersion: number, reader: unknown) => {
    try {
      return produceV8.parseResponse(correlationId, apiKey, apiVersion, reader as never) as unknown;
    } catch (e) {
      const response = responseOfErrorCodes(e);
      if (response) return response;
      throw e;
    }
  };
  requestCounts.produce++;
  return new Promise((resolve, reject) => {
    connection.send(
      PRODUCE_API_KEY,
      PRODUCE_VERSION,
      createRequest as never,
      parse as never,
      false,
      false,
      (error: Error | null, response?: unknown) => {
        if (error) return reject(error);
        const p = (response as ProduceResponseShape).responses
          .find((t) => t.name === ref.topic)
          ?.partitionResponses.find((x) => x.index === ref.partition);
        if (!p) return reject(kafkaProtocolError(3, `Produce response without ${partitionKey(ref)}`));
        if (p.errorCode !== 0) {
          const where = `Produce of ${batch.count} record(s) from source offset ${batch.baseOffset} to ${partitionKey(ref)}`;
          return reject(
            kafkaProtocolError(p.errorCode, p.errorMessage ? `${where}: ${p.errorMessage}` : where),
          );
        }
        if (p.baseOffset < 0n) {
          return reject(
            new InvariantError(
              `Produce to ${partitionKey(ref)} was acknowledged without a base offset (${p.baseOffset})`,
              {
                code: 'KAFKA_NO_BASE_OFFSET',
                fix: 'Check the target broker version (Kafka ≥ 3.5 expected).',
              },
            ),
          );
        }
        resolve(p.baseOffset);
      },
    );
  });
}
