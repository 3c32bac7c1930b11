/**
 * The one translation of Kafka failures — kafkajs' (admin) and @platformatic/kafka's (the raw
 * calls of the admin and the data path) — into the error catalogue:
 *
 * - cannot reach the brokers (refused, timed out, DNS, TLS, retries exhausted on a connection)
 *   → TransientError `KAFKA_UNREACHABLE` naming the bootstrap servers (precheck: B09/B10)
 * - TOPIC/GROUP/CLUSTER/TRANSACTIONAL_ID_AUTHORIZATION_FAILED → PreconditionError
 *   `KAFKA_AUTHORIZATION` naming the operation and resource (precheck: B15)
 * - SASL rejected the credentials → PreconditionError `KAFKA_AUTHENTICATION`
 * - NOT_CONTROLLER after our retries → TransientError with the exact user-facing text
 * - anything else retriable → TransientError `KAFKA_REQUEST_FAILED`; the rest → PreconditionError
 *   `KAFKA_REQUEST_FAILED`.
 *
 * kafkajs names the Kafka error in `type` and classifies with `retriable`; platformatic names it
 * in `apiId`, classifies with `canRetry`, and tags its own errors with `code: 'PLT_KFK_*'`.
 */
import { type GenericError, type MultipleErrors, ProtocolError } from '@platformatic/kafka';
import {
  isKraftMigrateError,
  type KraftMigrateError,
  PreconditionError,
  TransientError,
} from '../../domain/errors.ts';
import { UndecodableBatchError } from './data-records.ts';

export const AUTHORIZATION_ERROR_TYPES: ReadonlySet<string> = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'DELEGATION_TOKEN_AUTHORIZATION_FAILED',
]);

const CONNECTION_ERROR_NAMES: ReadonlySet<string> = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSTimeout',
]);

const CONNECTION_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'PLT_KFK_NETWORK',
  'PLT_KFK_TIMEOUT',
]);

const AUTHENTICATION_ERROR_NAMES: ReadonlySet<string> = new Set(['KafkaJSSASLAuthenticationError']);

export const NOT_CONTROLLER_MESSAGE = 'DescribeConfigs failed on target broker: NOT_CONTROLLER';
export const METADATA_TIMEOUT_MESSAGE = 'Timeout waiting for metadata from source cluster';

/** What was being done when it failed, for messages: "describe configs of topic orders". */
export interface KafkaOperation {
  /** e.g. "DescribeConfigs", "ListGroups", "OffsetFetch" */
  readonly operation: string;
  /** e.g. "topic orders", "group billing", "cluster" */
  readonly resource: string;
}

interface ErrorFacts {
  readonly name: string;
  readonly type: string | undefined;
  readonly code: string | undefined;
  readonly retriable: boolean | undefined;
  readonly message: string;
}

/** Every error in the cause chain (cause, originalError, AggregateError.errors), first one first. */
export function errorChain(e: unknown, limit = 10): ErrorFacts[] {
  const out: ErrorFacts[] = [];
  const queue: unknown[] = [e];
  const seen = new Set<unknown>();
  while (queue.length > 0 && out.length < limit) {
    const x = queue.shift();
    if (x === null || x === undefined || typeof x !== 'object' || seen.has(x)) continue;
    seen.add(x);
    const o = x as Record<string, unknown>;
    out.push({
      name: typeof o.name === 'string' ? o.name : 'Error',
      type: typeof o.type === 'string' ? o.type : typeof o.apiId === 'string' ? o.apiId : undefined,
      code: typeof o.code === 'string' ? o.code : undefined,
      retriable:
        typeof o.retriable === 'boolean'
          ? o.retriable
          : typeof o.canRetry === 'boolean'
            ? o.canRetry
            : undefined,
      message: typeof o.message === 'string' ? o.message : String(x),
    });
    queue.push(o.cause, o.originalError);
    if (Array.isArray(o.errors)) queue.push(...o.errors);
  }
  return out;
}

export function isConnectionFailure(e: unknown): boolean {
  return errorChain(e).some(
    (f) =>
      CONNECTION_ERROR_NAMES.has(f.name) ||
      (f.code !== undefined && CONNECTION_ERROR_CODES.has(f.code)) ||
      /ECONNREFUSED|ETIMEDOUT|ENOTFOUND|Connection timeout|Connection error/i.test(f.message),
  );
}

