import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import type { PartitionRef, RawBatch, SourceRecord } from '../../ports.ts';
import { causeText, InvariantError } from '../errors.ts';
import { MIGRATION_ID } from '../identity.ts';
import { joinKey } from '../plan/storage-layout.ts';
import { BATCH_FIELD, BATCH_HEADER_BYTES, LOG_OVERHEAD_BYTES } from '../record-batch.ts';
import { decimalOffsetSchema, INT64_MAX, INT64_MIN, isOffset, toDecimal } from './int64.ts';

/**
 * Segment objects: the seed's staging copy of a partition's records in the segments bucket
 * (SPEC §6.2), one object per run of records, byte for byte. Layout and binary format, byte by byte:
 * docs/segment-format.md. Two versions, told apart by the magic:
 *
 *   header  : "KMSEG1" or "KMSEG2" | version u8 (=1 or 2) | topic u16 length + UTF-8 | partition int32
 *             | first source offset int64 | last source offset int64 | record count uint32
 *   v1 records (`encodeSegment`, decoded records re-encoded):
 *             offset delta from the first offset (unsigned LEB128 varint) | timestamp int64
 *             | timestamp type u8 (0 CreateTime, 1 LogAppendTime)
 *             | key int32 length (-1 = null) + bytes | value int32 length (-1 = null) + bytes
 *             | header count int32 | per header: key int32 length + bytes, value int32 length (-1 = null) + bytes
 *   v2 batches (`encodeBatchSegment`, source record batches copied as they are):
 *             batch count uint32 | the Kafka record batches (v2) concatenated, each exactly as on the
 *             source (self-delimiting: 12 + its batchLength field bytes)
 *   trailer : SHA-256 of every byte before it (32 bytes)
 *
 * All integers big-endian. A v1 object may be stored gzip-compressed as a whole (recognised on decode
 * by the gzip magic 1f 8b; the format itself starts with "K"); a v2 object is never gzipped (its
 * batches are compressed already). Decoding the records inside v2 batches needs Kafka's codecs: that
 * is done outside core/domain, `decodeSegment` hands out the batches' bytes.
 */

export const SEGMENT_MAGIC = 'KMSEG1';
export const SEGMENT_VERSION = 1;
export const BATCH_SEGMENT_MAGIC = 'KMSEG2';
export const BATCH_SEGMENT_VERSION = 2;
export const SEGMENT_EXTENSION = '.kmseg';
const MAGIC_BYTES = Buffer.from(SEGMENT_MAGIC, 'latin1');
const BATCH_MAGIC_BYTES = Buffer.from(BATCH_SEGMENT_MAGIC, 'latin1');
/** Magic and version byte of each version this build reads. */
const SIGNATURES = [
  { version: SEGMENT_VERSION, bytes: Buffer.from([...MAGIC_BYTES, SEGMENT_VERSION]) },
  { version: BATCH_SEGMENT_VERSION, bytes: Buffer.from([...BATCH_MAGIC_BYTES, BATCH_SEGMENT_VERSION]) },
] as const;
const MAGIC_LENGTH = 6;
const CHECKSUM_BYTES = 32;
const INT32_MAX = 0x7fffffff;
const UINT32_MAX = 0xffffffff;
const TIMESTAMP_TYPES = ['CreateTime', 'LogAppendTime'] as const;

/** Kafka's legal topic names (at most 249 of letters, digits, `.`, `_`, `-`; not `.` or `..`). */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

export interface EncodeSegmentOptions {
  /** Gzip the whole object: true (level 6) or a zlib level 1–9. Default false. */
  readonly gzip?: boolean | number;
}

export interface DecodedSegment {
  /** 1: `records` holds the records; 2: `batches` holds them, as Kafka record batches. */
  readonly version: 1 | 2;
  readonly ref: PartitionRef;
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
  /** The header's record count: `records.length` (v1) or the batches' records together (v2). */
  readonly recordCount: number;
  /** Version 1 only (empty for v2). Keys, values and header bytes are views into the decoded buffer (not copies). */
  readonly records: SourceRecord[];
  /**
   * Version 2 only (empty for v1): each whole Kafka record batch v2 as the source stored it, in offset
   * order — a view into the decoded buffer (not a copy). Its records are not decoded here.
   */
  readonly batches: Uint8Array[];
}

