/**
 * The one TLS/SASL set-up: from a ClusterConfig (SPEC §3) to connection settings, and from those
 * to a kafkajs `Kafka` (kafkaConfig, the admin) and to @platformatic/kafka connection options
 * (platformaticOptions: the admin's raw calls and the data path).
 *
 * Auth modes: none (plaintext unless auth.tls), scram-sha-256/512 (inline username/password or a
 * Secrets Manager secret), tls (mutual TLS with PEM files), iam (OAUTHBEARER tokens from
 * aws-msk-iam-sasl-signer-js). TLS is on for iam, scram-* and tls, off for none; auth.tls wins.
 */
import { readFile } from 'node:fs/promises';
import type tls from 'node:tls';
import type { ConnectionOptions, SASLOptions as PlatformaticSasl } from '@platformatic/kafka';
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import kafkajs, { type KafkaConfig, type RetryOptions, type SASLOptions } from 'kafkajs';
import type { AuthConfig, ClusterConfig } from '../../domain/config/schema.ts';
import { InvalidInputError } from '../../domain/errors.ts';
import type { MskApi } from '../../ports.ts';
import { AwsSecretsReader, regionOfArn, type SecretsReader } from '../secrets.ts';
import { quietLogCreator } from './logging.ts';

export type ScramMechanism = 'scram-sha-256' | 'scram-sha-512';

export type SaslSettings =
  | { readonly mechanism: ScramMechanism; readonly username: string; readonly password: string }
  /** `token` returns a fresh (or cached, still valid) bearer token. */
  | { readonly mechanism: 'oauthbearer'; readonly token: () => Promise<string> };

export interface ConnectionSettings {
  readonly brokers: readonly string[];
  /** TLS options (possibly empty: system CAs), or undefined for plaintext. */
  readonly tls: tls.ConnectionOptions | undefined;
  readonly sasl: SaslSettings | undefined;
  readonly clientId: string;
  /** Values that must never be logged (passwords; IAM tokens are added when minted). */
  readonly secrets: string[];
}

export type IamTokenMinter = (region: string) => Promise<{ token: string; expiryTime: number }>;

export interface ClientDeps {
  /** Resolves bootstrap brokers from cluster_arn when bootstrap_servers is not given. */
  readonly msk?: MskApi | undefined;
  readonly secrets?: SecretsReader | undefined;
  readonly readFile?: ((path: string) => Promise<Buffer>) | undefined;
  readonly mintIamToken?: IamTokenMinter | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  readonly clientId?: string | undefined;
  readonly now?: (() => number) | undefined;
}

/** Timeouts: requests outlive the broker's 30 s produce timeout; connecting fails fast. */
export const CLIENT_TIMEOUTS = {
  connectionTimeoutMs: 5_000,
  authenticationTimeoutMs: 10_000,
  requestTimeoutMs: 35_000,
} as const;

/** kafkajs retries: a refused connection is reported within a few seconds. */
export const CLIENT_RETRY: RetryOptions = { retries: 3, initialRetryTime: 300, maxRetryTime: 5_000 };

const TLS_BY_DEFAULT: Readonly<Record<AuthConfig['mode'], boolean>> = {
  none: false,
  iam: true,
  'scram-sha-256': true,
  'scram-sha-512': true,
  tls: true,
};

export function tlsEnabled(auth: AuthConfig): boolean {
  return auth.tls ?? TLS_BY_DEFAULT[auth.mode];
}

/** bootstrap_servers if given, else GetBootstrapBrokers for cluster_arn and the auth mode. */
export async function resolveBootstrap(cluster: ClusterConfig, msk?: MskApi): Promise<string[]> {
  if (cluster.bootstrap_servers && cluster.bootstrap_servers.length > 0)
    return [...cluster.bootstrap_servers];
  if (!cluster.cluster_arn) {
    throw new InvalidInputError('cluster has neither bootstrap_servers nor cluster_arn', {
      code: 'CONFIG_NO_BOOTSTRAP',
      fix: 'Give bootstrap_servers: [host:port, …] or cluster_arn for the cluster.',
    });
  }
  if (!msk) {
    throw new InvalidInputError(`cannot resolve brokers of ${cluster.cluster_arn} without the MSK API`, {
      code: 'CONFIG_NO_BOOTSTRAP',
      fix: 'Give bootstrap_servers in the config, or run where the MSK API is available.',
    });
  }
  return msk.bootstrapBrokers(cluster.cluster_arn, cluster.auth.mode);
}

/** auth.region, else the cluster ARN's region, else AWS_REGION / AWS_DEFAULT_REGION. */
export function resolveIamRegion(
  auth: AuthConfig,
  clusterArn: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const region =
    auth.region ??
    (clusterArn ? regionOfArn(clusterArn) : undefined) ??
    env.AWS_REGION ??
    env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new InvalidInputError('auth.mode iam needs an AWS region and none was found', {
      code: 'CONFIG_IAM_REGION',
      fix: 'Set auth.region (e.g. eu-west-1), give cluster_arn, or export AWS_REGION.',
    });
  }
  return region;
}

/**
 * An OAUTHBEARER token source for MSK IAM that reuses a token until a minute before it expires
 * (MSK allows 100 new connections per second per broker; signing every one is wasted work) and
 * registers each token as a secret so logs never show it.
 */
