/**
 * AWS Secrets Manager reads: SCRAM credentials for MSK (secrets named `AmazonMSK_*` holding
 * `{"username": …, "password": …}`) and plain secret strings. Secret values never appear in an
 * error message.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { InvalidInputError, PreconditionError, TransientError } from '../domain/errors.ts';

export interface ScramCredentials {
  readonly username: string;
  readonly password: string;
}

/** The port-like seam the Kafka client builder uses (tests pass a fake or a mocked SDK client). */
export interface SecretsReader {
  readSecretString(secretArn: string): Promise<string>;
  readScramCredentials(secretArn: string): Promise<ScramCredentials>;
}

/** `arn:aws:secretsmanager:eu-west-1:123…:secret:AmazonMSK_x` → `eu-west-1`. */
export function regionOfArn(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length > 4 && parts[3] ? parts[3] : undefined;
}

/** The SDK is imported on first use: most runs (and every copier without secret_arn) never read a secret. */
let secretsSdk: Promise<typeof import('@aws-sdk/client-secrets-manager')> | undefined;
const loadSecretsSdk = () => {
  secretsSdk ??= import('@aws-sdk/client-secrets-manager');
  return secretsSdk;
};

export class AwsSecretsReader implements SecretsReader {
  private readonly clients = new Map<string, SecretsManagerClient>();
  private readonly client: SecretsManagerClient | undefined;

  /** `client` overrides the per-region clients (tests, custom endpoints). */
  constructor(client?: SecretsManagerClient) {
    this.client = client;
  }

  async readSecretString(secretArn: string): Promise<string> {
    let out: { SecretString?: string | undefined; SecretBinary?: Uint8Array | undefined };
    try {
      const { GetSecretValueCommand } = await loadSecretsSdk();
      const client = await this.clientFor(secretArn);
      out = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    } catch (e) {
      throw secretsError(secretArn, e);
    }
    if (out.SecretString !== undefined) return out.SecretString;
    if (out.SecretBinary !== undefined) return Buffer.from(out.SecretBinary).toString('utf8');
    throw new PreconditionError(`secret ${secretArn} has no value`, {
      code: 'SECRET_EMPTY',
      fix: 'Store the value as a SecretString in the secret, then run again.',
    });
  }

  async readScramCredentials(secretArn: string): Promise<ScramCredentials> {
    return parseScramSecret(secretArn, await this.readSecretString(secretArn));
  }

  private async clientFor(secretArn: string): Promise<SecretsManagerClient> {
    if (this.client) return this.client;
    const region = regionOfArn(secretArn) ?? process.env.AWS_REGION ?? 'us-east-1';
    let c = this.clients.get(region);
    if (!c) {
      const { SecretsManagerClient } = await loadSecretsSdk();
      c = new SecretsManagerClient({ region });
      this.clients.set(region, c);
    }
    return c;
  }
}

/** Parses an MSK SCRAM secret. The message names the secret, never its content. */
export function parseScramSecret(secretArn: string, secretString: string): ScramCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw badScramSecret(secretArn, 'is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw badScramSecret(secretArn, 'is not a JSON object');
  const { username, password } = parsed as Record<string, unknown>;
  if (typeof username !== 'string' || username.length === 0)
    throw badScramSecret(secretArn, 'has no "username"');
  if (typeof password !== 'string' || password.length === 0)
    throw badScramSecret(secretArn, 'has no "password"');
  return { username, password };
}

function badScramSecret(secretArn: string, what: string): InvalidInputError {
  return new InvalidInputError(`secret ${secretArn} ${what}`, {
    code: 'SECRET_FORMAT',
    fix: 'An MSK SCRAM secret holds {"username": "...", "password": "..."} as its SecretString.',
  });
}

function secretsError(secretArn: string, e: unknown): Error {
  const name = (e as { name?: string } | undefined)?.name ?? 'Error';
  if (name === 'ResourceNotFoundException') {
    return new PreconditionError(`secret not found: ${secretArn}`, {
      code: 'SECRET_NOT_FOUND',
      fix: 'Check auth.secret_arn (region and account included) and that the secret exists.',
      cause: e,
    });
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'KMSAccessDeniedException') {
    return new PreconditionError(`AccessDenied when calling GetSecretValue on ${secretArn}`, {
      code: 'SECRET_ACCESS_DENIED',
      fix:
        'Allow secretsmanager:GetSecretValue on the secret (and kms:Decrypt on its KMS key) for this role; ' +
        '`kraft-migrate plan --format iam-policy` writes the policy.',
      cause: e,
    });
  }
  if (
    name === 'DecryptionFailure' ||
    name === 'InvalidRequestException' ||
    name === 'InvalidParameterException'
  ) {
    return new PreconditionError(`GetSecretValue on ${secretArn} failed: ${name}`, {
      code: 'SECRET_UNREADABLE',
      fix: 'Check the secret is enabled, not scheduled for deletion, and its KMS key is usable by this role.',
      cause: e,
    });
  }
  return new TransientError(`GetSecretValue on ${secretArn} failed: ${name}`, {
    code: 'SECRET_UNAVAILABLE',
    fix: 'Secrets Manager did not answer; check network access to it (VPC endpoint or NAT) and retry.',
    cause: e,
  });
}
