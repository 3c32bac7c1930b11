import { webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { encodeSegment, type SegmentManifestEntry, segmentKey, toDecimal } from '../../domain/copy/index.ts';
import type { ObjectStore, PartitionRef, SourceRecord } from '../../ports.ts';

const gzipAsync = promisify(gzip);

export interface StagerOptions {
  readonly migrationId: string;
  readonly ref: PartitionRef;
  /** Close a segment once its records reach about this many (encoded) bytes. */
  readonly segmentMaxBytes: number;
  readonly maxUploadsInFlight: number;
  readonly gzipLevel: number;
}

/**
 * Seed staging of one partition (SPEC §6.2, docs/segment-format.md): buffers the records read from
 * the source, closes a segment at `segmentMaxBytes` (and at the boundary, `finish`), and uploads it
 * in the background while the partition keeps copying — at most `maxUploadsInFlight` uploads at once;
 * a further close waits for the oldest (bounded memory). `onStaged` is called once per uploaded
 * segment, strictly in offset order (the checkpoint's manifest lists only complete objects, in order),
 * and never for a segment after one that failed.
 *
 * The object is encoded like `buildSegment` but gzipped and hashed on the libuv thread pool (zlib's
 * async gzip, WebCrypto's digest), so a 32 MiB segment does not block the event loop — and with it
 * every partition's pipeline — for a second. Keys may repeat after a restart (an orphan staged just before a crash): plain puts that
 * overwrite, never `ifNoneMatch`.
 */
export class SegmentStager {
  readonly #store: ObjectStore;
  readonly #options: StagerOptions;
  readonly #onStaged: (entry: SegmentManifestEntry) => void;
  #buffer: SourceRecord[] = [];
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
    for (const r of records) {
      if (r.offset < this.#next) continue;
      this.#buffer.push(r);
      this.#bytes += encodedSize(r);
    }
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
    if (this.#buffer.length === 0) return;
    const records = this.#buffer;
    this.#buffer = [];
    this.#bytes = 0;
    while (this.#uploads.size >= this.#options.maxUploadsInFlight) {
      await Promise.race(this.#uploads);
      this.#throwIfFailed();
    }
    const previous = this.#chain;
    const upload = this.#upload(records, previous);
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

  async #upload(records: readonly SourceRecord[], previous: Promise<void>): Promise<void> {
    const { migrationId, ref, gzipLevel } = this.#options;
    const first = records[0]!.offset;
    const last = records[records.length - 1]!.offset;
    const key = segmentKey(migrationId, ref, first, last);
    const plain = encodeSegment(ref, records);
    const body = await gzipAsync(plain, { level: gzipLevel });
    const entry: SegmentManifestEntry = {
      key,
      first_offset: toDecimal(first),
      last_offset: toDecimal(last),
      records: records.length,
      bytes: body.length,
      sha256: await sha256Hex(body),
    };
    await this.#store.put(key, body, { contentType: 'application/octet-stream' });
    await previous; // rejects when an earlier segment failed: this one is then never reported
    this.#onStaged(entry);
  }
}

/** SHA-256 on the thread pool (WebCrypto digest is asynchronous), off the event loop like the gzip. */
async function sha256Hex(body: Uint8Array): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', body)).toString('hex');
}

/** About the bytes a record takes in a segment (docs/segment-format.md, "Record"). */
function encodedSize(r: SourceRecord): number {
  let n = 3 + 8 + 1 + 4 + 4 + 4 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const [k, v] of r.headers) n += 8 + k.length + (v?.length ?? 0);
  return n;
}
