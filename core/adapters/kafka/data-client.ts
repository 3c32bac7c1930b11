/**
 * What the data path (reader.ts, writer.ts) shares on top of @platformatic/kafka:
 *
 * - `platformaticOptions`: the client/connection options for a ConnectionSettings from
 *   resolveConnectionSettings (bootstrap, TLS, SASL SCRAM / OAUTHBEARER for MSK IAM), so auth is
 *   resolved in exactly one place (client.ts) for kafkajs, the raw protocol client and platformatic.
 * - `toDataPathError`: platformatic failures → the error catalogue. platformatic names the Kafka
 *   error in `apiId` (not `type` as kafkajs does) and classifies with `canRetry`; this module
 *   translates those facts and leaves the rest to errors.ts' toCatalogueError.
 * - `listPartitionOffsets`: ListOffsets (earliest / latest, either isolation) for a set of partitions.
 *
 * @platformatic/kafka speaks Kafka 3.5 and later (its ApiVersions/Metadata handling is not tested
 * against older brokers); MSK clusters older than 3.5 are not supported by these adapters. Kafka
 * 3.9 (the ZooKeeper-mode source) and 4.x (the KRaft target) are.
 */
import {
  type ConnectionOptions,
  type Consumer,
  type GenericError,
  type MultipleErrors,
  ProtocolError,
  type SASLOptions,
} from '@platformatic/kafka';
import {
  InvariantError,
  isKraftMigrateError,
  type KraftMigrateError,
  PreconditionError,
  TransientError,
} from '../../domain/errors.ts';
import { type IsolationLevel, type PartitionRef, partitionKey } from '../../ports.ts';
import { CLIENT_TIMEOUTS, type ConnectionSettings } from './client.ts';
import { UndecodableBatchError } from './data-records.ts';
import {
  AUTHORIZATION_ERROR_TYPES,
  authenticationError,
  authorizationError,
  type KafkaOperation,
  toCatalogueError,
  unknownTopicError,
  unreachableError,
} from './errors.ts';

/** Options shared by every platformatic client and connection pool of the data path. */
export interface PlatformaticConnectionOptions extends ConnectionOptions {
  readonly clientId: string;
  readonly bootstrapBrokers: string[];
}

/** Kafka's produce timeout (sent to the broker) — the client request timeout stays above it. */
export const PRODUCE_TIMEOUT_MS = 30_000;

function platformaticSasl(settings: ConnectionSettings): SASLOptions | undefined {
  const sasl = settings.sasl;
  if (!sasl) return undefined;
  if (sasl.mechanism === 'oauthbearer') {
    // Called for every new connection and for re-authentication; iamTokenProvider caches tokens.
    return { mechanism: 'OAUTHBEARER', token: () => sasl.token() };
  }
  return {
    mechanism: sasl.mechanism === 'scram-sha-256' ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512',
    username: sasl.username,
    password: sasl.password,
  };
}

export function platformaticOptions(settings: ConnectionSettings): PlatformaticConnectionOptions {
  const sasl = platformaticSasl(settings);
  return {
    clientId: settings.clientId,
    bootstrapBrokers: [...settings.brokers],
    connectTimeout: CLIENT_TIMEOUTS.connectionTimeoutMs,
    requestTimeout: CLIENT_TIMEOUTS.requestTimeoutMs,
    ...(settings.tls === undefined ? {} : { tls: settings.tls, tlsServerName: true }),
    ...(sasl ? { sasl } : {}),
  };
}

/** Retries of the platformatic clients themselves (metadata, ListOffsets, produce). */
export const PLATFORMATIC_RETRY = { retries: 3, retryDelay: 300 } as const;

// ---------------------------------------------------------------------------------------------
// Errors

/** Every platformatic error in the chain (MultipleErrors nest their causes in `errors`). */
function platformaticErrors(e: unknown, limit = 20): GenericError[] {
  const out: GenericError[] = [];
  const queue: unknown[] = [e];
  const seen = new Set<unknown>();
  while (queue.length > 0 && out.length < limit) {
    const x = queue.shift();
    if (x === null || typeof x !== 'object' || seen.has(x)) continue;
    seen.add(x);
    const o = x as GenericError;
    if (typeof o.code === 'string' && o.code.startsWith('PLT_KFK_')) out.push(o);
    queue.push((x as { cause?: unknown }).cause);
    if (Array.isArray((x as { errors?: unknown }).errors)) queue.push(...(x as MultipleErrors).errors);
  }
  return out;
}

