/**
 * Building Kafka connections from the config: auth modes, TLS defaults, Secrets Manager, IAM
 * tokens, the same SCRAM/OAUTHBEARER set-up for kafkajs and @platformatic/kafka, library logs
 * (silent unless KRAFT_MIGRATE_DEBUG) without secrets, and how kafkajs' and platformatic's failures
 * map onto the error catalogue. No broker needed (the integration test covers the wire).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { NetworkError } from '@platformatic/kafka';
import { mockClient } from 'aws-sdk-client-mock';
import kafkajs from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkajsAdmin } from '../../../core/adapters/kafka/admin.ts';
import {
  CLIENT_TIMEOUTS,
  iamTokenProvider,
  kafkaConfig,
  platformaticOptions,
  resolveBootstrap,
  resolveConnectionSettings,
  resolveIamRegion,
  tlsEnabled,
} from '../../../core/adapters/kafka/client.ts';
import {
  kafkaProtocolError,
  METADATA_TIMEOUT_MESSAGE,
  metadataTimeoutError,
  NOT_CONTROLLER_MESSAGE,
  toCatalogueError,
} from '../../../core/adapters/kafka/errors.ts';
import { libraryLogsEnabled, quietLogCreator, redact } from '../../../core/adapters/kafka/logging.ts';
import { AwsSecretsReader, parseScramSecret } from '../../../core/adapters/secrets.ts';
import type { AuthConfig, ClusterConfig } from '../../../core/domain/config/schema.ts';
import { InvalidInputError, PreconditionError, TransientError } from '../../../core/domain/errors.ts';
import type { MskApi } from '../../../core/ports.ts';

const ARN = 'arn:aws:kafka:eu-west-2:123456789012:cluster/orders/11111111-2222-3333-4444-555555555555-2';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:AmazonMSK_migrator-AbCdEf';

function cluster(auth: Partial<AuthConfig>, extra: Partial<ClusterConfig> = {}): ClusterConfig {
  return {
    bootstrap_servers: ['b-1.example:9096'],
    auth: { mode: 'none', ...auth },
    ...extra,
  } as ClusterConfig;
}

const secretsMock = mockClient(SecretsManagerClient);
afterEach(() => secretsMock.reset());

describe('TLS defaults', () => {
  it('is on for iam, scram and tls, off for none, and auth.tls overrides', () => {
    expect(tlsEnabled({ mode: 'none' })).toBe(false);
    expect(tlsEnabled({ mode: 'iam' })).toBe(true);
    expect(tlsEnabled({ mode: 'scram-sha-512' })).toBe(true);
    expect(tlsEnabled({ mode: 'scram-sha-256' })).toBe(true);
    expect(tlsEnabled({ mode: 'tls' })).toBe(true);
    expect(tlsEnabled({ mode: 'none', tls: true })).toBe(true);
    expect(tlsEnabled({ mode: 'scram-sha-512', tls: false })).toBe(false);
  });
});

describe('connection settings per auth mode', () => {
  it('gives plaintext without SASL for mode none', async () => {
    // Act
    const s = await resolveConnectionSettings(cluster({ mode: 'none' }));
    const k = kafkaConfig(s);
    // Assert
    expect(s.tls).toBeUndefined();
    expect(s.sasl).toBeUndefined();
    expect(k.ssl).toBe(false);
    expect(k.sasl).toBeUndefined();
    expect(k.brokers).toEqual(['b-1.example:9096']);
  });

  it('uses inline SCRAM credentials over TLS with system CAs', async () => {
    // Act
    const s = await resolveConnectionSettings(
      cluster({ mode: 'scram-sha-512', username: 'alice', password: 'pw-1234' }),
    );
    const k = kafkaConfig(s);
    // Assert
    expect(k.ssl).toBe(true);
    expect(k.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'alice', password: 'pw-1234' });
    expect(s.secrets).toContain('pw-1234');
  });

  it('reads SCRAM credentials from the Secrets Manager secret', async () => {
    // Arrange
    secretsMock
      .on(GetSecretValueCommand, { SecretId: SECRET_ARN })
      .resolves({ SecretString: JSON.stringify({ username: 'migrator', password: 's3cr3t-pw' }) });
    const secrets = new AwsSecretsReader(new SecretsManagerClient({ region: 'eu-west-2' }));
    // Act
    const s = await resolveConnectionSettings(cluster({ mode: 'scram-sha-256', secret_arn: SECRET_ARN }), {
      secrets,
    });
    // Assert
    expect(s.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'migrator', password: 's3cr3t-pw' });
    expect(s.secrets).toEqual(['s3cr3t-pw']);
  });

  it('reports a missing secret as a PreconditionError naming the ARN', async () => {
    // Arrange
    secretsMock.on(GetSecretValueCommand).rejects(
      new ResourceNotFoundException({
        message: 'Secrets Manager can’t find the specified secret.',
        $metadata: {},
      }),
    );
    const secrets = new AwsSecretsReader(new SecretsManagerClient({ region: 'eu-west-2' }));
    // Act
    const result = resolveConnectionSettings(cluster({ mode: 'scram-sha-512', secret_arn: SECRET_ARN }), {
      secrets,
    });
    // Assert
    await expect(result).rejects.toBeInstanceOf(PreconditionError);
    await expect(result).rejects.toMatchObject({
      code: 'SECRET_NOT_FOUND',
      message: `secret not found: ${SECRET_ARN}`,
    });
  });

  it('reports a denied secret with the IAM hint', async () => {
    // Arrange
    secretsMock.on(GetSecretValueCommand).rejects(
      new SecretsManagerServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: {},
      }),
    );
    const secrets = new AwsSecretsReader(new SecretsManagerClient({ region: 'eu-west-2' }));
    // Act
    const result = secrets.readScramCredentials(SECRET_ARN);
    // Assert
    await expect(result).rejects.toMatchObject({
      name: 'PreconditionError',
      code: 'SECRET_ACCESS_DENIED',
      fix: expect.stringContaining('plan --format iam-policy'),
    });
  });

  it('never echoes a malformed secret’s content', () => {
    // Act
    const attempt = () => parseScramSecret(SECRET_ARN, '{"user":"x","pass":"hunter2-secret"}');
    // Assert
    expect(attempt).toThrow(InvalidInputError);
    expect(attempt).toThrow(`secret ${SECRET_ARN} has no "username"`);
    try {
      attempt();
    } catch (e) {
      expect(String((e as Error).message) + String((e as InvalidInputError).fix)).not.toContain('hunter2');
    }
  });

  it('loads CA, client certificate and key for mutual TLS', async () => {
    // Arrange
    const dir = await mkdtemp(join(tmpdir(), 'kraft-tls-'));
    await writeFile(join(dir, 'ca.pem'), 'CA PEM');
    await writeFile(join(dir, 'client.pem'), 'CERT PEM');
    await writeFile(join(dir, 'client.key'), 'KEY PEM');
    // Act
    const s = await resolveConnectionSettings(
      cluster({
        mode: 'tls',
        ca_cert_path: join(dir, 'ca.pem'),
        client_cert_path: join(dir, 'client.pem'),
        client_key_path: join(dir, 'client.key'),
      }),
    );
    const k = kafkaConfig(s);
    // Assert
    expect(s.sasl).toBeUndefined();
    expect(k.ssl).toEqual({
      ca: [Buffer.from('CA PEM')],
      cert: Buffer.from('CERT PEM'),
      key: Buffer.from('KEY PEM'),
    });
  });

  it('names the unreadable PEM file', async () => {
    // Act
    const result = resolveConnectionSettings(
      cluster({ mode: 'tls', client_cert_path: '/nope/client.pem', client_key_path: '/nope/client.key' }),
    );
    // Assert
    await expect(result).rejects.toBeInstanceOf(InvalidInputError);
    await expect(result).rejects.toMatchObject({
      code: 'CONFIG_TLS_FILE',
      message: expect.stringContaining('/nope/client.pem'),
    });
  });

  it('configures IAM as OAUTHBEARER over TLS with tokens for the cluster’s region', async () => {
    // Arrange
    const minted: string[] = [];
    const mintIamToken = async (region: string) => {
      minted.push(region);
      return { token: `tok-${region}-${minted.length}`, expiryTime: Date.now() + 900_000 };
    };
    // Act
    const s = await resolveConnectionSettings(cluster({ mode: 'iam' }, { cluster_arn: ARN }), {
      mintIamToken,
    });
    const k = kafkaConfig(s);
    const sasl = k.sasl as { mechanism: string; oauthBearerProvider: () => Promise<{ value: string }> };
    const first = await sasl.oauthBearerProvider();
    const second = await sasl.oauthBearerProvider();
    // Assert
    expect(k.ssl).toBe(true);
    expect(sasl.mechanism).toBe('oauthbearer');
    expect(first).toEqual({ value: 'tok-eu-west-2-1' });
    expect(second).toEqual(first);
    expect(minted).toEqual(['eu-west-2']);
    expect(s.secrets).toEqual(['tok-eu-west-2-1']);
  });

  it('gives platformatic the same TLS and SASL as kafkajs (SCRAM names, IAM token provider)', async () => {
    // Arrange
    const mintIamToken = async () => ({ token: 'tok-1', expiryTime: Date.now() + 900_000 });
    const scram = await resolveConnectionSettings(
      cluster({ mode: 'scram-sha-512', username: 'u', password: 'pw-secret' }),
    );
    const iam = await resolveConnectionSettings(cluster({ mode: 'iam' }, { cluster_arn: ARN }), {
      mintIamToken,
    });
    const plain = await resolveConnectionSettings(cluster({ mode: 'none' }));
    // Act
    const [s, i, p] = [scram, iam, plain].map(platformaticOptions);
    const iamSasl = i?.sasl as { mechanism: string; token: () => Promise<string> } | undefined;
    // Assert
    expect(s?.sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'u', password: 'pw-secret' });
    expect(s?.tls).toEqual({});
    expect(s?.bootstrapBrokers).toEqual(['b-1.example:9096']);
    expect(iamSasl?.mechanism).toBe('OAUTHBEARER');
    expect(await iamSasl?.token()).toBe('tok-1');
    expect(p?.tls).toBeUndefined();
    expect(p?.sasl).toBeUndefined();
    expect(s?.connectTimeout).toBe(CLIENT_TIMEOUTS.connectionTimeoutMs);
  });
});

describe('IAM region and tokens', () => {
  it('prefers auth.region, then the ARN, then AWS_REGION', () => {
    expect(resolveIamRegion({ mode: 'iam', region: 'us-east-2' }, ARN, { AWS_REGION: 'ap-south-1' })).toBe(
      'us-east-2',
    );
    expect(resolveIamRegion({ mode: 'iam' }, ARN, { AWS_REGION: 'ap-south-1' })).toBe('eu-west-2');
    expect(resolveIamRegion({ mode: 'iam' }, undefined, { AWS_REGION: 'ap-south-1' })).toBe('ap-south-1');
    expect(resolveIamRegion({ mode: 'iam' }, undefined, { AWS_DEFAULT_REGION: 'sa-east-1' })).toBe(
      'sa-east-1',
    );
  });

  it('refuses IAM without any region, saying where to set one', () => {
    expect(() => resolveIamRegion({ mode: 'iam' }, undefined, {})).toThrow(InvalidInputError);
    expect(() => resolveIamRegion({ mode: 'iam' }, undefined, {})).toThrow(/needs an AWS region/);
  });

  it('mints a new token a minute before expiry and forgets the old one for redaction', async () => {
    // Arrange
    let now = 1_000_000;
    let n = 0;
    const secrets: string[] = [];
    const token = iamTokenProvider(
      'eu-west-1',
      secrets,
      async () => ({ token: `token-${++n}`, expiryTime: now + 900_000 }),
      () => now,
    );
    // Act
    const a = await token();
    now += 800_000;
    const b = await token();
    now += 50_000;
    const c = await token();
    // Assert
    expect([a, b, c]).toEqual(['token-1', 'token-1', 'token-2']);
    expect(secrets).toEqual(['token-2']);
  });
});

describe('bootstrap resolution', () => {
  it('uses bootstrap_servers when given, else asks MSK for the auth mode’s brokers', async () => {
    // Arrange
    const asked: [string, string][] = [];
    const msk: MskApi = {
      bootstrapBrokers: async (arn, mode) => {
        asked.push([arn, mode]);
        return ['b-1.orders:9098', 'b-2.orders:9098'];
      },
      describeCluster: async () => {
        throw new Error('not used');
      },
    };
    // Act
    const given = await resolveBootstrap(cluster({ mode: 'iam' }), msk);
    const resolved = await resolveBootstrap(
      { cluster_arn: ARN, auth: { mode: 'iam' } } as ClusterConfig,
      msk,
    );
    // Assert
    expect(given).toEqual(['b-1.example:9096']);
    expect(resolved).toEqual(['b-1.orders:9098', 'b-2.orders:9098']);
    expect(asked).toEqual([[ARN, 'iam']]);
  });

  it('refuses a cluster with neither bootstrap_servers nor cluster_arn', async () => {
    await expect(resolveBootstrap({ auth: { mode: 'none' } } as ClusterConfig)).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });
});

describe('kafkajs client settings', () => {
  it('keeps requests above the broker’s 30 s and connects with a short timeout', async () => {
    // Act
    const k = kafkaConfig(await resolveConnectionSettings(cluster({ mode: 'none' })));
    // Assert
    expect(k.requestTimeout).toBeGreaterThan(30_000);
    expect(k.connectionTimeout).toBe(CLIENT_TIMEOUTS.connectionTimeoutMs);
    expect(k.connectionTimeout).toBeLessThanOrEqual(5_000);
    expect(k.logLevel).toBe(kafkajs.logLevel.INFO);
  });
});

describe('kafkajs logging', () => {
  const entry = (log: ReturnType<ReturnType<typeof quietLogCreator>>, level: number, message: string) =>
    log({
      namespace: 'Connection',
      level,
      label: '',
      log: { timestamp: 't', message, password: 'pw-1234' },
    });

  it('is silent unless KRAFT_MIGRATE_DEBUG is set (test/it/cli/quiet-libraries.test.ts runs the bin)', () => {
    // Act / Assert
    expect(libraryLogsEnabled({})).toBe(false);
    expect(libraryLogsEnabled({ KRAFT_MIGRATE_DEBUG: '' })).toBe(false);
    expect(libraryLogsEnabled({ KRAFT_MIGRATE_DEBUG: '1' })).toBe(true);
  });

  it('writes INFO and above when debugging, drops DEBUG, and redacts secrets', () => {
    // Arrange
    const lines: string[] = [];
    const log = quietLogCreator(['pw-1234'], (l) => lines.push(l))(kafkajs.logLevel.INFO);
    // Act
    entry(log, kafkajs.logLevel.DEBUG, 'bytes');
    entry(log, kafkajs.logLevel.INFO, 'connected');
    entry(log, kafkajs.logLevel.WARN, 'retrying with pw-1234');
    entry(log, kafkajs.logLevel.ERROR, 'failed');
    // Assert
    expect(lines).toHaveLength(3);
    expect(lines.join('\n')).not.toContain('pw-1234');
    expect(JSON.parse(lines[1] ?? '{}')).toMatchObject({
      level: 'WARN',
      source: 'kafkajs:Connection',
      message: 'retrying with ***',
    });
  });

  it('redacts every occurrence but leaves very short values alone', () => {
    expect(redact('a=secret b=secret', ['secret'])).toBe('a=*** b=***');
    expect(redact('abc', ['ab'])).toBe('abc');
  });
});

describe('failure mapping', () => {
  const bootstrap = ['b-1:9092', 'b-2:9092'];
  const op = { operation: 'DescribeConfigs', resource: 'topic orders' };
  const kafkajsError = (name: string, props: Record<string, unknown> = {}) =>
    Object.assign(new Error(props.message as string | undefined), { name, ...props });

  it('turns connection failures into a TransientError naming the bootstrap servers', () => {
    // Arrange
    const e = kafkajsError('KafkaJSNumberOfRetriesExceeded', {
      message: 'Connection error: connect ECONNREFUSED',
      cause: kafkajsError('KafkaJSConnectionError', {
        message: 'connect ECONNREFUSED',
        code: 'ECONNREFUSED',
      }),
    });
    // Act
    const mapped = toCatalogueError(e, bootstrap, op);
    // Assert
    expect(mapped).toBeInstanceOf(TransientError);
    expect(mapped).toMatchObject({ code: 'KAFKA_UNREACHABLE' });
    expect(mapped.message).toContain('b-1:9092,b-2:9092');
  });

  it('turns authorization failures into KAFKA_AUTHORIZATION naming operation and resource', () => {
    // Act
    const mapped = toCatalogueError(
      kafkajsError('KafkaJSProtocolError', { type: 'TOPIC_AUTHORIZATION_FAILED', retriable: false }),
      bootstrap,
      op,
    );
    // Assert
    expect(mapped).toBeInstanceOf(PreconditionError);
    expect(mapped).toMatchObject({ code: 'KAFKA_AUTHORIZATION' });
    expect(mapped.message).toBe('TOPIC_AUTHORIZATION_FAILED: not allowed to DescribeConfigs on topic orders');
  });

  it('keeps the exact NOT_CONTROLLER text even when kafkajs wrapped it in its retries', () => {
    // Act
    const mapped = toCatalogueError(
      kafkajsError('KafkaJSNumberOfRetriesExceeded', {
        cause: kafkajsError('KafkaJSProtocolError', { type: 'NOT_CONTROLLER', retriable: true }),
      }),
      bootstrap,
      op,
    );
    // Assert
    expect(mapped).toBeInstanceOf(TransientError);
    expect(mapped.message).toBe(NOT_CONTROLLER_MESSAGE);
  });

  it('reports rejected credentials as KAFKA_AUTHENTICATION', () => {
    const mapped = toCatalogueError(
      kafkajsError('KafkaJSSASLAuthenticationError', { message: 'SASL failed' }),
      bootstrap,
      op,
    );
    expect(mapped).toMatchObject({ name: 'PreconditionError', code: 'KAFKA_AUTHENTICATION' });
  });

  it('maps platformatic failures the same way (network → KAFKA_UNREACHABLE, apiId, canRetry)', () => {
    // Act
    const network = toCatalogueError(
      new NetworkError('Connection to 127.0.0.1:1 failed.', { code: 'ECONNREFUSED' }),
      bootstrap,
      op,
    );
    const denied = toCatalogueError(kafkaProtocolError(29, 'DescribeLogDirs'), bootstrap, op);
    const leader = toCatalogueError(kafkaProtocolError(6, 'ListOffsets'), bootstrap, op);
    const invalid = toCatalogueError(kafkaProtocolError(40, 'IncrementalAlterConfigs'), bootstrap, op);
    const notController = toCatalogueError(kafkaProtocolError(41, 'DescribeConfigs'), bootstrap, op);
    // Assert
    expect(network).toMatchObject({ name: 'TransientError', code: 'KAFKA_UNREACHABLE' });
    expect(network.message).toContain('b-1:9092,b-2:9092');
    expect(denied).toMatchObject({ name: 'PreconditionError', code: 'KAFKA_AUTHORIZATION' });
    expect(leader).toMatchObject({ name: 'TransientError', code: 'KAFKA_REQUEST_FAILED' });
    expect(leader.message).toBe('DescribeConfigs on topic orders failed: NOT_LEADER_OR_FOLLOWER');
    expect(invalid).toMatchObject({ name: 'PreconditionError', code: 'KAFKA_REQUEST_FAILED' });
    expect(notController.message).toBe(NOT_CONTROLLER_MESSAGE);
  });

  it('offers the seed metadata timeout with its documented text and fix', () => {
    const e = metadataTimeoutError();
    expect(e.message).toBe(METADATA_TIMEOUT_MESSAGE);
    expect(e.message).toBe('Timeout waiting for metadata from source cluster');
    expect(e.fix).toContain('seed.max_concurrent_partitions');
    expect(e).toBeInstanceOf(TransientError);
  });

  describe('DescribeConfigs and NOT_CONTROLLER', () => {
    const notController = () =>
      kafkajsError('KafkaJSNumberOfRetriesExceeded', {
        cause: kafkajsError('KafkaJSProtocolError', { type: 'NOT_CONTROLLER', retriable: true }),
      });
    const answer = {
      resources: [
        {
          resourceName: 'orders',
          configEntries: [
            {
              configName: 'retention.ms',
              configValue: '1000',
              readOnly: false,
              isDefault: false,
              isSensitive: false,
            },
            {
              configName: 'sasl.jaas.config',
              configValue: 'x',
              readOnly: true,
              isDefault: false,
              isSensitive: true,
            },
          ],
        },
      ],
    };
    /** A kafkajs Kafka whose admin fails DescribeConfigs `failures` times with NOT_CONTROLLER. */
    function fakeKafka(failures: number) {
      let calls = 0;
      const admin = {
        connect: async () => {},
        disconnect: async () => {},
        describeConfigs: async () => {
          calls++;
          if (calls <= failures) throw notController();
          return answer;
        },
      };
      return { kafka: { admin: () => admin } as unknown as kafkajs.Kafka, calls: () => calls };
    }
    const settings = { brokers: bootstrap, tls: undefined, sasl: undefined, clientId: 't', secrets: [] };

    it('retries NOT_CONTROLLER with backoff and then answers', async () => {
      // Arrange
      const sleeps: number[] = [];
      const fake = fakeKafka(2);
      const admin = new KafkajsAdmin(fake.kafka, settings, { sleep: async (ms) => void sleeps.push(ms) });
      // Act
      const configs = await admin.describeTopicConfigs(['orders']);
      // Assert
      expect(fake.calls()).toBe(3);
      expect(sleeps).toEqual([500, 1000]);
      expect(configs.get('orders')).toEqual([
        { name: 'retention.ms', value: '1000', readOnly: false, isDefault: false, isSensitive: false },
        { name: 'sasl.jaas.config', value: null, readOnly: true, isDefault: false, isSensitive: true },
      ]);
    });

    it('fails with the exact troubleshooting text once the retries are exhausted', async () => {
      // Arrange
      const fake = fakeKafka(100);
      const admin = new KafkajsAdmin(fake.kafka, settings, {
        sleep: async () => {},
        notControllerRetries: 3,
      });
      // Act
      const result = admin.describeTopicConfigs(['orders']);
      // Assert
      await expect(result).rejects.toBeInstanceOf(TransientError);
      await expect(result).rejects.toThrow(/^DescribeConfigs failed on target broker: NOT_CONTROLLER$/);
      expect(fake.calls()).toBe(4);
    });
  });
});
