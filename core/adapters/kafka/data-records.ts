/**
 * Pure record-batch logic of the data path (no I/O, unit-tested with hand-built batches):
 *
 * - `decodeFetchedBatches`: from the decoded record batches of one Fetch response partition to the
 *   data records the copier must see, with the aborted-transaction filtering of READ_COMMITTED done
 *   here (`selectCommitted`; not by @platformatic/kafka, whose own filter leaks aborted records).
 * - `splitIntoBatches`: cuts the records of one write into produce batches by uncompressed size.
 *
 * READ_COMMITTED as KIP-98 and the Java consumer (CompletedFetch) define it, why a queue of aborted
 * transactions and a set of aborted producers, and how platformatic 2.12.1 leaks: docs/data-path.md.
 */
import type { RecordHeader, RecordToWrite, SourceRecord } from '../../ports.ts';

/** Batch attributes (Kafka record batch v2). */
export const BATCH_ATTRIBUTES = {
  compressionMask: 0x07,
  logAppendTime: 0x08,
  transactional: 0x10,
  control: 0x20,
} as const;

/** RecordBatch.NO_PRODUCER_ID */
const NO_PRODUCER_ID = -1n;

/** Control record types (ControlRecordType): the key is int16 version, int16 type. */
export const CONTROL_TYPE_ABORT = 0;
export const CONTROL_TYPE_COMMIT = 1;

/** One record of a decoded batch (the shape @platformatic/kafka's readRecordsBatch produces). */
export interface FetchedRecord {
  readonly offsetDelta: number;
  readonly timestampDelta: bigint;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly (readonly [Uint8Array | null, Uint8Array | null])[];
}

/** One decoded record batch (magic 2), records already decompressed. */
export interface FetchedBatch {
  readonly firstOffset: bigint;
  readonly lastOffsetDelta: number;
  readonly magic: number;
  readonly attributes: number;
  readonly firstTimestamp: bigint;
  readonly maxTimestamp: bigint;
  readonly producerId: bigint;
  readonly records: readonly FetchedRecord[];
}

export interface AbortedTransaction {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
}

export interface DecodeOptions {
  /** The offset the fetch asked for: records below it (earlier records of the first batch) are skipped. */
  readonly fetchOffset: bigint;
  readonly isolationLevel: 'read_committed' | 'read_uncommitted';
  /** The partition's `aborted_transactions` from the Fetch response (null/undefined = none). */
  readonly abortedTransactions?: readonly AbortedTransaction[] | null | undefined;
}

export interface DecodedFetch {
  readonly records: SourceRecord[];
  /** One past the last offset of the last batch (gaps, control and aborted batches included). */
  readonly nextOffset: bigint;
  /** How many records of aborted transactions were dropped (for logs and tests). */
  readonly abortedRecords: number;
}

/** A batch this module cannot decode byte for byte (legacy format, malformed header). */
export class UndecodableBatchError extends Error {
  override readonly name = 'UndecodableBatchError';
  readonly offset: bigint;
  constructor(message: string, offset: bigint) {
    super(message);
    this.offset = offset;
  }
}

function lastOffsetOf(batch: FetchedBatch): bigint {
  return batch.firstOffset + BigInt(batch.lastOffsetDelta);
}

function isControlBatch(batch: FetchedBatch): boolean {
  return (batch.attributes & BATCH_ATTRIBUTES.control) !== 0;
}

/** The type of a control record (ABORT 0, COMMIT 1, …), or undefined when the key is malformed. */
function controlRecordType(record: FetchedRecord): number | undefined {
  const key = record.key;
  if (key === null || key.byteLength < 4) return undefined;
  return new DataView(key.buffer, key.byteOffset, key.byteLength).getInt16(2);
}

/** Kafka's containsAbortMarker: a control batch whose first record is an ABORT marker. */
function containsAbortMarker(batch: FetchedBatch): boolean {
  if (!isControlBatch(batch)) return false;
  const first = batch.records[0];
  return first !== undefined && controlRecordType(first) === CONTROL_TYPE_ABORT;
}

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What the READ_COMMITTED selection needs to know of a batch. */
export interface BatchFacts {
  readonly first: bigint;
  readonly last: bigint;
  readonly producerId: bigint;
  readonly attributes: number;
  /** A control batch whose first record is an ABORT marker. */
  readonly abortMarker: boolean;
  readonly count: number;
}

export interface CommittedBatches<B> {
  /** Data batches in order: control batches and (under read_committed) aborted ones removed. */
  readonly kept: B[];
  /** One past the last offset of the last batch (gaps, control and aborted batches included). */
  readonly nextOffset: bigint;
  readonly abortedRecords: number;
}

/**
 * The READ_COMMITTED selection of the module comment, for any batch shape (decoded batches here,
 * undecoded headers in raw-batches.ts).
 */
export function selectCommitted<B>(
  batches: readonly B[],
  factsOf: (batch: B) => BatchFacts,
  options: Omit<DecodeOptions, 'fetchOffset'> & { readonly fetchOffset: bigint },
): CommittedBatches<B> {
  const readCommitted = options.isolationLevel === 'read_committed';
  const queue = [...(options.abortedTransactions ?? [])].sort((a, b) =>
    compareBigint(a.firstOffset, b.firstOffset),
  );
  let queued = 0;
  const abortedProducers = new Set<bigint>();
  const kept: B[] = [];
  let nextOffset = options.fetchOffset;
  let abortedRecords = 0;
  for (const batch of batches) {
    const f = factsOf(batch);
    if (f.last + 1n > nextOffset) nextOffset = f.last + 1n;
    if (readCommitted && f.producerId !== NO_PRODUCER_ID) {
      while (queued < queue.length && (queue[queued] as AbortedTransaction).firstOffset <= f.last) {
        abortedProducers.add((queue[queued] as AbortedTransaction).producerId);
        queued++;
      }
      if (f.abortMarker) {
        abortedProducers.delete(f.producerId);
      } else if (
        (f.attributes & BATCH_ATTRIBUTES.transactional) !== 0 &&
        abortedProducers.has(f.producerId)
      ) {
        abortedRecords += Math.max(0, f.count);
        continue;
      }
    }
    if ((f.attributes & BATCH_ATTRIBUTES.control) !== 0) continue;
    kept.push(batch);
  }
  return { kept, nextOffset, abortedRecords };
}

