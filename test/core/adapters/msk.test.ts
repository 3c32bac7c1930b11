/**
 * AwsMskApi against a mocked MSK API (aws-sdk-client-mock): no MSK cluster is reachable from
 * here. Shapes follow the DescribeClusterV2 / GetBootstrapBrokers API reference.
 */
import {
  type Cluster,
  DescribeClusterV2Command,
  ForbiddenException,
  GetBootstrapBrokersCommand,
  KafkaClient,
  NotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-kafka';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsMskApi, clusterFacts, zookeeperModeOf } from '../../../core/adapters/msk.ts';
import { PreconditionError, TransientError } from '../../../core/domain/errors.ts';

const ARN = 'arn:aws:kafka:eu-west-1:123456789012:cluster/orders/0f1e2d3c-aaaa-bbbb-cccc-111122223333-3';
const kafkaMock = mockClient(KafkaClient);
const api = () => new AwsMskApi(new KafkaClient({ region: 'eu-west-1' }));
afterEach(() => kafkaMock.reset());

const zkCluster: Cluster = {
  ClusterArn: ARN,
  ClusterName: 'orders',
  ClusterType: 'PROVISIONED',
  State: 'ACTIVE',
  Provisioned: {
    BrokerNodeGroupInfo: {
      ClientSubnets: ['subnet-a', 'subnet-b', 'subnet-c'],
      InstanceType: 'kafka.m5.large',
    },
    CurrentBrokerSoftwareInfo: { KafkaVersion: '3.9.x' },
    NumberOfBrokerNodes: 6,
    ZookeeperConnectString: 'z-1.orders.abc.c3.kafka.eu-west-1.amazonaws.com:2181',
    ClientAuthentication: {
      Sasl: { Iam: { Enabled: true }, Scram: { Enabled: false } },
      Tls: { Enabled: false },
    },
  },
};

describe('bootstrap brokers', () => {
  const answer = {
    BootstrapBrokerString: 'b-1:9092,b-2:9092',
    BootstrapBrokerStringTls: 'b-1:9094,b-2:9094',
    BootstrapBrokerStringSaslScram: 'b-1:9096,b-2:9096',
    BootstrapBrokerStringSaslIam: 'b-1:9098, b-2:9098',
  };

  it('picks the listener of each auth mode', async () => {
    // Arrange
    kafkaMock.on(GetBootstrapBrokersCommand, { ClusterArn: ARN }).resolves(answer);
    // Act / Assert
    expect(await api().bootstrapBrokers(ARN, 'iam')).toEqual(['b-1:9098', 'b-2:9098']);
    expect(await api().bootstrapBrokers(ARN, 'scram-sha-512')).toEqual(['b-1:9096', 'b-2:9096']);
    expect(await api().bootstrapBrokers(ARN, 'scram-sha-256')).toEqual(['b-1:9096', 'b-2:9096']);
    expect(await api().bootstrapBrokers(ARN, 'tls')).toEqual(['b-1:9094', 'b-2:9094']);
    expect(await api().bootstrapBrokers(ARN, 'none')).toEqual(['b-1:9092', 'b-2:9092']);
  });

  it('falls back to the public listener only when the private one is missing', async () => {
    // Arrange
    kafkaMock.on(GetBootstrapBrokersCommand).resolves({
      BootstrapBrokerStringPublicSaslIam: 'b-1.public:9198',
      BootstrapBrokerStringTls: 'b-1:9094',
    });
    // Act / Assert
    expect(await api().bootstrapBrokers(ARN, 'iam')).toEqual(['b-1.public:9198']);
    expect(await api().bootstrapBrokers(ARN, 'none')).toEqual(['b-1:9094']);
  });

  it('says which modes the cluster offers when the asked one is not enabled', async () => {
    // Arrange
    kafkaMock.on(GetBootstrapBrokersCommand).resolves({ BootstrapBrokerStringSaslIam: 'b-1:9098' });
    // Act
    const result = api().bootstrapBrokers(ARN, 'scram-sha-512');
    // Assert
    await expect(result).rejects.toBeInstanceOf(PreconditionError);
    await expect(result).rejects.toMatchObject({
      code: 'MSK_AUTH_MODE_NOT_ENABLED',
      message: `cluster ${ARN} has no scram-sha-512 listener (it offers: iam)`,
    });
  });
});

describe('describe cluster', () => {
  it('reports a provisioned ZooKeeper cluster with its facts', async () => {
    // Arrange
    kafkaMock.on(DescribeClusterV2Command, { ClusterArn: ARN }).resolves({ ClusterInfo: zkCluster });
    // Act
    const facts = await api().describeCluster(ARN);
    // Assert
    expect(facts).toEqual({
      arn: ARN,
      name: 'orders',
      state: 'ACTIVE',
      type: 'PROVISIONED',
      kafkaVersion: '3.9.x',
      brokerNodes: 6,
      zookeeperMode: true,
      availabilityZones: 3,
      iamAuth: true,
      scramAuth: false,
      tlsAuth: false,
    });
  });

  it('reports a KRaft cluster by its .kraft version and no ZooKeeper connect string', () => {
    // Arrange
    const kraft: Cluster = {
      ...zkCluster,
      State: 'UPDATING',
      Provisioned: {
        ...zkCluster.Provisioned,
        BrokerNodeGroupInfo: {
          ClientSubnets: ['a', 'b'],
          InstanceType: 'express.m7g.large',
          ZoneIds: ['euw1-az1', 'euw1-az2', 'euw1-az3'],
        },
        CurrentBrokerSoftwareInfo: { KafkaVersion: '3.7.x.kraft' },
        ZookeeperConnectString: undefined,
        NumberOfBrokerNodes: 3,
        ClientAuthentication: { Sasl: { Scram: { Enabled: true } }, Tls: { Enabled: true } },
      },
    };
    // Act
    const facts = clusterFacts(ARN, kraft);
    // Assert
    expect(facts).toMatchObject({
      state: 'UPDATING',
      zookeeperMode: false,
      kafkaVersion: '3.7.x.kraft',
      availabilityZones: 3,
      iamAuth: false,
      scramAuth: true,
      tlsAuth: true,
    });
  });

  it('reports a serverless cluster as SERVERLESS with IAM', () => {
    // Act
    const facts = clusterFacts(ARN, {
      ClusterArn: ARN,
      ClusterName: 'events',
      ClusterType: 'SERVERLESS',
      State: 'ACTIVE',
      Serverless: {
        VpcConfigs: [{ SubnetIds: ['a', 'b'] }],
        ClientAuthentication: { Sasl: { Iam: { Enabled: true } } },
      },
    });
    // Assert
    expect(facts).toMatchObject({
      type: 'SERVERLESS',
      iamAuth: true,
      zookeeperMode: false,
      brokerNodes: undefined,
    });
  });

  it('turns an unknown ARN into a PreconditionError (precheck B01)', async () => {
    // Arrange
    kafkaMock
      .on(DescribeClusterV2Command)
      .rejects(new NotFoundException({ message: 'not found', $metadata: {} }));
    // Act
    const result = api().describeCluster(ARN);
    // Assert
    await expect(result).rejects.toBeInstanceOf(PreconditionError);
    await expect(result).rejects.toMatchObject({
      code: 'MSK_CLUSTER_NOT_FOUND',
      message: `MSK cluster not found: ${ARN}`,
    });
  });

  it('turns a denied call into a PreconditionError with the IAM hint', async () => {
    // Arrange
    kafkaMock
      .on(GetBootstrapBrokersCommand)
      .rejects(new ForbiddenException({ message: 'denied', $metadata: {} }));
    // Act
    const result = api().bootstrapBrokers(ARN, 'iam');
    // Assert
    await expect(result).rejects.toMatchObject({
      name: 'PreconditionError',
      code: 'MSK_ACCESS_DENIED',
      message: `AccessDenied when calling GetBootstrapBrokers on ${ARN}`,
    });
  });

  it('treats throttling as transient', async () => {
    // Arrange
    kafkaMock
      .on(DescribeClusterV2Command)
      .rejects(new TooManyRequestsException({ message: 'slow down', $metadata: {} }));
    // Act / Assert
    await expect(api().describeCluster(ARN)).rejects.toBeInstanceOf(TransientError);
  });
});

describe('ZooKeeper mode from MSK facts', () => {
  it('decides from the version name and the ZooKeeper connect string', () => {
    expect(zookeeperModeOf('3.7.x.kraft', false)).toBe(false);
    expect(zookeeperModeOf('4.1.x.kraft', false)).toBe(false);
    expect(zookeeperModeOf('4.0.x', false)).toBe(false);
    expect(zookeeperModeOf('3.9.x', true)).toBe(true);
    expect(zookeeperModeOf('2.8.1', false)).toBe(true);
    expect(zookeeperModeOf('3.6.0', false)).toBe(true);
    expect(zookeeperModeOf('3.9.x', false)).toBeUndefined();
    expect(zookeeperModeOf(undefined, false)).toBeUndefined();
  });
});
