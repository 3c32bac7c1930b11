/**
 * Turns kafkajs and raw-protocol failures into the error catalogue:
 *
 * - cannot reach the brokers (refused, timed out, DNS, TLS, retries exhausted on a connection)
 *   → TransientError `KAFKA_UNREACHABLE` naming the bootstrap servers (precheck: B09/B10)
 * - TOPIC/GROUP/CLUSTER/TRANSACTIONAL_ID_AUTHORIZATION_FAILED → PreconditionError
 *   `KAFKA_AUTHORIZATION` naming the operation and resource (precheck: B15)
 * - SASL rejected the credentials → PreconditionError `KAFKA_AUTHENTICATION`
 * - NOT_CONTROLLER after our retries → TransientError with the exact user-facing text
 * - anything else retriable → TransientError `KAFKA_REQUEST_FAILED`; the rest → PreconditionError
 *   `KAFKA_REQUEST_FAILED`.
 */
import {
  isKraftMigrateError,
  type KraftMigrateError,
  PreconditionError,
  TransientError,
} from '../../domain/errors.ts';

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
  'RawConnectionError',
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
]);

const AUTHENTICATION_ERROR_NAMES: ReadonlySet<string> = new Set([
  'KafkaJSSASLAuthenticationError',
  'RawAuthenticationError',
  'SaslError',
]);

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
      type: typeof o.type === 'string' ? o.type : undefined,
      code: typeof o.code === 'string' ? o.code : undefined,
      retriable: typeof o.retriable === 'boolean' ? o.retriable : undefined,
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
  const type = protocolErrorType(e);
  if (type !== undefined && AUTHORIZATION_ERROR_TYPES.has(type)) return authorizationError(type, op, e);
  if (type === 'SECURITY_DISABLED') return requestFailed(type, op, e, false);
  if (type === 'UNKNOWN_TOPIC_OR_PARTITION') return unknownTopicError(op, e);
  if (
    errorChain(e).some(
      (f) => AUTHENTICATION_ERROR_NAMES.has(f.name) || f.type === 'SASL_AUTHENTICATION_FAILED',
    )
  ) {
    return authenticationError(bootstrap, e);
  }
  if (type === 'NOT_CONTROLLER') return notControllerError(e);
  if (isConnectionFailure(e)) return unreachableError(bootstrap, e);
  const retriable = errorChain(e).some((f) => f.retriable === true);
  return requestFailed(type, op, e, retriable);
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
      ? 'A transient broker condition; the step is retried automatically. If it persists, check broker health.'
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