interface BatchHeader {
  readonly baseOffset: bigint;
  readonly batchLength: number;
  readonly magic: number;
  readonly lastOffsetDelta: number;
  readonly recordsCount: number;
}

/** The header fields of a batch of at least BATCH_HEADER_BYTES bytes. */
function batchHeader(bytes: Uint8Array): BatchHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, BATCH_HEADER_BYTES);
  return {
    baseOffset: view.getBigInt64(0),
    batchLength: view.getInt32(BATCH_FIELD.length),
    magic: view.getInt8(BATCH_FIELD.magic),
    lastOffsetDelta: view.getInt32(BATCH_FIELD.lastOffsetDelta),
    recordsCount: view.getInt32(BATCH_FIELD.recordCount),
  };
}

/* --------------------------------------------- encode --------------------------------------------- */

export function encodeSegment(
  ref: PartitionRef,
  records: readonly SourceRecord[],
  options: EncodeSegmentOptions = {},
): Uint8Array {
  validateRef(ref);
  if (records.length === 0) {
    throw encodeError('SEGMENT_EMPTY', `no records for ${ref.topic}/${ref.partition}`);
  }
  if (records.length > UINT32_MAX) {
    throw encodeError('SEGMENT_TOO_LARGE', `${records.length} records exceed the uint32 record count`);
  }
  const first = records[0]!.offset;
  const last = records[records.length - 1]!.offset;
  const topic = Buffer.from(ref.topic, 'utf8');

  // Pass 1: validate and size.
  let size = headerLength(topic.length);
  let previous: bigint | undefined;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (typeof r.offset !== 'bigint' || !isOffset(r.offset)) {
      throw encodeError('SEGMENT_BAD_RECORD', `record #${i}: offset ${String(r.offset)} is not an offset`);
    }
    if (previous !== undefined && r.offset <= previous) {
      throw encodeError(
        'SEGMENT_BAD_RECORD',
        `record #${i}: offsets must be strictly ascending (${previous} then ${r.offset})`,
      );
    }
    previous = r.offset;
    if (typeof r.timestamp !== 'bigint' || r.timestamp < INT64_MIN || r.timestamp > INT64_MAX) {
      throw encodeError(
        'SEGMENT_BAD_RECORD',
        `record #${i}: timestamp ${String(r.timestamp)} is not an int64`,
      );
    }
    if (!TIMESTAMP_TYPES.includes(r.timestampType)) {
      throw encodeError(
        'SEGMENT_BAD_RECORD',
        `record #${i}: unknown timestamp type ${String(r.timestampType)}`,
      );
    }
    size += varintLength(r.offset - first) + 8 + 1;
    size += nullableLength(r.key, i, 'key') + nullableLength(r.value, i, 'value') + 4;
    for (const [hk, hv] of r.headers) {
      size += nullableLength(hk, i, 'header key') + nullableLength(hv, i, 'header value');
    }
  }
  size += CHECKSUM_BYTES;

  // Pass 2: write.
  const out = Buffer.allocUnsafe(size);
  let at = writeHeader(out, SEGMENT_VERSION, topic, ref.partition, first, last, records.length);
  for (const r of records) {
    at = writeVarint(out, at, r.offset - first);
    at = out.writeBigInt64BE(r.timestamp, at);
    at = out.writeUInt8(r.timestampType === 'CreateTime' ? 0 : 1, at);
    at = writeNullable(out, at, r.key);
    at = writeNullable(out, at, r.value);
    at = out.writeInt32BE(r.headers.length, at);
    for (const [hk, hv] of r.headers) {
      at = writeNullable(out, at, hk);
      at = writeNullable(out, at, hv);
    }
  }
  const body = finish(out, at, size);
  if (options.gzip === undefined || options.gzip === false) return body;
  const level = options.gzip === true ? 6 : options.gzip;
  return new Uint8Array(gzipSync(body, { level }));
}

/**
 * Version 2: `batches` (Kafka record batches v2, see RawBatch) stored exactly as given, in one
 * uncompressed object (the batches are compressed already): `encodeBatchSegmentChunks` joined.
 * Checks each batch's header against its `baseOffset` and `count` (not its CRC).
 */
