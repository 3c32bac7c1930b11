/**
 * Record batches as bytes — the data path's pass-through. Pure: no I/O, unit-tested with hand-built
 * batches. A source batch whose records can land on the target unchanged is copied as it is, with
 * only the producer fields rewritten (`canPassThrough` says which); READ_COMMITTED selection works
 * on headers (`selectBatches`, the algorithm of data-records.ts' selectCommitted).
 *
 * What stays byte for byte, what is rewritten, which batches pass through and why:
 * docs/data-path.md, "Batch pass-through"; its effect: docs/performance.md.
 */
import { InvariantError } from '../../domain/errors.ts';
import { BATCH_FIELD, BATCH_HEADER_BYTES, LOG_OVERHEAD_BYTES } from '../../domain/record-batch.ts';
import { crc32cCombine } from './crc32c.ts';
import {
  type AbortedTransaction,
  BATCH_ATTRIBUTES,
  type BatchFacts,
  CONTROL_TYPE_ABORT,
  type CommittedBatches,
  selectCommitted,
  UndecodableBatchError,
} from './data-records.ts';

/** Attribute bit 6: the batch carries a delete horizon (KIP-534) in its base timestamp. */
const DELETE_HORIZON = 0x40;

export interface BatchHeader {
  readonly baseOffset: bigint;
  readonly lastOffsetDelta: number;
  readonly magic: number;
  readonly attributes: number;
  readonly firstTimestamp: bigint;
  readonly maxTimestamp: bigint;
  readonly producerId: bigint;
  readonly count: number;
  /** A control batch whose first record is an ABORT marker. */
  readonly abortMarker: boolean;
  /** The whole batch: a view into the fetched buffer. */
  readonly bytes: Uint8Array;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function lastOffsetOfHeader(h: Pick<BatchHeader, 'baseOffset' | 'lastOffsetDelta'>): bigint {
  return h.baseOffset + BigInt(h.lastOffsetDelta);
}

/**
 * The batches of a Fetch response partition's `records` bytes, in order. A trailing partial batch
 * (the broker cuts the response at max bytes) is left out. Message format v0/v1 data raises an
 * UndecodableBatchError naming its offset.
 */
export function parseBatchHeaders(records: Uint8Array): BatchHeader[] {
  const out: BatchHeader[] = [];
  const dv = view(records);
  let pos = 0;
  while (records.byteLength - pos >= LOG_OVERHEAD_BYTES) {
    const baseOffset = dv.getBigInt64(pos);
    const length = dv.getInt32(pos + 8);
    const size = LOG_OVERHEAD_BYTES + length;
    if (length < 0 || records.byteLength - pos < size) break;
    const magic = size > BATCH_FIELD.magic ? dv.getInt8(pos + BATCH_FIELD.magic) : -1;
    if (magic !== 2) {
      throw new UndecodableBatchError(
        `record batch at offset ${baseOffset} has message format v${magic} (magic ${magic}); ` +
          'only format v2 (Kafka ≥ 0.11) is supported',
        baseOffset,
      );
    }
    if (size < BATCH_HEADER_BYTES) {
      throw new UndecodableBatchError(
        `record batch at offset ${baseOffset} is shorter than its header`,
        baseOffset,
      );
    }
    const bytes = records.subarray(pos, pos + size);
    const attributes = dv.getInt16(pos + BATCH_FIELD.attributes);
    out.push({
      baseOffset,
      lastOffsetDelta: dv.getInt32(pos + BATCH_FIELD.lastOffsetDelta),
      magic,
      attributes,
      firstTimestamp: dv.getBigInt64(pos + BATCH_FIELD.baseTimestamp),
      maxTimestamp: dv.getBigInt64(pos + BATCH_FIELD.maxTimestamp),
      producerId: dv.getBigInt64(pos + BATCH_FIELD.producerId),
      count: dv.getInt32(pos + BATCH_FIELD.recordCount),
      abortMarker:
        (attributes & BATCH_ATTRIBUTES.control) !== 0 && firstControlType(bytes) === CONTROL_TYPE_ABORT,
      bytes,
    });
    pos += size;
  }
  return out;
}

/** Zigzag varint at `pos`: [value, next position], or undefined past the end. */
function readVarint(bytes: Uint8Array, pos: number): [number, number] | undefined {
  let raw = 0;
  let shift = 0;
  for (let i = pos; i < bytes.byteLength && shift <= 28; i++) {
    const b = bytes[i]!;
    raw += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2, i + 1];
    shift += 7;
  }
  return undefined;
}

