/** Kafka versions: parsing, comparing, and the release from metadata.version, the IBP and ApiVersions. */
import { describe, expect, it } from 'vitest';
import {
  detectKafkaVersion,
  detectMetadataMode,
  METADATA_VERSION_LEVELS,
  parseKafkaVersion,
  releaseOfApiVersions,
  releaseOfInterBrokerProtocol,
  releaseOfMetadataVersion,
  versionAtLeast,
} from '../../../core/domain/kafka-version.ts';

/** ApiVersions ranges (key, min, max) the local stack's brokers answer (Fetch, ApiVersions, DescribeCluster). */
const KAFKA_2_8_2 = [
  [1, 0, 12],
  [18, 0, 3],
  [60, 0, 0],
];
const KAFKA_3_9_2 = [
  [1, 0, 17],
  [18, 0, 4],
  [60, 0, 1],
];
const KAFKA_4_1_1 = [
  [1, 4, 18],
  [18, 0, 4],
  [60, 0, 2],
];
const ranges = (rows: number[][]) =>
  rows.map(([apiKey, minVersion, maxVersion]) => ({
    apiKey: apiKey as number,
    minVersion: minVersion as number,
    maxVersion: maxVersion as number,
  }));

describe('parsing and comparing versions', () => {
  it('reads major.minor of every spelling MSK and Kafka use', () => {
    expect(parseKafkaVersion('3.10.1')).toEqual({ major: 3, minor: 10 });
    expect(parseKafkaVersion('3.7.x.kraft')).toEqual({ major: 3, minor: 7 });
    expect(parseKafkaVersion('2.8.2.tiered')).toEqual({ major: 2, minor: 8 });
    expect(parseKafkaVersion(' 4.1 ')).toEqual({ major: 4, minor: 1 });
    expect(parseKafkaVersion('unknown')).toBeUndefined();
    expect(parseKafkaVersion(null)).toBeUndefined();
  });

  it('compares numerically', () => {
    expect(versionAtLeast({ major: 3, minor: 10 }, 3, 9)).toBe(true);
    expect(versionAtLeast({ major: 2, minor: 8 }, 2, 8)).toBe(true);
    expect(versionAtLeast({ major: 2, minor: 7 }, 2, 8)).toBe(false);
  });
});

describe('release from ApiVersions ranges (a lower bound)', () => {
  it('places the tested brokers at or below their release', () => {
    expect(releaseOfApiVersions(ranges(KAFKA_2_8_2))).toBe('2.8');
    expect(releaseOfApiVersions(ranges(KAFKA_3_9_2))).toBe('3.7');
    expect(releaseOfApiVersions(ranges(KAFKA_4_1_1))).toBe('4.0');
  });

  it('places a broker without DescribeCluster below 2.8', () => {
    // Kafka 2.7: ApiVersions v3, Fetch v12, no DescribeCluster (key 60)
    expect(
      releaseOfApiVersions(
        ranges([
          [1, 0, 12],
          [18, 0, 3],
        ]),
      ),
    ).toBe('2.4');
    // Kafka 2.3: ApiVersions v2
    expect(
      releaseOfApiVersions(
        ranges([
          [1, 0, 11],
          [18, 0, 2],
        ]),
      ),
    ).toBe('0.10');
    expect(releaseOfApiVersions([])).toBeUndefined();
  });
});

describe('metadata mode and Kafka version', () => {
  it('maps metadata.version levels to releases as Kafka 3.9.2 and 4.1.1 define them', () => {
    expect(releaseOfMetadataVersion(7)).toBe('3.3');
    expect(releaseOfMetadataVersion(14)).toBe('3.6');
    expect(releaseOfMetadataVersion(15)).toBe('3.7');
    expect(releaseOfMetadataVersion(19)).toBe('3.7');
    expect(releaseOfMetadataVersion(20)).toBe('3.8');
    expect(releaseOfMetadataVersion(21)).toBe('3.9');
    expect(releaseOfMetadataVersion(25)).toBe('4.0');
    expect(releaseOfMetadataVersion(27)).toBe('4.1');
    expect(METADATA_VERSION_LEVELS[27]).toBe('4.1-IV1');
    expect(releaseOfMetadataVersion(0)).toBeUndefined();
  });

  it('reports a level newer than the table as the newest known release (a lower bound)', () => {
    expect(releaseOfMetadataVersion(99)).toBe('4.3');
  });

  it('reads the release from inter.broker.protocol.version', () => {
    expect(releaseOfInterBrokerProtocol('3.9-IV0')).toBe('3.9');
    expect(releaseOfInterBrokerProtocol('2.8-IV1')).toBe('2.8');
    expect(releaseOfInterBrokerProtocol('2.8.1')).toBe('2.8');
    expect(releaseOfInterBrokerProtocol('0.10.2-IV0')).toBe('0.10.2');
    expect(releaseOfInterBrokerProtocol('3.6')).toBe('3.6');
    expect(releaseOfInterBrokerProtocol('')).toBeUndefined();
    expect(releaseOfInterBrokerProtocol('latest')).toBeUndefined();
  });

  it('calls a cluster with a finalized metadata.version KRaft and takes the version from it', () => {
    // Arrange
    const e = { featuresKnown: true, metadataVersionLevel: 27, processRoles: 'broker,controller' };
    // Act / Assert
    expect(detectMetadataMode(e)).toBe('kraft');
    expect(detectKafkaVersion('kraft', e)).toBe('4.1');
  });

  it('calls a cluster without finalized features ZooKeeper and takes the version from the IBP', () => {
    // Arrange
    const e = {
      featuresKnown: true,
      metadataVersionLevel: undefined,
      processRoles: '',
      zookeeperConnect: 'z:2181',
      interBrokerProtocolVersion: '3.9-IV0',
    };
    // Act / Assert
    expect(detectMetadataMode(e)).toBe('zookeeper');
    expect(detectKafkaVersion('zookeeper', e)).toBe('3.9');
  });

  it('falls back to broker configs when ApiVersions was not readable', () => {
    expect(
      detectMetadataMode({ featuresKnown: false, metadataVersionLevel: undefined, processRoles: 'broker' }),
    ).toBe('kraft');
    expect(
      detectMetadataMode({
        featuresKnown: false,
        metadataVersionLevel: undefined,
        zookeeperConnect: 'z:2181',
      }),
    ).toBe('zookeeper');
    expect(detectMetadataMode({ featuresKnown: false, metadataVersionLevel: undefined })).toBeUndefined();
  });

  it('trusts process.roles over missing features (a KRaft broker answering an old ApiVersions)', () => {
    expect(
      detectMetadataMode({ featuresKnown: true, metadataVersionLevel: undefined, processRoles: 'broker' }),
    ).toBe('kraft');
  });
});
