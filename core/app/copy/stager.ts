import { webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import {
  encodeBatchSegmentChunks,
  encodeSegment,
  nameBatchSegment,
  namedSegment,
  type SegmentManifestEntry,
} from '../../domain/copy/index.ts';
import { InvariantError } from '../../domain/errors.ts';
import type { ObjectBody, ObjectStore, PartitionRef, RawBatch, SourceRecord } from '../../ports.ts';

const gzipAsync = promisify(gzip);

export interface StagerOptions {
  readonly migrationId: string;
  readonly ref: PartitionRef;
  /** Close a segment once its records reach about this many (encoded) bytes. */
  readonly segmentMaxBytes: number;
  readonly maxUploadsInFlight: number;
  readonly gzipLevel: number;
}

/** The open segment: one kind only (a records segment is format v1, a batches segment v2). */
type Buffered =
  | { readonly kind: 'records'; readonly records: SourceRecord[] }
  | { readonly kind: 'batches'; readonly batches: RawBatch[] };

/**
 * Seed staging of one partition (SPEC §6.2, docs/segment-format.md): buffers the records read from
 * the source — decoded records (`add`, segment format v1) or source batches copied as they are
 * (`addBatches`, format v2); a segment holds one kind only, so switching kind closes the open one —
 * closes a segment at `segmentMaxBytes` (and at the boundary, `finish`), and uploads it
 * in the background while the partition keeps copying — at most `maxUploadsInFlight` uploads at once;
 * a further close waits for the oldest (bounded memory). `onStaged` is called once per uploaded
 * segment, strictly in offset order (the checkpoint's manifest lists only complete objects, in order),
 * and never for a segment after one that failed.
 *
 * A records object is encoded like `buildSegment` but gzipped and hashed on the libuv thread pool
 * (zlib's async gzip, WebCrypto's digest), so a 32 MiB segment does not block the event loop — and
 * with it every partition's pipeline — for a second. A batches object is encoded like
 * `buildBatchSegment` (not gzipped: the batches are compressed already), hashed the same way; the
 * batches' bytes stay views into the fetched data until then and are copied once, into the object.
 * Keys may repeat after a restart (an orphan staged just before a crash): plain puts that overwrite,
 * never `ifNoneMatch`.
 */
export class SegmentStager {
  readonly #store: ObjectStore;
  readonly #options: StagerOptions;
  readonly #onStaged: (entry: SegmentManifestEntry) => void;
  #buffer: Buffered | undefined;
  /** Size of the open segment: encoded records (about) or batch bytes. */
  #bytes = 0;
  /** Source offset from which records still need staging. */
  #next: bigint;
  readonly #uploads = new Set<Promise<void>>();
  /** Resolves after the previous segment was reported (keeps `onStaged` in order). */
  #chain: Promise<void> = Promise.resolve();
  #error: unknown;

  constructor(
    store: ObjectStore,
    from: bigint,
    options: StagerOptions,
    onStaged: (entry: SegmentManifestEntry) => void,
  ) {
    this.#store = store;
    this.#next = from;
    this.#options = options;
    this.#onStaged = onStaged;
  }

  /** The first source offset not staged yet (not counting buffered records as unstaged). */
  get next(): bigint {
    return this.#next;
  }

  /**
   * Adds the records of a fetch covering source offsets up to `coveredUntil` (exclusive). Records
   * below `next` (staged before) are ignored. May wait for an upload slot.
   */
  async add(records: readonly SourceRecord[], coveredUntil: bigint): Promise<void> {
    this.#throwIfFailed();
    const wanted = records.filter((r) => r.offset >= this.#next);
    if (wanted.length > 0) {
      const buffer = await this.#open('records');
      for (const r of wanted) {
        buffer.records.push(r);
        this.#bytes += encodedSize(r);
      }
    }
    await this.#advance(coveredUntil);
  }

  /**
   * Adds source batches copied as they are (RawBatch), in offset order, of a fetch covering source
   * offsets up to `coveredUntil` (exclusive). Batches wholly below `next` (staged before) are ignored;
   * one starting below `next` but reaching it, or overlapping the batch before it, is a bug of the
   * caller (InvariantError). The bytes are kept as given (not copied) until the segment is encoded.
   * May wait for an upload slot.
   */
  async addBatches(batches: readonly RawBatch[], coveredUntil: bigint): Promise<void> {
    this.#throwIfFailed();
    const wanted: RawBatch[] = [];
    let cursor = this.#next;
    for (const b of batches) {
      if (!Number.isInteger(b.count) || b.count < 1) {
        throw stagingError(`batch at ${b.baseOffset} has ${b.count} records`);
      }
      const last = b.lastOffset ?? b.baseOffset + BigInt(b.count) - 1n;
      if (last < this.#next) continue;
      if (b.baseOffset < cursor) {
        throw stagingError(
          `batch ${b.baseOffset}-${last} starts below offset ${cursor}, which is ` +
            (cursor === this.#next ? 'the next to stage' : 'past the batch before it'),
        );
      }
      wanted.push(b);
      cursor = last + 1n;
    }
    if (wanted.length > 0) {
      const buffer = await this.#open('batches');
      for (const b of wanted) {
        buffer.batches.push(b);
        this.#bytes += b.bytes.length;
      }
    }
    await this.#advance(coveredUntil);
  }

  /** The open segment of `kind`; an open segment of the other kind is closed (uploaded) first. */
  async #open<K extends Buffered['kind']>(kind: K): Promise<Extract<Buffered, { kind: K }>> {
    if (this.#buffer?.kind !== kind) {
      await this.#close();
      this.#buffer = kind === 'records' ? { kind: 'records', records: [] } : { kind: 'batches', batches: [] };
    }
    return this.#buffer as Extract<Buffered, { kind: K }>;
  }

  /** Everything below `coveredUntil` is staged or buffered; a full segment is closed. */
  async #advance(coveredUntil: bigint): Promise<void> {
    if (coveredUntil > this.#next) this.#next = coveredUntil;
    if (this.#bytes >= this.#options.segmentMaxBytes) await this.#close();
  }

  /** Source offsets `[next, to)` cannot be staged (aged out on the source): move past them. */
  skipTo(to: bigint): void {
    if (to > this.#next) this.#next = to;
  }

  /** Closes the last (partial) segment and waits until every segment is uploaded and reported. */
  async finish(): Promise<void> {
    await this.#close();
    await this.settle();
    this.#throwIfFailed();
  }

  /** Waits for the uploads in flight without closing the buffer (stop, recovery); never throws. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#uploads]);
    await this.#chain.catch(() => undefined);
  }

  /** A failed upload, if any (after `settle`). */
  get error(): unknown {
    return this.#error;
  }

  #throwIfFailed(): void {
    if (this.#error !== undefined) throw this.#error;
  }

  async #close(): Promise<void> {
    const segment = this.#buffer;
    if (segment === undefined) return;
    this.#buffer = undefined;
    this.#bytes = 0;
    while (this.#uploads.size >= this.#options.maxUploadsInFlight) {
      await Promise.race(this.#uploads);
      this.#throwIfFailed();
    }
    const previous = this.#chain;
    const upload = this.#upload(segment, previous);
    this.#chain = upload;
    const tracked = upload.then(
      () => undefined,
      (e: unknown) => {
        this.#error ??= e;
      },
    );
    this.#uploads.add(tracked);
    void tracked.finally(() => this.#uploads.delete(tracked));
  }

  async #upload(segment: Buffered, previous: Promise<void>): Promise<void> {
    const { migrationId, ref, gzipLevel } = this.#options;
    let key: string;
    let entry: SegmentManifestEntry;
    let body: ObjectBody;
    if (segment.kind === 'records') {
      const { records } = segment;
      const [first, last, count] = [records[0]!.offset, records[records.length - 1]!.offset, records.length];
      const gzipped = await gzipAsync(encodeSegment(ref, records), { level: gzipLevel });
      records.length = 0; // encoded: let the records go while the object uploads
      const sha256 = await sha256Hex(gzipped);
      ({ key, entry } = namedSegment(migrationId, ref, first, last, count, {
        bytes: gzipped.length,
        sha256,
      }));
      body = gzipped;
    } else {
      // The batches' own bytes go out as chunks (no joined copy); hashed synchronously in one pass:
      // WebCrypto's digest copies its input on the event loop and would hash twice.
      const { chunks, bytes, sha256 } = encodeBatchSegmentChunks(ref, segment.batches);
      ({ key, entry } = nameBatchSegment(migrationId, ref, segment.batches, { bytes, sha256 }));
      body = chunks;
    }
    await this.#store.put(key, body, { contentType: 'application/octet-stream', sha256: entry.sha256 });
    await previous; // rejects when an earlier segment failed: this one is then never reported
    this.#onStaged(entry);
  }
}

/** SHA-256 on the thread pool (WebCrypto digest is asynchronous), off the event loop like the gzip. */
async function sha256Hex(body: Uint8Array): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', body)).toString('hex');
}

function stagingError(message: string): InvariantError {
  return new InvariantError(`segment staging: ${message}`, {
    code: 'SEGMENT_BAD_RECORD',
    fix: 'This is a bug in the copier (it passes what the source returned): report it with the partition.',
  });
}

/** About the bytes a record takes in a segment (docs/segment-format.md, "Record"). */
function encodedSize(r: SourceRecord): number {
  let n = 3 + 8 + 1 + 4 + 4 + 4 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const [k, v] of r.headers) n += 8 + k.length + (v?.length ?? 0);
  return n;
}