export function encodeBatchSegment(ref: PartitionRef, batches: readonly RawBatch[]): Uint8Array {
  return new Uint8Array(Buffer.concat(encodeBatchSegmentChunks(ref, batches).chunks));
}

/**
 * A version 2 object as chunks — header, then the batches' own bytes (not copied), then the trailer —
 * with its size and SHA-256, hashed in the same pass as the trailer. What the copier uploads: the
 * batches are never joined into one buffer.
 */
export function encodeBatchSegmentChunks(
  ref: PartitionRef,
  batches: readonly RawBatch[],
): { chunks: Uint8Array[]; bytes: number; sha256: string } {
  const { header, bytes } = batchSegmentHeader(ref, batches);
  const hash = createHash('sha256').update(header);
  for (const b of batches) hash.update(b.bytes);
  const trailer = hash.copy().digest();
  const sha256 = hash.update(trailer).digest('hex');
  return { chunks: [header, ...batches.map((b) => b.bytes), trailer], bytes, sha256 };
}

/** Validates the batches and writes the header of their version 2 object (batch count included). */
function batchSegmentHeader(
  ref: PartitionRef,
  batches: readonly RawBatch[],
): { header: Buffer; bytes: number } {
  validateRef(ref);
  if (batches.length === 0) {
    throw encodeError('SEGMENT_EMPTY', `no batches for ${ref.topic}/${ref.partition}`);
  }
  const topic = Buffer.from(ref.topic, 'utf8');
  let records = 0;
  let last = -1n;
  let bytes = headerLength(topic.length) + 4 + CHECKSUM_BYTES;
  for (let i = 0; i < batches.length; i++) {
    last = checkBatch(batches[i]!, i, i === 0 ? undefined : last);
    records += batches[i]!.count;
    bytes += batches[i]!.bytes.length;
  }
  if (records > UINT32_MAX || batches.length > UINT32_MAX) {
    throw encodeError('SEGMENT_TOO_LARGE', `${records} records exceed the uint32 record count`);
  }
  const header = Buffer.allocUnsafe(headerLength(topic.length) + 4);
  const at = writeHeader(
    header,
    BATCH_SEGMENT_VERSION,
    topic,
    ref.partition,
    batches[0]!.baseOffset,
    last,
    records,
  );
  header.writeUInt32BE(batches.length, at);
  return { header, bytes };
}

/** Validates batch #`index` (after a batch ending at `previousLast`); returns its last offset. */
function checkBatch(b: RawBatch, index: number, previousLast: bigint | undefined): bigint {
  const bad = (message: string) => encodeError('SEGMENT_BAD_RECORD', `batch #${index}: ${message}`);
  if (typeof b.baseOffset !== 'bigint' || !isOffset(b.baseOffset)) {
    throw bad(`base offset ${String(b.baseOffset)} is not an offset`);
  }
  if (!Number.isInteger(b.count) || b.count < 1 || b.count > INT32_MAX) {
    throw bad(`record count ${String(b.count)} is not a positive int32`);
  }
  const last = b.lastOffset ?? b.baseOffset + BigInt(b.count) - 1n;
  if (last > INT64_MAX) throw bad(`offsets ${b.baseOffset} + ${b.count} records run past int64`);
  if (last - b.baseOffset + 1n < BigInt(b.count)) {
    throw bad(`${b.count} records do not fit between offsets ${b.baseOffset} and ${last}`);
  }
  if (previousLast !== undefined && b.baseOffset <= previousLast) {
    throw bad(
      `batches must be in ascending offset order without overlap (previous ends at ${previousLast}, ` +
        `this one starts at ${b.baseOffset})`,
    );
  }
  if (!(b.bytes instanceof Uint8Array)) throw bad('bytes are not bytes');
  if (b.bytes.length < BATCH_HEADER_BYTES) {
    throw bad(`${b.bytes.length} bytes, shorter than a record batch v2 header (${BATCH_HEADER_BYTES})`);
  }
  const h = batchHeader(b.bytes);
  if (h.batchLength !== b.bytes.length - LOG_OVERHEAD_BYTES) {
    throw bad(
      `its length field says ${LOG_OVERHEAD_BYTES} + ${h.batchLength} bytes, it has ${b.bytes.length}`,
    );
  }
  if (h.magic !== 2) throw bad(`magic byte ${h.magic}: not a record batch v2`);
  if (h.baseOffset !== b.baseOffset) {
    throw bad(`its header says base offset ${h.baseOffset}, given ${b.baseOffset}`);
  }
  if (BigInt(h.lastOffsetDelta) !== last - b.baseOffset || h.recordsCount !== b.count) {
    throw bad(
      `its header says ${h.recordsCount} records up to offset delta ${h.lastOffsetDelta}, ` +
        `given ${b.count} records up to offset ${last}`,
    );
  }
  return last;
}