export function iamTokenProvider(
  region: string,
  secrets: string[],
  mint: IamTokenMinter = (r) => generateAuthToken({ region: r }),
  now: () => number = Date.now,
): () => Promise<string> {
  let cached: { token: string; expiryTime: number } | undefined;
  return async () => {
    if (cached && cached.expiryTime - 60_000 > now()) return cached.token;
    const fresh = await mint(region);
    const stale = cached ? secrets.indexOf(cached.token) : -1;
    if (stale >= 0) secrets.splice(stale, 1);
    secrets.push(fresh.token);
    cached = fresh;
    return fresh.token;
  };
}

async function readPem(path: string | undefined, key: string, read: (p: string) => Promise<Buffer>) {
  if (path === undefined) return undefined;
  try {
    return await read(path);
  } catch (e) {
    throw new InvalidInputError(`auth.${key} ${path} cannot be read: ${(e as Error).message}`, {
      code: 'CONFIG_TLS_FILE',
      fix: `Point auth.${key} at a readable PEM file.`,
      cause: e,
    });
  }
}

async function tlsOptions(auth: AuthConfig, read: (p: string) => Promise<Buffer>) {
  if (!tlsEnabled(auth)) return undefined;
  const options: tls.ConnectionOptions = {};
  const ca = await readPem(auth.ca_cert_path, 'ca_cert_path', read);
  const cert = await readPem(auth.client_cert_path, 'client_cert_path', read);
  const key = await readPem(auth.client_key_path, 'client_key_path', read);
  if (ca) options.ca = [ca];
  if (cert) options.cert = cert;
  if (key) options.key = key;
  return options;
}

async function saslSettings(
  cluster: ClusterConfig,
  deps: ClientDeps,
  secrets: string[],
): Promise<SaslSettings | undefined> {
  const auth = cluster.auth;
  if (auth.mode === 'scram-sha-256' || auth.mode === 'scram-sha-512') {
    const creds =
      auth.username && auth.password
        ? { username: auth.username, password: auth.password }
        : await (deps.secrets ?? new AwsSecretsReader()).readScramCredentials(requireSecretArn(auth));
    secrets.push(creds.password);
    return { mechanism: auth.mode, username: creds.username, password: creds.password };
  }
  if (auth.mode === 'iam') {
    const region = resolveIamRegion(auth, cluster.cluster_arn, deps.env ?? process.env);
    return {
      mechanism: 'oauthbearer',
      token: iamTokenProvider(region, secrets, deps.mintIamToken, deps.now),
    };
  }
  return undefined;
}

function requireSecretArn(auth: AuthConfig): string {
  if (!auth.secret_arn) {
    throw new InvalidInputError(`auth.mode ${auth.mode} needs username and password, or secret_arn`, {
      code: 'CONFIG_SCRAM_CREDENTIALS',
      fix: 'Set auth.secret_arn to the AmazonMSK_* secret, or auth.username and auth.password.',
    });
  }
  return auth.secret_arn;
}

/** Everything needed to open connections to this cluster (credentials fetched once, here). */
export async function resolveConnectionSettings(
  cluster: ClusterConfig,
  deps: ClientDeps = {},
): Promise<ConnectionSettings> {
  const secrets: string[] = [];
  const brokers = await resolveBootstrap(cluster, deps.msk);
  return {
    brokers,
    tls: await tlsOptions(cluster.auth, deps.readFile ?? readFile),
    sasl: await saslSettings(cluster, deps, secrets),
    clientId: deps.clientId ?? 'kraft-migrate',
    secrets,
  };
}

function kafkajsSasl(sasl: SaslSettings | undefined): SASLOptions | undefined {
  if (!sasl) return undefined;
  if (sasl.mechanism === 'oauthbearer') {
    const token = sasl.token;
    return { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: await token() }) };
  }
  return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password };
}

/** The kafkajs configuration for these settings (quiet logs, timeouts). */
export function kafkaConfig(settings: ConnectionSettings, overrides: Partial<KafkaConfig> = {}): KafkaConfig {
  const sasl = kafkajsSasl(settings.sasl);
  return {
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    ssl: settings.tls === undefined ? false : Object.keys(settings.tls).length === 0 ? true : settings.tls,
    ...(sasl ? { sasl } : {}),
    connectionTimeout: CLIENT_TIMEOUTS.connectionTimeoutMs,
    authenticationTimeout: CLIENT_TIMEOUTS.authenticationTimeoutMs,
    requestTimeout: CLIENT_TIMEOUTS.requestTimeoutMs,
    retry: CLIENT_RETRY,
    logLevel: kafkajs.logLevel.INFO,
    logCreator: quietLogCreator(settings.secrets),
    ...overrides,
  };
}

/** Options shared by every platformatic client and connection pool (the admin's raw calls and the data path). */
export interface PlatformaticConnectionOptions extends ConnectionOptions {
  readonly clientId: string;
  readonly bootstrapBrokers: string[];
}

function platformaticSasl(settings: ConnectionSettings): PlatformaticSasl | undefined {
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

/** A kafkajs client (admin requests only: no record batches, so no codecs beyond kafkajs' gzip). */
export function createKafka(
  settings: ConnectionSettings,
  overrides: Partial<KafkaConfig> = {},
): kafkajs.Kafka {
  return new kafkajs.Kafka(kafkaConfig(settings, overrides));
}
