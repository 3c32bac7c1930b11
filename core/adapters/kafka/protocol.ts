/**
 * The few Kafka protocol messages kafkajs does not give us, encoded and decoded by hand:
 *
 * - ApiVersions v3 (flexible request, response header v0) with the tagged fields
 *   SupportedFeatures (0), FinalizedFeaturesEpoch (1), FinalizedFeatures (2), ZkMigrationReady (3):
 *   the finalized `metadata.version` feature tells KRaft from ZooKeeper clusters.
 * - DescribeLogDirs v1–v4: bytes on disk per partition.
 * - ListOffsets v2 with isolation READ_UNCOMMITTED: the real high watermark (kafkajs' admin asks
 *   READ_COMMITTED and therefore returns the last stable offset).
 * - Fetch v4: raw record batches, to look at batch attributes (transactional / control) without
 *   decompressing anything.
 * - FindCoordinator v1 + OffsetFetch v3 with topics = null: every committed offset of a group from
 *   its coordinator in one request (kafkajs needs the topic list and refreshes its metadata once per
 *   topic it has not seen, O(topics²) on a big cluster).
 * - SaslHandshake v1 / SaslAuthenticate v1 so the raw client can log in like kafkajs does.
 *
 * Pure encoders/decoders; the socket lives in connection.ts.
 */
import { BATCH_FIELD, BATCH_HEADER_BYTES, LOG_OVERHEAD_BYTES } from '../../domain/record-batch.ts';
import { Reader, Writer } from './wire.ts';

export const API_KEYS = {
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetFetch: 9,
  FindCoordinator: 10,
  SaslHandshake: 17,
  ApiVersions: 18,
  DescribeLogDirs: 35,
  SaslAuthenticate: 36,
} as const;

/** Error codes this client names; anything else is reported as `UNKNOWN_SERVER_ERROR(<code>)`. */
export const ERROR_CODES: Readonly<Record<number, string>> = {
  [-1]: 'UNKNOWN_SERVER_ERROR',
  0: 'NONE',
  1: 'OFFSET_OUT_OF_RANGE',
  3: 'UNKNOWN_TOPIC_OR_PARTITION',
  5: 'LEADER_NOT_AVAILABLE',
  6: 'NOT_LEADER_OR_FOLLOWER',
  7: 'REQUEST_TIMED_OUT',
  13: 'NETWORK_EXCEPTION',
  14: 'COORDINATOR_LOAD_IN_PROGRESS',
  15: 'COORDINATOR_NOT_AVAILABLE',
  16: 'NOT_COORDINATOR',
  29: 'TOPIC_AUTHORIZATION_FAILED',
  30: 'GROUP_AUTHORIZATION_FAILED',
  31: 'CLUSTER_AUTHORIZATION_FAILED',
  33: 'UNSUPPORTED_SASL_MECHANISM',
  34: 'ILLEGAL_SASL_STATE',
  35: 'UNSUPPORTED_VERSION',
  41: 'NOT_CONTROLLER',
  53: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  54: 'SECURITY_DISABLED',
  56: 'KAFKA_STORAGE_ERROR',
  57: 'LOG_DIR_NOT_FOUND',
  58: 'SASL_AUTHENTICATION_FAILED',
  74: 'FENCED_LEADER_EPOCH',
  75: 'UNKNOWN_LEADER_EPOCH',
  78: 'OFFSET_NOT_AVAILABLE',
};

export function errorName(code: number): string {
  return ERROR_CODES[code] ?? `UNKNOWN_SERVER_ERROR(${code})`;
}

/** Group-level codes that mean "find the coordinator again and retry". */
export const COORDINATOR_RETRY_ERRORS: ReadonlySet<number> = new Set([7, 13, 14, 15, 16]);

/** Partition-level codes worth a metadata refresh and another try. */
export const RETRIABLE_PARTITION_ERRORS: ReadonlySet<number> = new Set([3, 5, 6, 7, 13, 56, 74, 75, 78]);

/** A non-zero error code in a raw response; `type` matches kafkajs' KafkaJSProtocolError.type. */
export class KafkaProtocolError extends Error {
  override readonly name = 'KafkaProtocolError';
  readonly type: string;
  readonly code: number;
  constructor(code: number, context: string) {
    super(`${context}: ${errorName(code)}`);
    this.code = code;
    this.type = errorName(code);
  }
}