function headerLength(topicLength: number): number {
  return MAGIC_LENGTH + 1 + 2 + topicLength + 4 + 8 + 8 + 4;
}

function writeHeader(
  out: Buffer,
  version: 1 | 2,
  topic: Buffer,
  partition: number,
  first: bigint,
  last: bigint,
  records: number,
): number {
  let at = (version === SEGMENT_VERSION ? MAGIC_BYTES : BATCH_MAGIC_BYTES).copy(out, 0);
  at = out.writeUInt8(version, at);
  at = out.writeUInt16BE(topic.length, at);
  at += topic.copy(out, at);
  at = out.writeInt32BE(partition, at);
  at = out.writeBigInt64BE(first, at);
  at = out.writeBigInt64BE(last, at);
  return out.writeUInt32BE(records, at);
}

/** Writes the SHA-256 trailer after the `at` bytes written. */
function finish(out: Buffer, at: number, size: number): Uint8Array {
  return finishWithDigest(out, at, size).body;
}

/**
 * Writes the SHA-256 trailer after the `at` bytes written and returns the SHA-256 of the whole object
 * too (hex), from the same pass over the bytes: the hash of the content is extended by the trailer.
 */
function finishWithDigest(out: Buffer, at: number, size: number): { body: Uint8Array; sha256: string } {
  const hash = createHash('sha256').update(out.subarray(0, at));
  const trailer = hash.copy().digest();
  trailer.copy(out, at);
  const end = at + CHECKSUM_BYTES;
  if (end !== size) throw encodeError('SEGMENT_SIZE', `wrote ${end} bytes, computed ${size}`);
  const sha256 = hash.update(trailer).digest('hex');
  return { body: new Uint8Array(out.buffer, out.byteOffset, out.length), sha256 };
}

function nullableLength(bytes: Uint8Array | null, index: number, field: string): number {
  if (bytes === null) return 4;
  if (!(bytes instanceof Uint8Array)) {
    throw encodeError('SEGMENT_BAD_RECORD', `record #${index}: ${field} is not bytes`);
  }
  if (bytes.length > INT32_MAX) {
    throw encodeError(
      'SEGMENT_BAD_RECORD',
      `record #${index}: ${field} of ${bytes.length} bytes is too large`,
    );
  }
  return 4 + bytes.length;
}

function writeNullable(out: Buffer, at: number, bytes: Uint8Array | null): number {
  if (bytes === null) return out.writeInt32BE(-1, at);
  const next = out.writeInt32BE(bytes.length, at);
  out.set(bytes, next);
  return next + bytes.length;
}

function varintLength(value: bigint): number {
  let n = 1;
  let v = value >> 7n;
  while (v > 0n) {
    n++;
    v >>= 7n;
  }
  return n;
}

