/**
 * The demo's consumer groups and their sequence-numbered topic (demo.events): proof that consumer
 * groups move to the target exactly. A producer writes, per partition, records numbered 0, 1, 2, …
 * (value `{"partition":p,"seq":n}`); real kafkajs consumers of three groups read them on the source,
 * committing after every record, and are stopped at different moments of the cutover:
 *
 * - demo-ledger   reads everything: stopped at the freeze, once it has read up to the source end;
 * - demo-reports  stopped in the middle: a few seconds after it started, far behind at the cutover;
 * - demo-audit    stopped late: keeps consuming on the source after the freeze (it reads the
 *                 sentinels there) and is stopped only before `cutover-ack`.
 *
 * After `cutover-ack` the producer resumes on the target (clients switched) and consumers of the same
 * groups on the target record the first record they read per partition: it must be the record after
 * the last one read on the source (seq + 1) — no duplicate, no gap. Sentinels (header
 * `kraft-migrate-sentinel`, docs/cutover.md) are filtered and counted, as consumers should do.
 */
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { SENTINEL_HEADER, sentinelMigrationId } from '../../core/domain/cutover/sentinel.ts';
import type { RecordReader } from '../../core/ports.ts';

export const EVENTS_TOPIC = 'demo.events';
export const EVENTS_PARTITIONS = 4;

export const PROOF_GROUPS = {
  caughtUp: 'demo-ledger',
  middle: 'demo-reports',
  late: 'demo-audit',
} as const;

/** One demo.events record: its value, and the record to write. */
export function eventRecord(partition: number, seq: number) {
  return {
    partition,
    key: `event-${partition}-${seq}`,
    value: JSON.stringify({ partition, seq }),
  };
}

function seqOf(value: Buffer | Uint8Array | null): number | undefined {
  if (!value) return undefined;
  const parsed = JSON.parse(Buffer.from(value).toString('utf8')) as { seq?: unknown };
  return typeof parsed.seq === 'number' ? parsed.seq : undefined;
}

const isSentinel = (headers: KafkaMessage['headers']) => headers?.[SENTINEL_HEADER] !== undefined;

/**
 * The next seq of every partition: one past the last numbered record on the source (a previous
 * demo run's records stay there; its sentinel is the last record of each partition).
 */
export async function nextSeqs(reader: RecordReader): Promise<number[]> {
  const refs = Array.from({ length: EVENTS_PARTITIONS }, (_, partition) => ({
    topic: EVENTS_TOPIC,
    partition,
  }));
  const offsets = await reader.offsets(refs);
  return Promise.all(
    refs.map(async (ref) => {
      const o = offsets.get(`${ref.topic}/${ref.partition}`);
      if (!o || o.highWatermark === 0n) return 0;
      const from = o.highWatermark - 5n > o.logStart ? o.highWatermark - 5n : o.logStart;
      const { records } = await reader.fetch(ref, from, { maxBytes: 1_000_000, maxWaitMs: 500 });
      const seqs = records
        .filter((r) => sentinelMigrationId(r) === undefined)
        .map((r) => seqOf(r.value))
        .filter((s): s is number => s !== undefined);
      if (!seqs.length) throw new Error(`${EVENTS_TOPIC}/${ref.partition}: no numbered record near the end`);
      return Math.max(...seqs) + 1;
    }),
  );
}

/** Writes one numbered record to every partition each 100 ms until stopped. */
export function sequencer(kafka: Kafka, next: number[]): { stop: () => Promise<number[]> } {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  let running = true;
  const loop = (async () => {
    await producer.connect();
    while (running) {
      const messages = next.map((seq, p) => eventRecord(p, seq));
      await producer.send({ topic: EVENTS_TOPIC, acks: -1, messages });
      for (let p = 0; p < next.length; p++) next[p] = (next[p] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, 100));
    }
    await producer.disconnect();
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return next;
    },
  };
}

export interface Seen {
  readonly offset: bigint;
  readonly seq: number;
}

/** A group's consumer: the last (source) or first (target) numbered record per partition. */
export interface GroupConsumer {
  readonly groupId: string;
  readonly last: Map<number, Seen>;
  readonly first: Map<number, Seen>;
  /** Per partition: the offset after the last record read (sentinels included), i.e. the commit. */
  readonly position: Map<number, bigint>;
  sentinels: number;
  crashes: string[];
  stop(): Promise<void>;
}

/** A kafkajs consumer of `groupId` on demo.events that commits after every record it processed. */
export async function consumeEvents(kafka: Kafka, groupId: string): Promise<GroupConsumer> {
  const consumer: Consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  const g: GroupConsumer = {
    groupId,
    last: new Map(),
    first: new Map(),
    position: new Map(),
    sentinels: 0,
    crashes: [],
    stop: async () => {
      await consumer.disconnect();
    },
  };
  consumer.on(consumer.events.CRASH, (e) => g.crashes.push(String(e.payload.error)));
  await consumer.connect();
  await consumer.subscribe({ topics: [EVENTS_TOPIC], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const offset = BigInt(message.offset);
      await consumer.commitOffsets([{ topic: EVENTS_TOPIC, partition, offset: String(offset + 1n) }]);
      g.position.set(partition, offset + 1n);
      if (isSentinel(message.headers)) {
        g.sentinels++;
        return; // cutover marker of kraft-migrate, not data
      }
      const seen = { offset, seq: seqOf(message.value) ?? -1 };
      if (!g.first.has(partition)) g.first.set(partition, seen);
      g.last.set(partition, seen);
    },
  });
  return g;
}

/** Stops `g` once it has read (and committed) every partition up to the cluster's end offsets. */
export async function stopAtEnd(kafka: Kafka, g: GroupConsumer, timeoutMs: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(EVENTS_TOPIC);
    await waitUntil(
      `group ${g.groupId} to read ${EVENTS_TOPIC} to its end`,
      () => ends.every((e) => (g.position.get(e.partition) ?? -1n) >= BigInt(e.high)),
      timeoutMs,
    );
  } finally {
    await admin.disconnect();
  }
  await g.stop();
}

/** Waits until `done()` holds (polling), or fails naming `what`. */
export async function waitUntil(what: string, done: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Per group and partition: the last record read on the source → the first read on the target. */
export interface Continuation {
  readonly groupId: string;
  readonly partition: number;
  readonly last: Seen | undefined;
  readonly first: Seen | undefined;
  readonly exact: boolean;
}

export function continuations(
  source: readonly GroupConsumer[],
  target: readonly GroupConsumer[],
): Continuation[] {
  return source.flatMap((s) => {
    const t = target.find((x) => x.groupId === s.groupId);
    return Array.from({ length: EVENTS_PARTITIONS }, (_, partition) => {
      const last = s.last.get(partition);
      const first = t?.first.get(partition);
      const exact = last !== undefined && first !== undefined && first.seq === last.seq + 1;
      return { groupId: s.groupId, partition, last, first, exact };
    });
  });
}

export function continuationLine(c: Continuation): string {
  const side = (s: Seen | undefined) => (s ? `offset ${s.offset} (seq ${s.seq})` : 'nothing');
  const verdict = c.exact
    ? 'exact continuation'
    : c.last && c.first
      ? c.first.seq <= c.last.seq
        ? `DUPLICATE (${c.last.seq - c.first.seq + 1} record(s) read again)`
        : `GAP (${c.first.seq - c.last.seq - 1} record(s) skipped)`
      : 'NOT PROVEN';
  return `group ${c.groupId} ${EVENTS_TOPIC}/${c.partition}: last on source ${side(c.last)} → first on target ${side(c.first)}: ${verdict}`;
}