export function protocolErrorType(e: unknown): string | undefined {
  return errorChain(e).find((f) => f.type !== undefined)?.type;
}

/** The one place a Kafka failure becomes a catalogue error. Catalogue errors pass through. */
export function toCatalogueError(
  e: unknown,
  bootstrap: readonly string[],
  op: KafkaOperation,
): KraftMigrateError {
  if (isKraftMigrateError(e)) return e;
  if (e instanceof UndecodableBatchError) return undecodableBatchError(e, op);
  const type = protocolErrorType(e);
  if (type !== undefined && AUTHORIZATION_ERROR_TYPES.has(type)) return authorizationError(type, op, e);
  if (type === 'SECURITY_DISABLED') return requestFailed(type, op, e, false);
  if (type === 'UNKNOWN_TOPIC_OR_PARTITION' || type === 'UNKNOWN_TOPIC_ID' || isUnknownTopicMetadata(e)) {
    return unknownTopicError(op, e);
  }
  if (
    errorChain(e).some(
      (f) =>
        AUTHENTICATION_ERROR_NAMES.has(f.name) ||
        f.type === 'SASL_AUTHENTICATION_FAILED' ||
        f.code === 'PLT_KFK_AUTHENTICATION',
    )
  ) {
    return authenticationError(bootstrap, e);
  }
  if (type === 'NOT_CONTROLLER') return notControllerError(e);
  const platformatic = platformaticErrors(e);
  // platformatic wraps a Kafka error answer in network-looking retries; the Kafka error wins there.
  if (isConnectionFailure(e) && (platformatic.length === 0 || type === undefined)) {
    return unreachableError(bootstrap, e);
  }
  const retriable =
    platformatic.length > 0
      ? !platformatic.some((p) => p.canRetry === false) && platformatic.some((p) => p.canRetry === true)
      : errorChain(e).some((f) => f.retriable === true);
  return requestFailed(type, op, e, retriable);
}

function undecodableBatchError(e: UndecodableBatchError, op: KafkaOperation): PreconditionError {
  return new PreconditionError(`${op.operation} on ${op.resource}: ${e.message}`, {
    code: 'KAFKA_UNDECODABLE_BATCH',
    fix:
      'The source holds data this copier cannot reproduce byte for byte (message format v0/v1 written ' +
      'before Kafka 0.11, or a malformed record). Rewrite the topic with a current client, or exclude it.',
    cause: e,
  });
}

// ---------------------------------------------------------------------------------------------
// platformatic's errors

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

/** A network failure or timeout that platformatic reports. */
export function isNetworkFailure(e: unknown): boolean {
  return platformaticErrors(e).some((p) => p.code === 'PLT_KFK_NETWORK' || p.code === 'PLT_KFK_TIMEOUT');
}

/** platformatic turns UNKNOWN_TOPIC_OR_PARTITION of a Metadata request into `UserError('Unknown topic …')`. */
function isUnknownTopicMetadata(e: unknown): boolean {
  return platformaticErrors(e).some((p) => p.code === 'PLT_KFK_USER' && /^Unknown topic /.test(p.message));
}

/** A Kafka error code as platformatic's ProtocolError (apiId, canRetry), for toCatalogueError. */
export function kafkaProtocolError(code: number, context: string): Error {
  try {
    return new ProtocolError(code, context);
  } catch {
    return new Error(`${context}: Kafka error code ${code}`);
  }
}

/** Kafka's name of an error code ("NOT_CONTROLLER"), or `UNKNOWN_SERVER_ERROR(<code>)`. */
export function kafkaErrorCodeName(code: number): string {
  return kafkaErrorName(kafkaProtocolError(code, '')) ?? `UNKNOWN_SERVER_ERROR(${code})`;
}

/**
 * The parsed response platformatic attaches to the error it throws when a response carries error
 * codes (PLT_KFK_RESPONSE), so a caller can read the codes per partition itself; else undefined.
 */
export function responseOfErrorCodes(e: unknown): unknown {
  const x = e as { response?: unknown; code?: string };
  return x.code === 'PLT_KFK_RESPONSE' && x.response ? x.response : undefined;
}