function writeVarint(out: Buffer, at: number, value: bigint): number {
  let v = value;
  let pos = at;
  while (v >= 0x80n) {
    out[pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  out[pos++] = Number(v);
  return pos;
}

function validateRef(ref: PartitionRef): void {
  if (!TOPIC_NAME.test(ref.topic) || ref.topic === '.' || ref.topic === '..') {
    throw encodeError('SEGMENT_BAD_TOPIC', `${JSON.stringify(ref.topic)} is not a Kafka topic name`);
  }
  if (!Number.isInteger(ref.partition) || ref.partition < 0 || ref.partition > INT32_MAX) {
    throw encodeError('SEGMENT_BAD_PARTITION', `partition ${ref.partition} is not a partition number`);
  }
}

function encodeError(code: string, message: string): InvariantError {
  return new InvariantError(`segment: ${message}`, {
    code,
    fix: 'This is a bug in the copier (it passes what the source returned): report it with the partition.',
  });
}

/* --------------------------------------------- decode --------------------------------------------- */

/**
 * Decodes (and gunzips when needed) a segment object of either version. Verifies the trailing SHA-256
 * and the header against the records (v1) or the batch headers (v2; their CRCs and records are not
 * looked at). Wrong magic or version, truncated input, a checksum mismatch or any inconsistency →
 * InvariantError (codes SEGMENT_NOT_A_SEGMENT, SEGMENT_TRUNCATED, SEGMENT_CHECKSUM_MISMATCH,
 * SEGMENT_CORRUPT).
 */
export function decodeSegment(input: Uint8Array): DecodedSegment {
  let bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw decodeError('SEGMENT_TRUNCATED', `gzip stream is damaged or truncated (${causeText(e)})`, e);
    }
  }
  const minimum = MAGIC_LENGTH + 1 + 2;
  const version = formatVersion(bytes, minimum);
  const topicLength = bytes.readUInt16BE(MAGIC_LENGTH + 1);
  if (bytes.length < headerLength(topicLength) + CHECKSUM_BYTES) {
    throw decodeError('SEGMENT_TRUNCATED', `${bytes.length} bytes, shorter than its header and checksum`);
  }
  const bodyEnd = bytes.length - CHECKSUM_BYTES;
  const expected = createHash('sha256').update(bytes.subarray(0, bodyEnd)).digest();
  if (!expected.equals(bytes.subarray(bodyEnd))) {
    throw decodeError(
      'SEGMENT_CHECKSUM_MISMATCH',
      `SHA-256 of the content is ${expected.toString('hex')} but the trailer says ` +
        `${bytes.subarray(bodyEnd).toString('hex')} (the object is corrupt or truncated)`,
    );
  }

  const reader = new Reader(bytes, minimum, bodyEnd);
  const topic = reader.utf8(topicLength, 'topic');
  const partition = reader.int32('partition');
  const firstOffset = reader.int64('first offset');
  const lastOffset = reader.int64('last offset');
  const count = reader.uint32('record count');
  if (!TOPIC_NAME.test(topic) || partition < 0 || !isOffset(firstOffset) || lastOffset < firstOffset) {
    throw decodeError(
      'SEGMENT_CORRUPT',
      `implausible header: topic=${JSON.stringify(topic)} partition=${partition} first=${firstOffset} last=${lastOffset}`,
    );
  }
  if (count === 0) throw decodeError('SEGMENT_CORRUPT', 'record count is 0');
  const ref = { topic, partition };
  if (version === BATCH_SEGMENT_VERSION) {
    const batches = decodeBatches(reader, bodyEnd, firstOffset, lastOffset, count);
    return { version, ref, firstOffset, lastOffset, recordCount: count, records: [], batches };
  }

  const records: SourceRecord[] = [];
  let previous = -1n;
  for (let i = 0; i < count; i++) {
    const delta = reader.varint(`record #${i} offset delta`);
    const offset = firstOffset + delta;
    if (offset > INT64_MAX || (i > 0 && offset <= previous) || (i === 0 && delta !== 0n)) {
      throw decodeError('SEGMENT_CORRUPT', `record #${i}: offset ${offset} out of order`);
    }
    previous = offset;
    const timestamp = reader.int64(`record #${i} timestamp`);
    const typeByte = reader.uint8(`record #${i} timestamp type`);
    const timestampType = TIMESTAMP_TYPES[typeByte];
    if (timestampType === undefined) {
      throw decodeError('SEGMENT_CORRUPT', `record #${i}: timestamp type byte ${typeByte}`);
    }
    const key = reader.nullable(`record #${i} key`);
    const value = reader.nullable(`record #${i} value`);
    const headerCount = reader.int32(`record #${i} header count`);
    if (headerCount < 0) throw decodeError('SEGMENT_CORRUPT', `record #${i}: header count ${headerCount}`);
    const headers: [Uint8Array, Uint8Array | null][] = [];
    for (let h = 0; h < headerCount; h++) {
      const hk = reader.nullable(`record #${i} header #${h} key`);
      if (hk === null) throw decodeError('SEGMENT_CORRUPT', `record #${i} header #${h}: null key`);
      headers.push([hk, reader.nullable(`record #${i} header #${h} value`)]);
    }
    records.push({ offset, timestamp, timestampType, key, value, headers });
  }
  if (reader.position !== bodyEnd) {
    throw decodeError(
      'SEGMENT_CORRUPT',
      `${bodyEnd - reader.position} unexpected bytes after the last record`,
    );
  }
  if (previous !== lastOffset) {
    throw decodeError('SEGMENT_CORRUPT', `header says last offset ${lastOffset}, records end at ${previous}`);
  }
  return { version, ref, firstOffset, lastOffset, recordCount: count, records, batches: [] };
}

