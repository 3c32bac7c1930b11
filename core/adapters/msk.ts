/**
 * MskApi over @aws-sdk/client-kafka.
 *
 * What DescribeClusterV2 tells us (API reference + SDK model, checked in @aws-sdk/client-kafka):
 * - `ClusterInfo.ClusterType` PROVISIONED | SERVERLESS, `State` (ACTIVE, CREATING, UPDATING, …).
 * - Provisioned: `CurrentBrokerSoftwareInfo.KafkaVersion` as MSK names it ("2.8.1", "3.9.x",
 *   "3.7.x.kraft", "4.1.x.kraft"), `NumberOfBrokerNodes`, `BrokerNodeGroupInfo.ZoneIds` /
 *   `ClientSubnets` (one client subnet per AZ), `ClientAuthentication.{Sasl.{Iam,Scram},Tls,
 *   Unauthenticated}.Enabled`, and `ZookeeperConnectString(Tls)` — present only for clusters in
 *   ZooKeeper mode. There is no explicit "metadata mode" field: KRaft clusters are created with a
 *   `.kraft` version (3.7.x.kraft, …) or run 4.x, and have no ZooKeeper connect string.
 * - zookeeperMode is therefore: `.kraft` or 4.x → false; a ZooKeeper connect string or a version
 *   before 3.7 (no KRaft on MSK before 3.7) → true; otherwise undefined — the Kafka-side detection
 *   (finalized metadata.version) is the authority either way.
 */
import type { Cluster, GetBootstrapBrokersResponse, KafkaClient } from '@aws-sdk/client-kafka';
import {
  causeText,
  InvalidInputError,
  type KraftMigrateError,
  PreconditionError,
  TransientError,
} from '../domain/errors.ts';
import { parseKafkaVersion, versionAtLeast } from '../domain/kafka-version.ts';
import type { MskApi, MskClusterFacts } from '../ports.ts';
import { regionOfArn } from './secrets.ts';

type BootstrapField = keyof GetBootstrapBrokersResponse;

/** Listener strings per auth mode, in order of preference: private, public, multi-VPC. */
const BOOTSTRAP_FIELDS: Readonly<Record<string, readonly BootstrapField[]>> = {
  iam: [
    'BootstrapBrokerStringSaslIam',
    'BootstrapBrokerStringPublicSaslIam',
    'BootstrapBrokerStringVpcConnectivitySaslIam',
  ],
  scram: [
    'BootstrapBrokerStringSaslScram',
    'BootstrapBrokerStringPublicSaslScram',
    'BootstrapBrokerStringVpcConnectivitySaslScram',
  ],
  tls: [
    'BootstrapBrokerStringTls',
    'BootstrapBrokerStringPublicTls',
    'BootstrapBrokerStringVpcConnectivityTls',
  ],
  /**
   * Unauthenticated: plaintext if the cluster allows it, else the TLS listener (MSK's unauthenticated
   * access runs over TLS unless plaintext is enabled) — then set auth.tls: true.
   */
  none: ['BootstrapBrokerString', 'BootstrapBrokerStringTls', 'BootstrapBrokerStringPublicTls'],
};

function modeKey(authMode: string): string {
  return authMode.startsWith('scram') ? 'scram' : authMode;
}

/** The SDK is imported on first use: only configs with a cluster_arn ever call MSK (not the copier's hot start). */
let mskSdk: Promise<typeof import('@aws-sdk/client-kafka')> | undefined;
const loadMskSdk = () => {
  mskSdk ??= import('@aws-sdk/client-kafka');
  return mskSdk;
};

export class AwsMskApi implements MskApi {
  private readonly clients = new Map<string, KafkaClient>();
  private readonly client: KafkaClient | undefined;

  /** `client` overrides the per-region clients (tests, custom endpoints). */
  constructor(client?: KafkaClient) {
    this.client = client;
  }

  async bootstrapBrokers(arn: string, authMode: string): Promise<string[]> {
    const fields = BOOTSTRAP_FIELDS[modeKey(authMode)];
    if (!fields) {
      throw new InvalidInputError(`unknown auth mode ${authMode}`, {
        code: 'CONFIG_AUTH_MODE',
        fix: 'Use one of none, iam, scram-sha-512, scram-sha-256, tls.',
      });
    }
    const answer = await this.call(arn, 'GetBootstrapBrokers', (c, sdk) =>
      c.send(new sdk.GetBootstrapBrokersCommand({ ClusterArn: arn })),
    );
    for (const field of fields) {
      const value = answer[field];
      if (typeof value === 'string' && value.trim() !== '') return splitBrokers(value);
    }
    const offered = Object.entries(BOOTSTRAP_FIELDS)
      .filter(([, fs]) => fs.some((f) => typeof answer[f] === 'string' && answer[f] !== ''))
      .map(([mode]) => (mode === 'scram' ? 'scram-sha-512' : mode));
    throw new PreconditionError(
      `cluster ${arn} has no ${authMode} listener (it offers: ${offered.join(', ') || 'none'})`,
      {
        code: 'MSK_AUTH_MODE_NOT_ENABLED',
        fix: 'Set auth.mode to a mode the cluster enables, or enable that authentication on the MSK cluster.',
      },
    );
  }

