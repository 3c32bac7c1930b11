/**
 * The one error catalogue. Step Functions Retry/Catch lists match on `error.name`, so the
 * class names below are routing keys: infra/ imports ERROR_NAMES so the ASL cannot drift.
 *
 * - TransientError      → retried with backoff (network blips, NOT_CONTROLLER, coordinator moves)
 * - PreconditionError   → caught, journalled as `failed` with the reason (blockers, missing buckets)
 * - InvalidInputError   → caught, journalled as `failed` (bad config, bad arguments)
 * - InvariantError      → caught, stop and alert (a bug or tampering: hash chain broken, data mismatch)
 */
export const ERROR_NAMES = [
  'TransientError',
  'PreconditionError',
  'InvalidInputError',
  'InvariantError',
] as const;
export type ErrorName = (typeof ERROR_NAMES)[number];

export interface KraftMigrateErrorOptions {
  /** What the user should do about it. Printed after the message. */
  fix?: string;
  /** A stable, specific code (e.g. `CONFIG_UNKNOWN_KEY`, `JOURNAL_PARSE`). */
  code?: string;
  cause?: unknown;
}

export abstract class KraftMigrateError extends Error {
  abstract override readonly name: ErrorName;
  readonly fix: string | undefined;
  readonly code: string;
  abstract readonly canRetry: boolean;

  constructor(message: string, options: KraftMigrateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.fix = options.fix;
    this.code = options.code ?? 'UNSPECIFIED';
  }

  /** One paragraph for a person: the message, then the fix. */
  toUserText(): string {
    return this.fix ? `${this.message}\nFix: ${this.fix}` : this.message;
  }
}

export class TransientError extends KraftMigrateError {
  override readonly name = 'TransientError' as const;
  readonly canRetry = true;
}

export class PreconditionError extends KraftMigrateError {
  override readonly name = 'PreconditionError' as const;
  readonly canRetry = false;
}

export class InvalidInputError extends KraftMigrateError {
  override readonly name = 'InvalidInputError' as const;
  readonly canRetry = false;
}

export class InvariantError extends KraftMigrateError {
  override readonly name = 'InvariantError' as const;
  readonly canRetry = false;
}

export function isKraftMigrateError(e: unknown): e is KraftMigrateError {
  return e instanceof KraftMigrateError;
}

/**
 * The text of anything thrown, or of a Step Functions cause: an Error's (or an SDK error shape's)
 * message; a string as it is, or the `errorMessage` of a Lambda-style cause `{"errorType","errorMessage"}`;
 * anything else as JSON.
 */
export function causeText(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  const message = (cause as { message?: unknown } | null | undefined)?.message;
  if (typeof message === 'string') return message;
  if (typeof cause === 'string') return lambdaErrorMessage(cause) ?? cause;
  try {
    return JSON.stringify(cause) ?? String(cause);
  } catch {
    return String(cause); // a bigint, a cycle
  }
}

function lambdaErrorMessage(cause: string): string | undefined {
  if (!cause.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : undefined;
  } catch {
    return undefined;
  }
}