/** The version of the object's format, from its magic and version byte. */
function formatVersion(bytes: Buffer, minimum: number): 1 | 2 {
  const n = Math.min(bytes.length, MAGIC_LENGTH + 1);
  const signature = SIGNATURES.find((s) => s.bytes.subarray(0, n).equals(bytes.subarray(0, n)));
  if (bytes.length < minimum) {
    if (signature) throw decodeError('SEGMENT_TRUNCATED', `only ${bytes.length} bytes`);
    throw decodeError(
      'SEGMENT_NOT_A_SEGMENT',
      `does not start with ${SEGMENT_MAGIC} or ${BATCH_SEGMENT_MAGIC}`,
    );
  }
  if (signature) return signature.version;
  const magic = bytes.toString('latin1', 0, MAGIC_LENGTH);
  if (!magic.startsWith('KMSEG')) {
    throw decodeError(
      'SEGMENT_NOT_A_SEGMENT',
      `does not start with ${SEGMENT_MAGIC} or ${BATCH_SEGMENT_MAGIC}`,
    );
  }
  throw decodeError(
    'SEGMENT_NOT_A_SEGMENT',
    `unsupported version: magic ${JSON.stringify(magic)}, version byte ${bytes[MAGIC_LENGTH]} ` +
      `(this build reads ${SEGMENT_MAGIC} version ${SEGMENT_VERSION} and ${BATCH_SEGMENT_MAGIC} version ${BATCH_SEGMENT_VERSION})`,
  );
}

/** The batches of a v2 segment, checked against its header (first and last offset, record count). */
function decodeBatches(
  reader: Reader,
  bodyEnd: number,
  firstOffset: bigint,
  lastOffset: bigint,
  count: number,
): Uint8Array[] {
  const batchCount = reader.uint32('batch count');
  if (batchCount === 0 || batchCount > count) {
    throw decodeError('SEGMENT_CORRUPT', `${batchCount} batches for ${count} records`);
  }
  const batches: Uint8Array[] = [];
  let records = 0;
  let previous = firstOffset - 1n;
  for (let i = 0; i < batchCount; i++) {
    const start = reader.position;
    reader.int64(`batch #${i} base offset`);
    const batchLength = reader.int32(`batch #${i} length`);
    if (batchLength < BATCH_HEADER_BYTES - LOG_OVERHEAD_BYTES) {
      throw decodeError('SEGMENT_CORRUPT', `batch #${i}: length ${batchLength}`);
    }
    reader.view(batchLength, `batch #${i}`);
    const batch = reader.slice(start, reader.position);
    const h = batchHeader(batch);
    if (h.magic !== 2) throw decodeError('SEGMENT_CORRUPT', `batch #${i}: magic byte ${h.magic}`);
    // Compaction leaves batches with fewer records than offsets, never more.
    if (h.lastOffsetDelta < 0 || h.recordsCount < 1 || h.recordsCount > h.lastOffsetDelta + 1) {
      throw decodeError(
        'SEGMENT_CORRUPT',
        `batch #${i}: ${h.recordsCount} records up to offset delta ${h.lastOffsetDelta}`,
      );
    }
    if (i === 0 ? h.baseOffset !== firstOffset : h.baseOffset <= previous) {
      throw decodeError('SEGMENT_CORRUPT', `batch #${i}: base offset ${h.baseOffset} out of order`);
    }
    previous = h.baseOffset + BigInt(h.lastOffsetDelta);
    records += h.recordsCount;
    batches.push(batch);
  }
  if (reader.position !== bodyEnd) {
    throw decodeError(
      'SEGMENT_CORRUPT',
      `${bodyEnd - reader.position} unexpected bytes after the last batch`,
    );
  }
  if (previous !== lastOffset || records !== count) {
    throw decodeError(
      'SEGMENT_CORRUPT',
      `header says ${count} records up to offset ${lastOffset}, batches hold ${records} up to ${previous}`,
    );
  }
  return batches;
}