// ---------------------------------------------------------------------------------------------
// Framing

export interface RequestHeader {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  /** Request header v2 (flexible versions) adds a tagged-field section after client_id. */
  readonly flexible: boolean;
}

/** A size-prefixed request: int32 length, header v1/v2, body. */
export function frameRequest(header: RequestHeader, body: Buffer): Buffer {
  const w = new Writer()
    .int16(header.apiKey)
    .int16(header.apiVersion)
    .int32(header.correlationId)
    .string(header.clientId);
  if (header.flexible) w.emptyTags();
  const payload = w.raw(body).toBuffer();
  return new Writer().int32(payload.length).raw(payload).toBuffer();
}

/** ApiVersions answers always use response header v0, even for its flexible versions. */
export function responseHeaderIsFlexible(apiKey: number, requestFlexible: boolean): boolean {
  return requestFlexible && apiKey !== API_KEYS.ApiVersions;
}

/** Splits a response frame (without its size prefix) into correlation id and body. */
export function parseResponseFrame(
  frame: Buffer,
  flexibleHeader: boolean,
): { correlationId: number; body: Buffer } {
  const r = new Reader(frame);
  const correlationId = r.int32();
  if (flexibleHeader) r.tags();
  return { correlationId, body: r.take(r.remaining) };
}

// ---------------------------------------------------------------------------------------------
// ApiVersions