/** Zigzag varlong: skipped (only its end matters here). */
function skipVarlong(bytes: Uint8Array, pos: number): number | undefined {
  for (let i = pos; i < bytes.byteLength && i < pos + 10; i++) if ((bytes[i]! & 0x80) === 0) return i + 1;
  return undefined;
}

/**
 * The control type (ABORT 0, COMMIT 1) of a control batch's first record: record = length varint,
 * attributes int8, timestamp delta varlong, offset delta varint, key length varint, key (int16
 * version, int16 type), … Control batches are never compressed. Undefined when malformed.
 */
export function firstControlType(batch: Uint8Array): number | undefined {
  if (batch.byteLength < BATCH_HEADER_BYTES) return undefined;
  if ((view(batch).getInt16(BATCH_FIELD.attributes) & BATCH_ATTRIBUTES.compressionMask) !== 0)
    return undefined;
  let pos = BATCH_HEADER_BYTES;
  const length = readVarint(batch, pos);
  if (!length) return undefined;
  pos = length[1] + 1; // attributes
  const afterTimestamp = skipVarlong(batch, pos);
  if (afterTimestamp === undefined) return undefined;
  const offsetDelta = readVarint(batch, afterTimestamp);
  if (!offsetDelta) return undefined;
  const keyLength = readVarint(batch, offsetDelta[1]);
  if (!keyLength || keyLength[0] < 4 || keyLength[1] + 4 > batch.byteLength) return undefined;
  return view(batch).getInt16(keyLength[1] + 2);
}

export interface SelectOptions {
  readonly fetchOffset: bigint;
  readonly isolationLevel: 'read_committed' | 'read_uncommitted';
  readonly abortedTransactions?: readonly AbortedTransaction[] | null | undefined;
}

function factsOfHeader(h: BatchHeader): BatchFacts {
  return {
    first: h.baseOffset,
    last: lastOffsetOfHeader(h),
    producerId: h.producerId,
    attributes: h.attributes,
    abortMarker: h.abortMarker,
    count: h.count,
  };
}

/**
 * Control batches and (under read_committed) aborted transactional batches removed — the
 * header-level twin of decodeFetchedBatches (data-records.ts' selectCommitted) — and batches wholly
 * below `fetchOffset` too.
 */
export function selectBatches(
  batches: readonly BatchHeader[],
  options: SelectOptions,
): CommittedBatches<BatchHeader> {
  const selected = selectCommitted(batches, factsOfHeader, options);
  const kept = selected.kept.filter((h) => lastOffsetOfHeader(h) >= options.fetchOffset);
  return { ...selected, kept };
}

export interface PassThroughRange {
  readonly fetchOffset: bigint;
  /** Exclusive upper bound of the wanted offsets (the seed boundary), if any. */
  readonly upTo?: bigint | undefined;
  readonly minBatchBytes: number;
}

/** Whether a kept (data) batch can be produced as it is; see the module comment. */
export function canPassThrough(h: BatchHeader, range: PassThroughRange): boolean {
  return (
    h.magic === 2 &&
    (h.attributes & (BATCH_ATTRIBUTES.control | BATCH_ATTRIBUTES.logAppendTime | DELETE_HORIZON)) === 0 &&
    h.count >= 1 &&
    h.lastOffsetDelta === h.count - 1 &&
    h.baseOffset >= range.fetchOffset &&
    (range.upTo === undefined || lastOffsetOfHeader(h) < range.upTo) &&
    h.bytes.byteLength >= range.minBatchBytes
  );
}