class Reader {
  position: number;
  readonly #bytes: Buffer;
  readonly #end: number;

  constructor(bytes: Buffer, position: number, end: number) {
    this.#bytes = bytes;
    this.position = position;
    this.#end = end;
  }

  #take(n: number, what: string): number {
    if (n < 0 || this.position + n > this.#end) {
      throw decodeError(
        'SEGMENT_TRUNCATED',
        `${what}: needs ${n} bytes at ${this.position}, content ends at ${this.#end}`,
      );
    }
    const at = this.position;
    this.position += n;
    return at;
  }

  uint8(what: string): number {
    return this.#bytes.readUInt8(this.#take(1, what));
  }

  int32(what: string): number {
    return this.#bytes.readInt32BE(this.#take(4, what));
  }

  uint32(what: string): number {
    return this.#bytes.readUInt32BE(this.#take(4, what));
  }

  int64(what: string): bigint {
    return this.#bytes.readBigInt64BE(this.#take(8, what));
  }

  utf8(n: number, what: string): string {
    const at = this.#take(n, what);
    return this.#bytes.toString('utf8', at, at + n);
  }

  nullable(what: string): Uint8Array | null {
    const length = this.int32(`${what} length`);
    if (length === -1) return null;
    if (length < -1) throw decodeError('SEGMENT_CORRUPT', `${what}: length ${length}`);
    return this.view(length, what);
  }

  /** The next `n` bytes, as a view (not a copy). */
  view(n: number, what: string): Uint8Array {
    const at = this.#take(n, what);
    return this.slice(at, at + n);
  }

  /** Bytes `[from, to)` already read, as a view (not a copy). */
  slice(from: number, to: number): Uint8Array {
    return new Uint8Array(this.#bytes.buffer, this.#bytes.byteOffset + from, to - from);
  }

  varint(what: string): bigint {
    let value = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const byte = this.uint8(what);
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
      shift += 7n;
    }
    throw decodeError('SEGMENT_CORRUPT', `${what}: varint longer than 10 bytes`);
  }
}

function decodeError(code: string, message: string, cause?: unknown): InvariantError {
  return new InvariantError(`segment object: ${message}`, {
    code,
    fix: 'The staged object is damaged. Delete it (and the objects after it for this partition) and re-run the seed: the partition restarts from its last checkpoint and re-stages from the source.',
    cause,
  });
}

/* ----------------------------------------- keys and manifest ----------------------------------------- */

function pad20(offset: bigint): string {
  return toDecimal(offset).padStart(20, '0');
}

/**
 * `<migrationId>/topics/<topic>/partition=<p>/<first:020>-<last:020>.kmseg`, relative to the segments
 * store's prefix (the directory is `segmentsPartitionPrefix` of plan/storage-layout.ts). Zero-padded
 * offsets make the keys of a partition list in offset order.
 */
export function segmentKey(
  migrationId: string,
  ref: PartitionRef,
  firstOffset: bigint,
  lastOffset: bigint,
): string {
  if (!MIGRATION_ID.test(migrationId)) {
    throw encodeError(
      'SEGMENT_BAD_MIGRATION_ID',
      `${JSON.stringify(migrationId)} cannot be part of an S3 key`,
    );
  }
  validateRef(ref);
  if (!isOffset(firstOffset) || !isOffset(lastOffset) || lastOffset < firstOffset) {
    throw encodeError('SEGMENT_BAD_RANGE', `offset range ${firstOffset}-${lastOffset}`);
  }
  return joinKey(
    migrationId,
    'topics',
    ref.topic,
    `partition=${ref.partition}`,
    `${pad20(firstOffset)}-${pad20(lastOffset)}${SEGMENT_EXTENSION}`,
  );
}

