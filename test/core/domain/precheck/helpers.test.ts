import { describe, expect, it } from 'vitest';
import { parseKafkaVersion, versionAtLeast } from '../../../../core/domain/kafka-version.ts';
import { DEFAULT_RECORD_BYTES, estimateSeed } from '../../../../core/domain/precheck/estimate.ts';
import { metadataModeOf } from '../../../../core/domain/precheck/facts.ts';
import { healthySource, healthyTarget, msk, topic } from './fixtures.ts';

describe('estimateSeed', () => {
  it('sums known bytes and records', () => {
    const source = { ...healthySource(), topics: [topic('a', { partitions: 2, end: 10n, bytes: 1000n })] };
    const e = estimateSeed(source, 1000);
    expect(e).toMatchObject({
      topics: 1,
      partitions: 2,
      records: 20n,
      bytes: 2000n,
      partitionsEstimatedFromOffsets: 0,
    });
    expect(e.durationMs).toBe(2000);
  });

  it('estimates unknown sizes from offsets with the default record size when nothing is known', () => {
    const source = {
      ...healthySource(),
      topics: [topic('a', { partitions: 1, logStart: 5n, end: 15n, bytes: null })],
    };
    const e = estimateSeed(source, 0);
    expect(e.bytes).toBe(10n * DEFAULT_RECORD_BYTES);
    expect(e.partitionsEstimatedFromOffsets).toBe(1);
    expect(e.durationMs).toBeUndefined();
  });
});

describe('facts', () => {
  it('parses Kafka versions numerically', () => {
    expect(parseKafkaVersion('3.10.1')).toEqual({ major: 3, minor: 10 });
    expect(parseKafkaVersion('3.7.x.kraft')).toEqual({ major: 3, minor: 7 });
    expect(parseKafkaVersion('unknown')).toBeUndefined();
    expect(versionAtLeast({ major: 3, minor: 10 }, 3, 7)).toBe(true);
    expect(versionAtLeast({ major: 3, minor: 6 }, 3, 7)).toBe(false);
  });

  it('derives the metadata mode from MSK, broker configs and version', () => {
    const unreachable = { ...healthySource(), reachable: false, metadataMode: undefined };
    expect(metadataModeOf({ ...unreachable, msk: msk({ zookeeperMode: true }) })).toBe('zookeeper');
    expect(metadataModeOf(unreachable)).toBeUndefined();
    expect(metadataModeOf({ ...healthyTarget(), metadataMode: undefined })).toBe('kraft');
    expect(
      metadataModeOf({
        ...healthyTarget(),
        metadataMode: undefined,
        brokerConfigs: {},
        kafkaVersion: '4.0.0',
      }),
    ).toBe('kraft');
  });
});