/**
 * The CRC-32C of the batch's records (bytes 61…end) when the batch's stored CRC-32C (byte 17, over
 * bytes 21…end) matches, else undefined. The records are read once: their CRC, combined with the
 * header's, checks the source batch here and gives the rewritten batch its CRC
 * (`rewriteHeaderForProduce`) without a second pass.
 */
export function verifiedRecordsCrc(
  batch: Uint8Array,
  crc32c: (data: Uint8Array) => number,
): number | undefined {
  if (batch.byteLength < BATCH_HEADER_BYTES) return undefined;
  const records = crc32c(batch.subarray(BATCH_HEADER_BYTES)) >>> 0;
  const header = crc32c(batch.subarray(BATCH_FIELD.attributes, BATCH_HEADER_BYTES));
  const whole = crc32cCombine(header, records, batch.byteLength - BATCH_HEADER_BYTES);
  return view(batch).getUint32(BATCH_FIELD.crc) === whole ? records : undefined;
}

export interface ProducerFields {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
}

/**
 * The first 61 bytes of `batch` rewritten for a Produce request of an idempotent producer: base
 * offset 0, leader epoch -1, transactional flag cleared, our producer id / epoch / base sequence, and
 * the CRC-32C over the new header bytes 21…60 continued over the untouched records (`batch` from
 * byte 61 on), so the records go into the request as they are, never copied. `crc32cAppend(data,
 * crcSoFar)` continues a CRC (0 to start). `recordsCrc`, the records' CRC-32C when already known
 * (`verifiedRecordsCrc`), spares reading them again. The source bytes are not touched.
 */
export function rewriteHeaderForProduce(
  batch: Uint8Array,
  fields: ProducerFields,
  crc32cAppend: (data: Uint8Array, initial: number) => number,
  recordsCrc?: number,
): Buffer {
  checkRewritable(batch);
  const out = Buffer.allocUnsafe(BATCH_HEADER_BYTES);
  out.set(batch.subarray(0, BATCH_HEADER_BYTES));
  const dv = setProducerFields(out, fields);
  const headerCrc = crc32cAppend(out.subarray(BATCH_FIELD.attributes), 0);
  const records = batch.subarray(BATCH_HEADER_BYTES);
  const crc =
    recordsCrc === undefined
      ? crc32cAppend(records, headerCrc)
      : crc32cCombine(headerCrc, recordsCrc, records.byteLength);
  dv.setUint32(BATCH_FIELD.crc, crc >>> 0);
  return out;
}

function checkRewritable(batch: Uint8Array): void {
  if (batch.byteLength < BATCH_HEADER_BYTES || batch[BATCH_FIELD.magic] !== 2) {
    throw new InvariantError(`not a record batch v2 (${batch.byteLength} bytes)`, {
      code: 'BATCH_REWRITE_INVALID',
      fix: 'This is a bug in the copier: report it with the copier log.',
    });
  }
}

/** Base offset 0, leader epoch -1, transactional flag off, the producer fields (not the CRC). */
function setProducerFields(header: Buffer, fields: ProducerFields): DataView {
  const dv = view(header);
  dv.setBigInt64(0, 0n);
  dv.setInt32(BATCH_FIELD.partitionLeaderEpoch, -1);
  dv.setInt16(BATCH_FIELD.attributes, dv.getInt16(BATCH_FIELD.attributes) & ~BATCH_ATTRIBUTES.transactional);
  dv.setBigInt64(BATCH_FIELD.producerId, fields.producerId);
  dv.setInt16(BATCH_FIELD.producerEpoch, fields.producerEpoch);
  dv.setInt32(BATCH_FIELD.baseSequence, fields.baseSequence);
  return dv;
}

/** The next base sequence after `count` records (Kafka wraps sequences at 2^31 − 1 to 0). */
export function nextSequence(sequence: number, count: number): number {
  const next = sequence + count;
  return next > 0x7fffffff ? next - 0x80000000 : next;
}