const SEGMENT_KEY =
  /^([A-Za-z0-9_-][A-Za-z0-9._-]*)\/topics\/([A-Za-z0-9._-]+)\/partition=(0|[1-9][0-9]*)\/([0-9]{20})-([0-9]{20})\.kmseg$/;

export interface SegmentKeyParts {
  readonly migrationId: string;
  readonly ref: PartitionRef;
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
}

/** The parts of a key made by `segmentKey` (e.g. when listing staged segments on resume); undefined otherwise. */
export function parseSegmentKey(key: string): SegmentKeyParts | undefined {
  const m = SEGMENT_KEY.exec(key);
  if (!m) return undefined;
  const partition = Number(m[3]);
  const firstOffset = BigInt(m[4]!);
  const lastOffset = BigInt(m[5]!);
  if (partition > INT32_MAX || !isOffset(firstOffset) || !isOffset(lastOffset) || lastOffset < firstOffset) {
    return undefined;
  }
  return { migrationId: m[1]!, ref: { topic: m[2]!, partition }, firstOffset, lastOffset };
}

/** One staged object as listed in a checkpoint and in the evidence artifacts. */
export interface SegmentManifestEntry {
  readonly key: string;
  /** Source offsets of the first and last record, decimal strings. */
  readonly first_offset: string;
  readonly last_offset: string;
  readonly records: number;
  /** Size of the stored object (after gzip, if any). */
  readonly bytes: number;
  /** Lowercase hex SHA-256 of the stored object bytes. */
  readonly sha256: string;
}

export const segmentManifestEntrySchema = z.strictObject({
  key: z.string().min(1),
  first_offset: decimalOffsetSchema,
  last_offset: decimalOffsetSchema,
  records: z.int().min(1),
  bytes: z.int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export interface BuiltSegment {
  readonly key: string;
  readonly body: Uint8Array;
  readonly entry: SegmentManifestEntry;
}

/** Encodes `records` (version 1) and names the object: what the copier puts and then records in its checkpoint. */
export function buildSegment(
  migrationId: string,
  ref: PartitionRef,
  records: readonly SourceRecord[],
  options: EncodeSegmentOptions = {},
): BuiltSegment {
  const body = encodeSegment(ref, records, options);
  const sha256 = createHash('sha256').update(body).digest('hex');
  const first = records[0]!.offset;
  const last = records[records.length - 1]!.offset;
  return {
    body,
    ...namedSegment(migrationId, ref, first, last, records.length, { bytes: body.length, sha256 }),
  };
}

/**
 * Like `buildSegment`, for source batches stored as they are (version 2, never gzipped). One pass over
 * the bytes yields the trailer and the object hash (which then also signs the upload).
 */
export function buildBatchSegment(
  migrationId: string,
  ref: PartitionRef,
  batches: readonly RawBatch[],
): BuiltSegment {
  const { chunks, bytes, sha256 } = encodeBatchSegmentChunks(ref, batches);
  const body = new Uint8Array(Buffer.concat(chunks));
  return { body, ...nameBatchSegment(migrationId, ref, batches, { bytes, sha256 }) };
}

/** `namedSegment` for a version 2 object of `batches`. */
export function nameBatchSegment(
  migrationId: string,
  ref: PartitionRef,
  batches: readonly RawBatch[],
  object: { readonly bytes: number; readonly sha256: string },
): { key: string; entry: SegmentManifestEntry } {
  const lastBatch = batches[batches.length - 1]!;
  const last = lastBatch.lastOffset ?? lastBatch.baseOffset + BigInt(lastBatch.count) - 1n;
  let records = 0;
  for (const b of batches) records += b.count;
  return namedSegment(migrationId, ref, batches[0]!.baseOffset, last, records, object);
}

/** The object's key and manifest entry (`bytes` and `sha256` of the stored object). */
export function namedSegment(
  migrationId: string,
  ref: PartitionRef,
  first: bigint,
  last: bigint,
  records: number,
  object: { readonly bytes: number; readonly sha256: string },
): { key: string; entry: SegmentManifestEntry } {
  const key = segmentKey(migrationId, ref, first, last);
  const entry = {
    key,
    first_offset: toDecimal(first),
    last_offset: toDecimal(last),
    records,
    bytes: object.bytes,
    sha256: object.sha256,
  };
  return { key, entry };
}