function factsOfFetched(batch: FetchedBatch): BatchFacts {
  return {
    first: batch.firstOffset,
    last: lastOffsetOf(batch),
    producerId: batch.producerId,
    attributes: batch.attributes,
    abortMarker: containsAbortMarker(batch),
    count: batch.records.length,
  };
}

/**
 * The data records of one partition's fetched batches, in offset order, with control batches and
 * (under read_committed) aborted transactional batches removed; see the module comment.
 */
export function decodeFetchedBatches(batches: readonly FetchedBatch[], options: DecodeOptions): DecodedFetch {
  for (const batch of batches) {
    if (batch.magic !== 2) {
      throw new UndecodableBatchError(
        `record batch at offset ${batch.firstOffset} has message format v${batch.magic} (magic ${batch.magic}); ` +
          'only format v2 (Kafka ≥ 0.11) is supported',
        batch.firstOffset,
      );
    }
  }
  const selected = selectCommitted(batches, factsOfFetched, options);
  const records: SourceRecord[] = [];
  for (const batch of selected.kept) {
    const logAppendTime = (batch.attributes & BATCH_ATTRIBUTES.logAppendTime) !== 0;
    for (const record of batch.records) {
      const offset = batch.firstOffset + BigInt(record.offsetDelta);
      if (offset < options.fetchOffset) continue;
      records.push({
        offset,
        timestamp: logAppendTime ? batch.maxTimestamp : batch.firstTimestamp + record.timestampDelta,
        timestampType: logAppendTime ? 'LogAppendTime' : 'CreateTime',
        key: record.key,
        value: record.value,
        headers: record.headers.map((h) => toHeader(h, offset)),
      });
    }
  }
  return { records, nextOffset: selected.nextOffset, abortedRecords: selected.abortedRecords };
}

function toHeader(header: readonly [Uint8Array | null, Uint8Array | null], offset: bigint): RecordHeader {
  const [key, value] = header;
  if (key === null) {
    // Kafka never writes a null header key (the Java client rejects one on read and on write).
    throw new UndecodableBatchError(`record at offset ${offset} has a header with a null key`, offset);
  }
  return [key, value];
}

// ---------------------------------------------------------------------------------------------
// Produce batching

/** Varint size of a zigzag-encoded int (Kafka record fields). */
function varintBytes(n: number): number {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  let bytes = 1;
  while (z >= 0x80) {
    z = Math.floor(z / 0x80);
    bytes++;
  }
  return bytes;
}

/** Size of a record in a v2 batch, uncompressed (attributes, deltas, lengths, headers). */
export function recordWireBytes(record: RecordToWrite): number {
  const keyLen = record.key === null ? -1 : record.key.byteLength;
  const valueLen = record.value === null ? -1 : record.value.byteLength;
  let body =
    1 + // attributes
    10 + // timestamp delta (varlong, upper bound)
    5 + // offset delta (varint, upper bound)
    varintBytes(keyLen) +
    Math.max(keyLen, 0) +
    varintBytes(valueLen) +
    Math.max(valueLen, 0) +
    varintBytes(record.headers.length);
  for (const [k, v] of record.headers) {
    const vLen = v === null ? -1 : v.byteLength;
    body += varintBytes(k.byteLength) + k.byteLength + varintBytes(vLen) + Math.max(vLen, 0);
  }
  return varintBytes(body) + body;
}

/**
 * Largest |timestamp − first timestamp of the batch| a batch may hold. Kafka allows any varlong,
 * but @platformatic/kafka 2.12.1 encodes the record timestamp delta wrongly once its zigzag form
 * needs more than 32 bits (@platformatic/dynamic-buffer writeVarInt64: e.g. a delta of 2^31 ms —
 * 24.8 days — is read back as 8 ms): records further apart than that must go in separate batches.
 */
export const MAX_TIMESTAMP_DELTA = 2n ** 31n - 1n;

/**
 * Consecutive slices of `records`, each at most `maxBytes` of uncompressed record bytes (a single
 * record larger than that forms a slice of its own) and with every timestamp within
 * `MAX_TIMESTAMP_DELTA` of the slice's first one. Order is kept; no record is dropped.
 */
export function splitIntoBatches<T extends RecordToWrite>(records: readonly T[], maxBytes: number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let size = 0;
  let firstTimestamp = 0n;
  for (const record of records) {
    const bytes = recordWireBytes(record);
    const delta = record.timestamp - firstTimestamp;
    const deltaFits = delta <= MAX_TIMESTAMP_DELTA && delta >= -MAX_TIMESTAMP_DELTA;
    if (current.length > 0 && (size + bytes > maxBytes || !deltaFits)) {
      out.push(current);
      current = [];
      size = 0;
    }
    if (current.length === 0) firstTimestamp = record.timestamp;
    current.push(record);
    size += bytes;
  }
  if (current.length > 0) out.push(current);
  return out;
}