export function unreachableError(bootstrap: readonly string[], cause?: unknown): TransientError {
  const detail = cause === undefined ? '' : ` (${firstMessage(cause)})`;
  return new TransientError(`Kafka brokers unreachable: ${bootstrap.join(',')}${detail}`, {
    code: 'KAFKA_UNREACHABLE',
    fix:
      'Check bootstrap_servers (or cluster_arn), that this network can reach the brokers on that port ' +
      '(security groups, VPC, routes), and that auth.mode / auth.tls match the listener ' +
      '(MSK ports: 9092 plaintext, 9094 TLS, 9096 SASL/SCRAM, 9098 IAM).',
    cause,
  });
}

export function authorizationError(type: string, op: KafkaOperation, cause?: unknown): PreconditionError {
  return new PreconditionError(`${type}: not allowed to ${op.operation} on ${op.resource}`, {
    code: 'KAFKA_AUTHORIZATION',
    fix:
      `Grant the migration principal ${op.operation} on ${op.resource} (Kafka ACL, or the MSK IAM policy: ` +
      '`kraft-migrate plan --format iam-policy` writes one), then run precheck again.',
    cause,
  });
}

export function authenticationError(bootstrap: readonly string[], cause?: unknown): PreconditionError {
  return new PreconditionError(
    `Kafka authentication failed on ${bootstrap.join(',')}: ${firstMessage(cause)}`,
    {
      code: 'KAFKA_AUTHENTICATION',
      fix:
        'Check auth.mode and the credentials: for SCRAM the username/password or the secret_arn secret ' +
        '({"username","password"}, associated with the MSK cluster); for IAM the role and auth.region.',
      cause,
    },
  );
}

export function unknownTopicError(op: KafkaOperation, cause?: unknown): PreconditionError {
  return new PreconditionError(`${op.operation} on ${op.resource} failed: UNKNOWN_TOPIC_OR_PARTITION`, {
    code: 'KAFKA_UNKNOWN_TOPIC',
    fix: 'The topic does not exist (or was deleted meanwhile) on this cluster; check the topic name and run again.',
    cause,
  });
}

export function notControllerError(cause?: unknown): TransientError {
  return new TransientError(NOT_CONTROLLER_MESSAGE, {
    code: 'KAFKA_NOT_CONTROLLER',
    fix: 'The cluster is electing a controller or moving leadership; wait a minute and run the step again.',
    cause,
  });
}

/** `Timeout waiting for metadata from source cluster` (seed: too many partitions read at once). */
export function metadataTimeoutError(cause?: unknown): TransientError {
  return new TransientError(METADATA_TIMEOUT_MESSAGE, {
    code: 'KAFKA_METADATA_TIMEOUT',
    fix:
      'Lower seed.max_concurrent_partitions (fewer partitions read at once per copier) and check the source ' +
      'brokers are healthy; the seed resumes from its last checkpoint.',
    cause,
  });
}

function requestFailed(
  type: string | undefined,
  op: KafkaOperation,
  cause: unknown,
  retriable: boolean,
): KraftMigrateError {
  const message = `${op.operation} on ${op.resource} failed: ${type ?? firstMessage(cause)}`;
  const options = {
    code: 'KAFKA_REQUEST_FAILED',
    fix: retriable
      ? 'A transient broker condition (leadership change, broker restart); the step is retried automatically. ' +
        'If it persists, check broker health.'
      : 'Check the resource exists and the cluster configuration; the broker refused the request.',
    cause,
  };
  return retriable ? new TransientError(message, options) : new PreconditionError(message, options);
}

function firstMessage(e: unknown): string {
  const chain = errorChain(e);
  const deepest = chain.findLast((f) => f.message.length > 0);
  return deepest?.message ?? String(e);
}

/** A metadata request that timed out or metadata that never loaded (kafkajs), e.g. during the seed. */
export function isMetadataTimeout(e: unknown): boolean {
  return errorChain(e).some(
    (f) =>
      f.name === 'KafkaJSMetadataNotLoaded' ||
      f.name === 'KafkaJSTopicMetadataNotLoaded' ||
      (f.name === 'KafkaJSRequestTimeoutError' && /\bMetadata\(/.test(f.message)),
  );
}
