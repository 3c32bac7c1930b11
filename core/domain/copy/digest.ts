import { createHash, type Hash } from 'node:crypto';
import type { RecordHeader, RecordToWrite } from '../../ports.ts';

/**
 * Record and partition digests: what "the same record" means when a copy is compared with its source
 * (crash reconciliation, validation spot checks, the crash test). Offsets are deliberately not part of
 * a record's digest (they differ between source and target) and neither is the timestamp type.
 *
 * Canonical encoding hashed by `recordDigest` (big-endian, every length an int32):
 *
 *   "KMREC1" 0x00                       domain tag and version
 *   [timestamp int64]                   only when `includeTimestamp` (default)
 *   key    : int32 length (-1 = null), bytes
 *   value  : int32 length (-1 = null), bytes
 *   int32 header count, then per header in order:
 *            key int32 length, bytes; value int32 length (-1 = null), bytes
 *
 * Every variable part is length-prefixed, so distinct records have distinct encodings: null differs
 * from empty, header order and duplicates matter, and bytes cannot move between fields.
 */

/** Fields compared: those of RecordToWrite (a SourceRecord has them too). */
export type DigestibleRecord = Pick<RecordToWrite, 'timestamp' | 'key' | 'value' | 'headers'>;

export interface RecordDigestOptions {
  /**
   * Include the timestamp (default true). Pass false only where the target rewrites timestamps
   * (a topic with `message.timestamp.type=LogAppendTime`).
   */
  readonly includeTimestamp?: boolean;
}

const TAG_WITH_TIMESTAMP = Buffer.from('KMREC1\u0000', 'latin1');
const TAG_WITHOUT_TIMESTAMP = Buffer.from('KMREC1\u0001', 'latin1');

/** SHA-256 (32 bytes) of the canonical encoding of a record. */
export function recordDigestBytes(record: DigestibleRecord, options: RecordDigestOptions = {}): Uint8Array {
  const hash = createHash('sha256');
  const includeTimestamp = options.includeTimestamp ?? true;
  hash.update(includeTimestamp ? TAG_WITH_TIMESTAMP : TAG_WITHOUT_TIMESTAMP);
  if (includeTimestamp) {
    const ts = Buffer.alloc(8);
    ts.writeBigInt64BE(record.timestamp);
    hash.update(ts);
  }
  updateNullable(hash, record.key);
  updateNullable(hash, record.value);
  updateInt32(hash, record.headers.length);
  for (const header of record.headers) updateHeader(hash, header);
  return new Uint8Array(hash.digest());
}

/** Lowercase hex SHA-256 of the canonical encoding of a record. */
export function recordDigest(record: DigestibleRecord, options: RecordDigestOptions = {}): string {
  return Buffer.from(recordDigestBytes(record, options)).toString('hex');
}

function updateInt32(hash: Hash, value: number): void {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value);
  hash.update(b);
}

function updateNullable(hash: Hash, bytes: Uint8Array | null): void {
  if (bytes === null) {
    updateInt32(hash, -1);
    return;
  }
  updateInt32(hash, bytes.length);
  hash.update(bytes);
}

function updateHeader(hash: Hash, [key, value]: RecordHeader): void {
  updateInt32(hash, key.length);
  hash.update(key);
  updateNullable(hash, value);
}

/**
 * Running digest of a partition: SHA-256 over the 32-byte record digests, in offset order. Two
 * partitions with equal digests and counts hold the same records in the same order.
 */
export class PartitionDigest {
  readonly #hash = createHash('sha256');
  readonly #options: RecordDigestOptions;
  #count = 0n;

  constructor(options: RecordDigestOptions = {}) {
    this.#options = options;
  }

  /** Adds the next record (in offset order). Returns this, for chaining. */
  add(record: DigestibleRecord): this {
    this.#hash.update(recordDigestBytes(record, this.#options));
    this.#count += 1n;
    return this;
  }

  get count(): bigint {
    return this.#count;
  }

  /** Lowercase hex digest of the records added so far (the digest can keep growing afterwards). */
  hex(): string {
    return this.#hash.copy().digest('hex');
  }
}

/** Digest of a whole sequence of records (see PartitionDigest). */
export function partitionDigest(
  records: Iterable<DigestibleRecord>,
  options: RecordDigestOptions = {},
): { digest: string; count: bigint } {
  const running = new PartitionDigest(options);
  for (const record of records) running.add(record);
  return { digest: running.hex(), count: running.count };
}