export interface ApiVersionRange {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

export interface SupportedFeature {
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
}

export interface FinalizedFeature {
  readonly name: string;
  readonly maxVersionLevel: number;
  readonly minVersionLevel: number;
}

export interface ApiVersionsResult {
  readonly errorCode: number;
  readonly apiKeys: readonly ApiVersionRange[];
  readonly throttleTimeMs: number;
  readonly supportedFeatures: readonly SupportedFeature[];
  readonly finalizedFeaturesEpoch: bigint | undefined;
  readonly finalizedFeatures: readonly FinalizedFeature[];
  readonly zkMigrationReady: boolean | undefined;
}

export const API_VERSIONS_VERSION = 3;

export function encodeApiVersionsRequest(softwareName: string, softwareVersion: string): Buffer {
  return new Writer().compactString(softwareName).compactString(softwareVersion).emptyTags().toBuffer();
}

/**
 * Decodes an ApiVersions v3 response. A broker that does not know v3 answers with error 35
 * (UNSUPPORTED_VERSION) and a v0 body (its api keys, no features): that is decoded too.
 */
export function decodeApiVersionsResponse(body: Buffer): ApiVersionsResult {
  const r = new Reader(body);
  const errorCode = r.int16();
  if (errorCode === 35) return decodeApiVersionsV0Tail(r, errorCode);
  const apiKeys = r.compactArray((k) => {
    const range = { apiKey: k.int16(), minVersion: k.int16(), maxVersion: k.int16() };
    k.tags();
    return range;
  });
  const throttleTimeMs = r.int32();
  let supportedFeatures: SupportedFeature[] = [];
  let finalizedFeaturesEpoch: bigint | undefined;
  let finalizedFeatures: FinalizedFeature[] = [];
  let zkMigrationReady: boolean | undefined;
  r.tags((tag, t) => {
    if (tag === 0) supportedFeatures = t.compactArray(readSupportedFeature);
    else if (tag === 1) finalizedFeaturesEpoch = t.int64();
    else if (tag === 2) finalizedFeatures = t.compactArray(readFinalizedFeature);
    else if (tag === 3) zkMigrationReady = t.bool();
  });
  return {
    errorCode,
    apiKeys,
    throttleTimeMs,
    supportedFeatures,
    finalizedFeaturesEpoch,
    finalizedFeatures,
    zkMigrationReady,
  };
}

function decodeApiVersionsV0Tail(r: Reader, errorCode: number): ApiVersionsResult {
  const apiKeys = r.array((k) => ({ apiKey: k.int16(), minVersion: k.int16(), maxVersion: k.int16() }));
  return {
    errorCode,
    apiKeys,
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: undefined,
    finalizedFeatures: [],
    zkMigrationReady: undefined,
  };
}

function readSupportedFeature(r: Reader): SupportedFeature {
  const feature = { name: r.compactString(), minVersion: r.int16(), maxVersion: r.int16() };
  r.tags();
  return feature;
}

function readFinalizedFeature(r: Reader): FinalizedFeature {
  const feature = { name: r.compactString(), maxVersionLevel: r.int16(), minVersionLevel: r.int16() };
  r.tags();
  return feature;
}

/** The highest version both sides speak, or undefined. */
export function pickVersion(
  ranges: readonly ApiVersionRange[],
  apiKey: number,
  ours: { min: number; max: number },
): number | undefined {
  const theirs = ranges.find((k) => k.apiKey === apiKey);
  if (!theirs) return undefined;
  const v = Math.min(theirs.maxVersion, ours.max);
  return v >= Math.max(theirs.minVersion, ours.min) ? v : undefined;
}

/** The finalized `metadata.version` level, or undefined (ZooKeeper clusters finalize none). */
export function finalizedMetadataVersion(result: ApiVersionsResult): number | undefined {
  const f = result.finalizedFeatures.find((x) => x.name === 'metadata.version');
  return f && f.maxVersionLevel > 0 ? f.maxVersionLevel : undefined;
}

// ---------------------------------------------------------------------------------------------
// DescribeLogDirs (v1 non-flexible; v2+ flexible; v3 adds a top-level error; v4 adds disk totals)

export const DESCRIBE_LOG_DIRS_VERSIONS = { min: 1, max: 4 } as const;

export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

export interface LogDirPartition {
  readonly partition: number;
  readonly size: bigint;
  readonly offsetLag: bigint;
  readonly isFuture: boolean;
}

export interface LogDirResult {
  readonly errorCode: number;
  readonly logDir: string;
  readonly topics: readonly { readonly name: string; readonly partitions: readonly LogDirPartition[] }[];
  readonly totalBytes?: bigint | undefined;
  readonly usableBytes?: bigint | undefined;
}

export interface DescribeLogDirsResult {
  readonly throttleTimeMs: number;
  readonly errorCode: number;
  readonly results: readonly LogDirResult[];
}

/** `topics` null asks for every partition on the broker. */
export function encodeDescribeLogDirsRequest(
  version: number,
  topics: readonly TopicPartitions[] | null,
): Buffer {
  const w = new Writer();
  if (version < 2) {
    w.array(topics, (tw, t) => {
      tw.string(t.topic).array(t.partitions, (pw, p) => pw.int32(p));
    });
    return w.toBuffer();
  }
  w.compactArray(topics, (tw, t) => {
    tw.compactString(t.topic)
      .compactArray(t.partitions, (pw, p) => pw.int32(p))
      .emptyTags();
  });
  return w.emptyTags().toBuffer();
}

export function decodeDescribeLogDirsResponse(version: number, body: Buffer): DescribeLogDirsResult {
  const flexible = version >= 2;
  const r = new Reader(body);
  const throttleTimeMs = r.int32();
  const errorCode = version >= 3 ? r.int16() : 0;
  const results = arrayOf(r, flexible, (rr) => readLogDirResult(rr, version));
  if (flexible) r.tags();
  return { throttleTimeMs, errorCode, results };
}

function readLogDirResult(r: Reader, version: number): LogDirResult {
  const flexible = version >= 2;
  const errorCode = r.int16();
  const logDir = stringOf(r, flexible);
  const topics = arrayOf(r, flexible, (tr) => {
    const name = stringOf(tr, flexible);
    const partitions = arrayOf(tr, flexible, (pr) => {
      const p = { partition: pr.int32(), size: pr.int64(), offsetLag: pr.int64(), isFuture: pr.bool() };
      if (flexible) pr.tags();
      return p;
    });
    if (flexible) tr.tags();
    return { name, partitions };
  });
  const totalBytes = version >= 4 ? r.int64() : undefined;
  const usableBytes = version >= 4 ? r.int64() : undefined;
  if (flexible) r.tags();
  return { errorCode, logDir, topics, totalBytes, usableBytes };
}

function arrayOf<T>(r: Reader, flexible: boolean, read: (x: Reader) => T): T[] {
  return flexible ? r.compactArray(read) : r.array(read);
}

function stringOf(r: Reader, flexible: boolean): string {
  return flexible ? r.compactString() : r.string();
}

// ---------------------------------------------------------------------------------------------
// ListOffsets v2

export const LIST_OFFSETS_VERSION = 2;
export const EARLIEST_TIMESTAMP = -2n;
export const LATEST_TIMESTAMP = -1n;
export const READ_UNCOMMITTED = 0;
export const READ_COMMITTED = 1;

export interface ListOffsetsTopic {
  readonly topic: string;
  readonly partitions: readonly { readonly partition: number; readonly timestamp: bigint }[];
}

export interface ListOffsetsPartitionResult {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
  readonly timestamp: bigint;
  readonly offset: bigint;
}

export function encodeListOffsetsRequest(
  isolationLevel: number,
  topics: readonly ListOffsetsTopic[],
): Buffer {
  return new Writer()
    .int32(-1)
    .int8(isolationLevel)
    .array(topics, (tw, t) => {
      tw.string(t.topic).array(t.partitions, (pw, p) => pw.int32(p.partition).int64(p.timestamp));
    })
    .toBuffer();
}

export function decodeListOffsetsResponse(body: Buffer): ListOffsetsPartitionResult[] {
  const r = new Reader(body);
  r.int32(); // throttle_time_ms
  return r
    .array((tr) => {
      const topic = tr.string();
      return tr.array((pr) => ({
        topic,
        partition: pr.int32(),
        errorCode: pr.int16(),
        timestamp: pr.int64(),
        offset: pr.int64(),
      }));
    })
    .flat();
}

// ---------------------------------------------------------------------------------------------
// Fetch v4

export const FETCH_VERSION = 4;

export interface FetchRequest {
  readonly maxWaitMs: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly isolationLevel: number;
  readonly topics: readonly {
    readonly topic: string;
    readonly partitions: readonly {
      readonly partition: number;
      readonly fetchOffset: bigint;
      readonly partitionMaxBytes: number;
    }[];
  }[];
}

export interface FetchPartitionResult {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
  readonly highWatermark: bigint;
  readonly lastStableOffset: bigint;
  readonly abortedTransactions:
    | readonly { readonly producerId: bigint; readonly firstOffset: bigint }[]
    | null;
  readonly records: Buffer | null;
}

export function encodeFetchRequest(req: FetchRequest): Buffer {
  return new Writer()
    .int32(-1)
    .int32(req.maxWaitMs)
    .int32(req.minBytes)
    .int32(req.maxBytes)
    .int8(req.isolationLevel)
    .array(req.topics, (tw, t) => {
      tw.string(t.topic).array(t.partitions, (pw, p) =>
        pw.int32(p.partition).int64(p.fetchOffset).int32(p.partitionMaxBytes),
      );
    })
    .toBuffer();
}

export function decodeFetchResponse(body: Buffer): FetchPartitionResult[] {
  const r = new Reader(body);
  r.int32(); // throttle_time_ms
  return r
    .array((tr) => {
      const topic = tr.string();
      return tr.array((pr) => ({
        topic,
        partition: pr.int32(),
        errorCode: pr.int16(),
        highWatermark: pr.int64(),
        lastStableOffset: pr.int64(),
        abortedTransactions: pr.nullableArray((ar) => ({ producerId: ar.int64(), firstOffset: ar.int64() })),
        records: pr.nullableBytes(),
      }));
    })
    .flat();
}

// ---------------------------------------------------------------------------------------------
// FindCoordinator v1 and OffsetFetch v3

export const FIND_COORDINATOR_VERSION = 1;
export const OFFSET_FETCH_VERSION = 3;
export const COORDINATOR_KEY_GROUP = 0;

export interface FindCoordinatorResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

export function encodeFindCoordinatorRequest(key: string, keyType = COORDINATOR_KEY_GROUP): Buffer {
  return new Writer().string(key).int8(keyType).toBuffer();
}

export function decodeFindCoordinatorResponse(body: Buffer): FindCoordinatorResult {
  const r = new Reader(body);
  r.int32(); // throttle_time_ms
  return {
    errorCode: r.int16(),
    errorMessage: r.nullableString(),
    nodeId: r.int32(),
    host: r.string(),
    port: r.int32(),
  };
}

/** `topics` null: every topic the group has committed offsets for (OffsetFetch v2+). */
export function encodeOffsetFetchRequest(groupId: string, topics: readonly TopicPartitions[] | null): Buffer {
  return new Writer()
    .string(groupId)
    .array(topics, (tw, t) => {
      tw.string(t.topic).array(t.partitions, (pw, p) => pw.int32(p));
    })
    .toBuffer();
}

export interface OffsetFetchPartitionResult {
  readonly topic: string;
  readonly partition: number;
  /** -1 when the group has no committed offset for the partition. */
  readonly offset: bigint;
  readonly metadata: string | null;
  readonly errorCode: number;
}

export function decodeOffsetFetchResponse(body: Buffer): {
  errorCode: number;
  partitions: OffsetFetchPartitionResult[];
} {
  const r = new Reader(body);
  r.int32(); // throttle_time_ms
  const partitions = r
    .array((tr) => {
      const topic = tr.string();
      return tr.array((pr) => ({
        topic,
        partition: pr.int32(),
        offset: pr.int64(),
        metadata: pr.nullableString(),
        errorCode: pr.int16(),
      }));
    })
    .flat();
  return { errorCode: r.int16(), partitions };
}

// ---------------------------------------------------------------------------------------------
// Record batches (only the headers: no decompression needed)

export interface BatchHeader {
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  readonly magic: number;
  readonly attributes: number;
  readonly compression: number;
  readonly isTransactional: boolean;
  readonly isControl: boolean;
  readonly producerId: bigint;
}

/**
 * Walks the record batches of a Fetch `records` field and returns their headers. A trailing
 * partial batch (the broker cuts at max bytes) is ignored; message sets of magic 0/1 are reported
 * with their attributes (they cannot be transactional).
 */
export function scanBatchHeaders(records: Buffer): BatchHeader[] {
  const out: BatchHeader[] = [];
  let at = 0;
  while (at + BATCH_FIELD.magic + 1 <= records.length) {
    const baseOffset = records.readBigInt64BE(at);
    const size = records.readInt32BE(at + BATCH_FIELD.length);
    const end = at + LOG_OVERHEAD_BYTES + size;
    if (size < 0 || end > records.length) break;
    out.push(batchHeaderAt(records, at, baseOffset, size));
    at = end;
  }
  return out;
}

function batchHeaderAt(records: Buffer, at: number, baseOffset: bigint, size: number): BatchHeader {
  const magic = records.readInt8(at + BATCH_FIELD.magic);
  if (magic < 2 || size + LOG_OVERHEAD_BYTES < BATCH_HEADER_BYTES) {
    const attributes = size + LOG_OVERHEAD_BYTES >= 22 ? records.readInt8(at + 21) : 0;
    return {
      baseOffset,
      lastOffset: baseOffset,
      magic,
      attributes,
      compression: attributes & 0x07,
      isTransactional: false,
      isControl: false,
      producerId: -1n,
    };
  }
  const attributes = records.readInt16BE(at + BATCH_FIELD.attributes);
  return {
    baseOffset,
    lastOffset: baseOffset + BigInt(records.readInt32BE(at + BATCH_FIELD.lastOffsetDelta)),
    magic,
    attributes,
    compression: attributes & 0x07,
    isTransactional: (attributes & 0x10) !== 0,
    isControl: (attributes & 0x20) !== 0,
    producerId: records.readBigInt64BE(at + BATCH_FIELD.producerId),
  };
}

// ---------------------------------------------------------------------------------------------
// SASL

export const SASL_HANDSHAKE_VERSION = 1;
export const SASL_AUTHENTICATE_VERSION = 1;

export function encodeSaslHandshakeRequest(mechanism: string): Buffer {
  return new Writer().string(mechanism).toBuffer();
}

export function decodeSaslHandshakeResponse(body: Buffer): { errorCode: number; mechanisms: string[] } {
  const r = new Reader(body);
  return { errorCode: r.int16(), mechanisms: r.array((x) => x.string()) };
}

export function encodeSaslAuthenticateRequest(authBytes: Buffer): Buffer {
  return new Writer().bytes(authBytes).toBuffer();
}

export interface SaslAuthenticateResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly authBytes: Buffer;
  readonly sessionLifetimeMs: bigint;
}

export function decodeSaslAuthenticateResponse(body: Buffer): SaslAuthenticateResult {
  const r = new Reader(body);
  return {
    errorCode: r.int16(),
    errorMessage: r.nullableString(),
    authBytes: r.nullableBytes() ?? Buffer.alloc(0),
    sessionLifetimeMs: r.int64(),
  };
}