  async describeCluster(arn: string): Promise<MskClusterFacts> {
    const answer = await this.call(arn, 'DescribeClusterV2', (c, sdk) =>
      c.send(new sdk.DescribeClusterV2Command({ ClusterArn: arn })),
    );
    if (!answer.ClusterInfo) {
      throw new TransientError(`DescribeClusterV2 for ${arn} returned no cluster info`, {
        code: 'MSK_EMPTY_ANSWER',
        fix: 'Retry; if it persists, check the MSK console for the cluster.',
      });
    }
    return clusterFacts(arn, answer.ClusterInfo);
  }

  private async call<T>(
    arn: string,
    operation: string,
    fn: (c: KafkaClient, sdk: typeof import('@aws-sdk/client-kafka')) => Promise<T>,
  ): Promise<T> {
    try {
      const sdk = await loadMskSdk();
      return await fn(this.clientFor(arn, sdk), sdk);
    } catch (e) {
      throw mskError(arn, operation, e);
    }
  }

  private clientFor(arn: string, sdk: typeof import('@aws-sdk/client-kafka')): KafkaClient {
    if (this.client) return this.client;
    const region = regionOfArn(arn) ?? process.env.AWS_REGION ?? 'us-east-1';
    let c = this.clients.get(region);
    if (!c) {
      c = new sdk.KafkaClient({ region });
      this.clients.set(region, c);
    }
    return c;
  }
}

function splitBrokers(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Pure: DescribeClusterV2's ClusterInfo → MskClusterFacts. */
export function clusterFacts(arn: string, c: Cluster): MskClusterFacts {
  const type = c.ClusterType === 'SERVERLESS' ? 'SERVERLESS' : 'PROVISIONED';
  const p = c.Provisioned;
  const auth = p?.ClientAuthentication;
  const serverlessIam = c.Serverless?.ClientAuthentication?.Sasl?.Iam?.Enabled === true;
  const kafkaVersion = p?.CurrentBrokerSoftwareInfo?.KafkaVersion;
  const zoneIds = p?.BrokerNodeGroupInfo?.ZoneIds;
  const subnets = p?.BrokerNodeGroupInfo?.ClientSubnets;
  return {
    arn: c.ClusterArn ?? arn,
    name: c.ClusterName ?? arn.split('/')[1] ?? arn,
    state: c.State ?? 'UNKNOWN',
    type,
    kafkaVersion,
    brokerNodes: p?.NumberOfBrokerNodes,
    zookeeperMode:
      type === 'SERVERLESS'
        ? false
        : zookeeperModeOf(kafkaVersion, Boolean(p?.ZookeeperConnectString || p?.ZookeeperConnectStringTls)),
    availabilityZones: zoneIds?.length ? zoneIds.length : subnets?.length ? subnets.length : undefined,
    iamAuth: auth?.Sasl?.Iam?.Enabled === true || serverlessIam,
    scramAuth: auth?.Sasl?.Scram?.Enabled === true,
    tlsAuth: auth?.Tls?.Enabled === true,
  };
}

/** See the module comment. */
export function zookeeperModeOf(
  kafkaVersion: string | undefined,
  hasZookeeperConnect: boolean,
): boolean | undefined {
  if (kafkaVersion?.toLowerCase().endsWith('.kraft')) return false;
  if (hasZookeeperConnect) return true;
  const v = parseKafkaVersion(kafkaVersion);
  if (!v) return undefined;
  if (versionAtLeast(v, 4, 0)) return false;
  if (!versionAtLeast(v, 3, 7)) return true;
  return undefined;
}

function mskError(arn: string, operation: string, e: unknown): KraftMigrateError {
  const name = (e as { name?: string } | undefined)?.name ?? 'Error';
  const detail = causeText(e);
  if (name === 'NotFoundException') {
    return new PreconditionError(`MSK cluster not found: ${arn}`, {
      code: 'MSK_CLUSTER_NOT_FOUND',
      fix: 'Check cluster_arn (account, region, name and uuid) and that the cluster exists in that region.',
      cause: e,
    });
  }
  if (name === 'ForbiddenException' || name === 'UnauthorizedException' || name === 'AccessDeniedException') {
    return new PreconditionError(`AccessDenied when calling ${operation} on ${arn}`, {
      code: 'MSK_ACCESS_DENIED',
      fix: `Allow kafka:${operation} on the cluster for this role; \`kraft-migrate plan --format iam-policy\` writes the policy.`,
      cause: e,
    });
  }
  if (name === 'BadRequestException') {
    return new InvalidInputError(`${operation} rejected ${arn}: ${detail}`, {
      code: 'MSK_BAD_REQUEST',
      fix: 'Check cluster_arn is an MSK cluster ARN: arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>.',
      cause: e,
    });
  }
  return new TransientError(`${operation} on ${arn} failed: ${name}`, {
    code: 'MSK_UNAVAILABLE',
    fix: 'The MSK API did not answer (throttling or an outage); retry, and check network access to the MSK API.',
    cause: e,
  });
}