/** The Kafka error name (e.g. NOT_LEADER_OR_FOLLOWER) carried by a platformatic error, if any. */
export function kafkaErrorName(e: unknown): string | undefined {
  for (const p of platformaticErrors(e)) {
    if (typeof p.apiId === 'string') return p.apiId;
  }
  return undefined;
}

export function hasKafkaError(e: unknown, names: ReadonlySet<string>): boolean {
  return platformaticErrors(e).some((p) => typeof p.apiId === 'string' && names.has(p.apiId));
}

/** A network failure or timeout that platformatic marks as retriable. */
export function isNetworkFailure(e: unknown): boolean {
  return platformaticErrors(e).some((p) => p.code === 'PLT_KFK_NETWORK' || p.code === 'PLT_KFK_TIMEOUT');
}

/** platformatic turns UNKNOWN_TOPIC_OR_PARTITION of a Metadata request into `UserError('Unknown topic …')`. */
function isUnknownTopicMetadata(e: unknown): boolean {
  return platformaticErrors(e).some((p) => p.code === 'PLT_KFK_USER' && /^Unknown topic /.test(p.message));
}

function isRetriable(e: unknown): boolean {
  const all = platformaticErrors(e);
  return all.length > 0 && !all.some((p) => p.canRetry === false) && all.some((p) => p.canRetry === true);
}

/** The one place a platformatic failure of the data path becomes a catalogue error. */
export function toDataPathError(
  e: unknown,
  bootstrap: readonly string[],
  op: KafkaOperation,
): KraftMigrateError {
  if (isKraftMigrateError(e)) return e;
  if (e instanceof UndecodableBatchError) {
    return new PreconditionError(`${op.operation} on ${op.resource}: ${e.message}`, {
      code: 'KAFKA_UNDECODABLE_BATCH',
      fix:
        'The source holds data this copier cannot reproduce byte for byte (message format v0/v1 written ' +
        'before Kafka 0.11, or a malformed record). Rewrite the topic with a current client, or exclude it.',
      cause: e,
    });
  }
  const name = kafkaErrorName(e);
  if (name !== undefined && AUTHORIZATION_ERROR_TYPES.has(name)) return authorizationError(name, op, e);
  if (
    name === 'SASL_AUTHENTICATION_FAILED' ||
    platformaticErrors(e).some((p) => p.code === 'PLT_KFK_AUTHENTICATION')
  ) {
    return authenticationError(bootstrap, e);
  }
  if (name === 'UNKNOWN_TOPIC_OR_PARTITION' || name === 'UNKNOWN_TOPIC_ID' || isUnknownTopicMetadata(e)) {
    return unknownTopicError(op, e);
  }
  if (isNetworkFailure(e) && name === undefined) return unreachableError(bootstrap, e);
  if (name !== undefined) {
    const message = `${op.operation} on ${op.resource} failed: ${name}`;
    const retriable = isRetriable(e);
    const options = {
      code: 'KAFKA_REQUEST_FAILED',
      fix: retriable
        ? 'A transient broker condition (leadership change, broker restart); the step is retried automatically. ' +
          'If it persists, check broker health.'
        : 'The broker refused the request; check the topic and cluster configuration.',
      cause: e,
    };
    return retriable ? new TransientError(message, options) : new PreconditionError(message, options);
  }
  return toCatalogueError(e, bootstrap, op);
}

// ---------------------------------------------------------------------------------------------
// ListOffsets

export const EARLIEST = -2n;
export const LATEST = -1n;

/** Groups partition refs by topic for platformatic's listOffsets (topics + partition filter). */
export function byTopic(refs: readonly PartitionRef[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const ref of refs) {
    const list = out.get(ref.topic) ?? [];
    if (!list.includes(ref.partition)) list.push(ref.partition);
    out.set(ref.topic, list);
  }
  return out;
}

/**
 * One ListOffsets round for `refs` (earliest = log start; latest = high watermark under
 * read_uncommitted, last stable offset under read_committed). Keyed by partitionKey.
 */
