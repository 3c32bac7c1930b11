import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import type { PartitionRef, SourceRecord } from '../../ports.ts';
import { InvariantError } from '../errors.ts';
import { joinKey } from '../plan/storage-layout.ts';
import { decimalOffsetSchema, INT64_MAX, INT64_MIN, isOffset, toDecimal } from './int64.ts';

/**
 * Segment objects: the seed's staging copy of a partition's records in the segments bucket
 * (SPEC §6.2), one object per run of records, byte for byte. Layout and binary format, byte by byte:
 * docs/segment-format.md.
 *
 *   header  : "KMSEG1" | version u8 (=1) | topic u16 length + UTF-8 | partition int32
 *             | first source offset int64 | last source offset int64 | record count uint32
 *   records : offset delta from the first offset (unsigned LEB128 varint) | timestamp int64
 *             | timestamp type u8 (0 CreateTime, 1 LogAppendTime)
 *             | key int32 length (-1 = null) + bytes | value int32 length (-1 = null) + bytes
 *             | header count int32 | per header: key int32 length + bytes, value int32 length (-1 = null) + bytes
 *   trailer : SHA-256 of every byte before it (32 bytes)
 *
 * All integers big-endian. The object may be stored gzip-compressed as a whole (recognised on decode
 * by the gzip magic 1f 8b; the format itself starts with "K").
 */

export const SEGMENT_MAGIC = 'KMSEG1';
export const SEGMENT_VERSION = 1;
export const SEGMENT_EXTENSION = '.kmseg';
const MAGIC_BYTES = Buffer.from(SEGMENT_MAGIC, 'latin1');
const CHECKSUM_BYTES = 32;
const INT32_MAX = 0x7fffffff;
const UINT32_MAX = 0xffffffff;
const TIMESTAMP_TYPES = ['CreateTime', 'LogAppendTime'] as const;

/** Kafka's legal topic names (at most 249 of letters, digits, `.`, `_`, `-`; not `.` or `..`). */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;
const MIGRATION_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

export interface EncodeSegmentOptions {
  /** Gzip the whole object: true (level 6) or a zlib level 1–9. Default false. */
  readonly gzip?: boolean | number;
}

export interface DecodedSegment {
  readonly ref: PartitionRef;
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
  /** Keys, values and header bytes are views into the decoded buffer (not copies). */
  readonly records: SourceRecord[];
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
  let size = MAGIC_BYTES.length + 1 + 2 + topic.length + 4 + 8 + 8 + 4;
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
  let at = MAGIC_BYTES.copy(out, 0);
  at = out.writeUInt8(SEGMENT_VERSION, at);
  at = out.writeUInt16BE(topic.length, at);
  at += topic.copy(out, at);
  at = out.writeInt32BE(ref.partition, at);
  at = out.writeBigInt64BE(first, at);
  at = out.writeBigInt64BE(last, at);
  at = out.writeUInt32BE(records.length, at);
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
  createHash('sha256').update(out.subarray(0, at)).digest().copy(out, at);
  at += CHECKSUM_BYTES;
  if (at !== size) throw encodeError('SEGMENT_SIZE', `wrote ${at} bytes, computed ${size}`);

  const body = new Uint8Array(out.buffer, out.byteOffset, out.length);
  if (options.gzip === undefined || options.gzip === false) return body;
  const level = options.gzip === true ? 6 : options.gzip;
  return new Uint8Array(gzipSync(body, { level }));
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
 * Decodes (and gunzips when needed) a segment object. Verifies the trailing SHA-256 and the header
 * against the records. Wrong magic or version, truncated input, a checksum mismatch or any
 * inconsistency → InvariantError (codes SEGMENT_NOT_A_SEGMENT, SEGMENT_TRUNCATED,
 * SEGMENT_CHECKSUM_MISMATCH, SEGMENT_CORRUPT).
 */
export function decodeSegment(input: Uint8Array): DecodedSegment {
  let bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw decodeError(
        'SEGMENT_TRUNCATED',
        `gzip stream is damaged or truncated (${(e as Error).message})`,
        e,
      );
    }
  }
  const minimum = MAGIC_BYTES.length + 1 + 2;
  if (bytes.length < minimum || !bytes.subarray(0, MAGIC_BYTES.length).equals(MAGIC_BYTES)) {
    if (bytes.length < minimum && MAGIC_BYTES.subarray(0, bytes.length).equals(bytes)) {
      throw decodeError('SEGMENT_TRUNCATED', `only ${bytes.length} bytes`);
    }
    throw decodeError('SEGMENT_NOT_A_SEGMENT', `does not start with ${SEGMENT_MAGIC}`);
  }
  const version = bytes[MAGIC_BYTES.length]!;
  if (version !== SEGMENT_VERSION) {
    throw decodeError(
      'SEGMENT_NOT_A_SEGMENT',
      `unsupported version ${version} (this build reads ${SEGMENT_VERSION})`,
    );
  }
  const topicLength = bytes.readUInt16BE(MAGIC_BYTES.length + 1);
  const headerLength = minimum + topicLength + 4 + 8 + 8 + 4;
  if (bytes.length < headerLength + CHECKSUM_BYTES) {
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
  return { ref: { topic, partition }, firstOffset, lastOffset, records };
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
    const at = this.#take(length, what);
    return new Uint8Array(this.#bytes.buffer, this.#bytes.byteOffset + at, length);
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
  /^([A-Za-z0-9][A-Za-z0-9._-]*)\/topics\/([A-Za-z0-9._-]+)\/partition=(0|[1-9][0-9]*)\/([0-9]{20})-([0-9]{20})\.kmseg$/;

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

/** Encodes `records` and names the object: what the copier puts and then records in its checkpoint. */
export function buildSegment(
  migrationId: string,
  ref: PartitionRef,
  records: readonly SourceRecord[],
  options: EncodeSegmentOptions = {},
): BuiltSegment {
  const body = encodeSegment(ref, records, options);
  const first = records[0]!.offset;
  const last = records[records.length - 1]!.offset;
  const key = segmentKey(migrationId, ref, first, last);
  return {
    key,
    body,
    entry: {
      key,
      first_offset: toDecimal(first),
      last_offset: toDecimal(last),
      records: records.length,
      bytes: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
    },
  };
}
