/**
 * What the adapters read from Kafka's own bytes (produced by kafka-clients 4.1.1 / 3.9.2,
 * `MessageUtil.toByteBufferAccessor(message, version)`, and Kafka's Compression): the ApiVersions
 * v3 answer as platformatic parses it and the admin reads it (finalized metadata.version, api
 * ranges → release), and the compression codecs.
 */

import { apiVersionsV3, Reader } from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { pickVersion } from '../../../core/adapters/kafka/data-client.ts';
import { PreconditionError } from '../../../core/domain/errors.ts';
import { finalizedMetadataVersion, releaseOfApiVersions } from '../../../core/domain/kafka-version.ts';
import {
  LZ4_CODEC,
  lz4Compress,
  lz4Decompress,
  registerCodecs,
  SNAPPY_CODEC,
  snappyCompress,
  snappyDecompress,
  ZSTD_CODEC,
  ZSTD_COMPRESS_AVAILABLE,
  zstdCompress,
  zstdDecompress,
  zstdDecompressPureJs,
} from '../../kafkajs-codecs.ts';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

/** ApiVersionsResponseData v3 from Kafka 4.1.1: one api key, supported + finalized metadata.version, epoch 42, ZkMigrationReady. */
const API_VERSIONS_RESPONSE_V3 =
  '000002001200000004000000000704001702116d657461646174612e76657273696f6e0001001b000108000000000000002a021702116d657461646174612e76657273696f6e001b001a00030101';

const parseApiVersionsV3 = (body: Buffer) => apiVersionsV3.parseResponse(1, 18, 3, Reader.from(body));

describe('ApiVersions v3 (platformatic parses, the admin reads)', () => {
  it('reads api keys and the finalized metadata.version of a KRaft broker', () => {
    // Act
    const v = parseApiVersionsV3(hex(API_VERSIONS_RESPONSE_V3));
    // Assert
    expect(
      v.apiKeys.map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion })),
    ).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 4 }]);
    expect(v.finalizedFeaturesEpoch).toBe(42n);
    expect(finalizedMetadataVersion(v.finalizedFeatures ?? [])).toBe(27);
    expect(releaseOfApiVersions(v.apiKeys)).toBe('2.4');
  });

  it('reports no metadata.version for a ZooKeeper broker (no tagged fields at all)', () => {
    // Arrange: error 0, api keys [18: 0..4], throttle 0, no tags
    const body = hex('0000' + '02' + '0012000000040' + '0' + '00000000' + '00');
    // Act
    const v = parseApiVersionsV3(body);
    // Assert
    expect(v.finalizedFeatures).toEqual([]);
    expect(finalizedMetadataVersion(v.finalizedFeatures ?? [])).toBeUndefined();
  });

  it('picks the highest version both sides support, else names the ranges', () => {
    // Arrange
    const ranges = [
      { apiKey: 35, minVersion: 1, maxVersion: 4 },
      { apiKey: 1, minVersion: 4, maxVersion: 17 },
    ];
    const logDirs = { key: 35, name: 'DescribeLogDirs', min: 1, max: 4 };
    // Act / Assert
    expect(pickVersion(ranges, logDirs, 'b:9092')).toBe(4);
    expect(pickVersion(ranges, { ...logDirs, max: 2 }, 'b:9092')).toBe(2);
    expect(() => pickVersion(ranges, { key: 1, name: 'Fetch', min: 0, max: 3 }, 'b:9092')).toThrow(
      'b:9092 support no Fetch version between 0 and 3 (they offer 4–17)',
    );
    expect(() => pickVersion(ranges, { key: 99, name: 'X', min: 0, max: 3 }, 'b:9092')).toThrow(
      PreconditionError,
    );
  });
});

describe('codecs', () => {
  const text =
    'kraft-migrate reads every codec. kraft-migrate reads every codec. kraft-migrate reads every codec.';
  const javaOutput = {
    snappy:
      '82534e415050590000000001000000010000002862806b726166742d6d69677261746520726561647320657665727920636f6465632e20ee21000521',
    lz4: '04224d186040822c000000ff126b726166742d6d69677261746520726561647320657665727920636f6465632e20210029506f6465632e00000000',
    zstd: '28b52ffd00584c010014026b726166742d6d69677261746520726561647320657665727920636f6465632e2001003191d413010000',
  };

  it('registers snappy, lz4 and zstd into kafkajs, any number of times', () => {
    // Act
    registerCodecs();
    registerCodecs();
    // Assert
    const { CompressionCodecs, CompressionTypes } = kafkajs;
    expect(CompressionCodecs[CompressionTypes.Snappy]()).toBe(SNAPPY_CODEC);
    expect(CompressionCodecs[CompressionTypes.LZ4]()).toBe(LZ4_CODEC);
    expect(CompressionCodecs[CompressionTypes.ZSTD]()).toBe(ZSTD_CODEC);
  });

  it('reads what the Java client wrote with snappy, lz4 and zstd', async () => {
    expect(snappyDecompress(hex(javaOutput.snappy)).toString()).toBe(text);
    expect(lz4Decompress(hex(javaOutput.lz4)).toString()).toBe(text);
    expect((await zstdDecompress(hex(javaOutput.zstd))).toString()).toBe(text);
  });

  it('reads zstd without node:zlib too (the pure-JS fallback for older runtimes)', () => {
    expect(zstdDecompressPureJs(hex(javaOutput.zstd)).toString()).toBe(text);
  });

  it('writes an LZ4 frame header identical to Kafka’s Lz4BlockOutputStream', () => {
    // Act
    const out = lz4Compress(Buffer.from(text));
    // Assert
    expect(out.subarray(0, 7).toString('hex')).toBe(javaOutput.lz4.slice(0, 14));
    expect(out.subarray(out.length - 4).toString('hex')).toBe('00000000');
  });

  it('writes snappy with the xerial header the Java client expects', () => {
    expect(snappyCompress(Buffer.from(text)).subarray(0, 16).toString('hex')).toBe(
      javaOutput.snappy.slice(0, 32),
    );
  });

  it('round-trips large, repetitive and random payloads across block boundaries', async () => {
    // Arrange
    const random = Buffer.alloc(200_000);
    for (let i = 0; i < random.length; i++) random[i] = (i * 7919 + (i >> 3) * 104_729) & 0xff;
    const repetitive = Buffer.from('abc'.repeat(100_000));
    for (const data of [Buffer.alloc(0), Buffer.from('x'), random, repetitive]) {
      // Act / Assert
      expect(snappyDecompress(snappyCompress(data)).equals(data)).toBe(true);
      expect(lz4Decompress(lz4Compress(data)).equals(data)).toBe(true);
      if (ZSTD_COMPRESS_AVAILABLE)
        expect((await zstdDecompress(await zstdCompress(data))).equals(data)).toBe(true);
    }
  });

  it('compresses repetitive data with lz4 and snappy (not just stored blocks)', () => {
    const data = Buffer.from('abc'.repeat(100_000));
    expect(lz4Compress(data).length).toBeLessThan(data.length / 20);
    expect(snappyCompress(data).length).toBeLessThan(data.length / 10);
  });
});