export async function listPartitionOffsets(
  client: Consumer,
  refs: readonly PartitionRef[],
  timestamp: bigint,
  isolation: IsolationLevel,
): Promise<Map<string, bigint>> {
  const topics = byTopic(refs);
  if (topics.size === 0) return new Map();
  const listed = await client.listOffsets({
    topics: [...topics.keys()],
    partitions: Object.fromEntries(topics),
    timestamp,
    isolationLevel: isolation === 'read_committed' ? 1 : 0,
  });
  const out = new Map<string, bigint>();
  for (const ref of refs) {
    const offset = listed.get(ref.topic)?.[ref.partition];
    if (offset === undefined) {
      throw new InvariantError(`ListOffsets returned no offset for ${partitionKey(ref)}`, {
        code: 'KAFKA_OFFSETS_MISSING',
      });
    }
    out.set(partitionKey(ref), offset);
  }
  return out;
}

/**
 * The parsed response platformatic attaches to the error it throws when a response carries error
 * codes (PLT_KFK_RESPONSE), so a caller can read the codes per partition itself; else undefined.
 */
export function responseOfErrorCodes(e: unknown): unknown {
  const x = e as { response?: unknown; code?: string };
  return x.code === 'PLT_KFK_RESPONSE' && x.response ? x.response : undefined;
}

/**
 * The highest version of an API that both the brokers and this client speak (`min`…`max`), read
 * from ApiVersions once and kept; asked again after a failure. PreconditionError
 * KAFKA_UNSUPPORTED_VERSION when there is none.
 */
export class NegotiatedVersion<V extends number> {
  readonly #client: Consumer;
  readonly #api: { readonly key: number; readonly name: string; readonly min: V; readonly max: V };
  readonly #brokers: string;
  #version: Promise<V> | undefined;

  constructor(
    client: Consumer,
    api: { readonly key: number; readonly name: string; readonly min: V; readonly max: V },
    brokers: string,
  ) {
    this.#client = client;
    this.#api = api;
    this.#brokers = brokers;
  }

  get(): Promise<V> {
    const { key, name, min, max } = this.#api;
    this.#version ??= this.#client.listApis().then((apis) => {
      const offered = apis.find((a) => a.apiKey === key);
      const best = Math.min(offered?.maxVersion ?? -1, max);
      if (!offered || best < min || offered.minVersion > best) {
        throw new PreconditionError(
          `${this.#brokers} support no ${name} version between ${min} and ${max} ` +
            `(they offer ${offered ? `${offered.minVersion}–${offered.maxVersion}` : 'none'})`,
          { code: 'KAFKA_UNSUPPORTED_VERSION', fix: 'Use a cluster running Kafka 3.5 or later.' },
        );
      }
      return best as V;
    });
    this.#version.catch(() => {
      this.#version = undefined;
    });
    return this.#version;
  }
}

/**
 * Spreads partitions over at most `max` lanes (producers, connection pools), opened on demand: a
 * partition keeps the lane it got first (its writes stay in order on one connection); a new one
 * opens a lane while there are fewer than `max`, else joins the lane with the fewest partitions.
 */
export class StickyLanes<T> {
  readonly lanes: T[] = [];
  readonly #max: number;
  readonly #open: () => T;
  readonly #load: number[] = [];
  readonly #laneOf = new Map<string, number>();

  constructor(max: number, open: () => T) {
    this.#max = Math.max(1, max);
    this.#open = open;
  }

  of(key: string): T {
    let lane = this.#laneOf.get(key);
    if (lane === undefined) {
      if (this.lanes.length < this.#max) {
        this.lanes.push(this.#open());
        this.#load.push(0);
        lane = this.lanes.length - 1;
      } else {
        lane = this.#load.indexOf(Math.min(...this.#load));
      }
      this.#laneOf.set(key, lane);
      this.#load[lane] = (this.#load[lane] ?? 0) + 1;
    }
    return this.lanes[lane]!;
  }
}

/** A Kafka error code as platformatic's ProtocolError (apiId, canRetry), for toDataPathError. */
export function kafkaProtocolError(code: number, context: string): Error {
  try {
    return new ProtocolError(code, context);
  } catch {
    return new Error(`${context}: Kafka error code ${code}`);
  }
}

/** The broker placed a write somewhere else than right after the previous one. */
export function notConsecutiveError(ref: PartitionRef, expected: bigint, got: bigint): InvariantError {
  return new InvariantError(
    `records written to ${partitionKey(ref)} are not consecutive on the target: expected base offset ${expected}, ` +
      `the broker reported ${got}`,
    {
      code: 'KAFKA_TARGET_NOT_CONSECUTIVE',
      fix:
        'Something else writes to this target partition (only kraft-migrate may write to the target until ' +
        'cutover). Stop it, then reconcile the partition with endOffsets before resuming.',
    },
  );
}
