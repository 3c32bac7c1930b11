/**
 * The raw protocol encoders/decoders against byte buffers that Kafka's own serializers produced
 * (org.apache.kafka.common.message.* / MemoryRecords / Compression from kafka-clients 4.1.1 and
 * 3.9.2, `MessageUtil.toByteBufferAccessor(message, version)`), so "our bytes == Kafka's bytes".
 */

import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  API_KEYS,
  decodeApiVersionsResponse,
  decodeDescribeLogDirsResponse,
  decodeFetchResponse,
  decodeFindCoordinatorResponse,
  decodeListOffsetsResponse,
  decodeOffsetFetchResponse,
  decodeSaslAuthenticateResponse,
  decodeSaslHandshakeResponse,
  EARLIEST_TIMESTAMP,
  encodeApiVersionsRequest,
  encodeDescribeLogDirsRequest,
  encodeFetchRequest,
  encodeFindCoordinatorRequest,
  encodeListOffsetsRequest,
  encodeOffsetFetchRequest,
  encodeSaslAuthenticateRequest,
  encodeSaslHandshakeRequest,
  finalizedMetadataVersion,
  frameRequest,
  parseResponseFrame,
  pickVersion,
  READ_UNCOMMITTED,
  responseHeaderIsFlexible,
  scanBatchHeaders,
} from '../../../core/adapters/kafka/protocol.ts';
import {
  detectKafkaVersion,
  detectMetadataMode,
  METADATA_VERSION_LEVELS,
  releaseOfInterBrokerProtocol,
  releaseOfMetadataVersion,
} from '../../../core/adapters/kafka/versions.ts';
import { Reader, Writer } from '../../../core/adapters/kafka/wire.ts';
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

/** A plain batch (offset 0), a gzip transactional batch (1–2, producer 77), a COMMIT marker (3). */
const RECORDS =
  '00000000000000000000003affffffff026f484c2300000000000000000000000000010000000000000001ffffffffffffffffffffffffffff0000000110000000026b02760000000000000000010000005600000000026319799300110000000100000000000000020000000000000003000000000000004d000000000000000000021f8b08000000000000ff1360606060ca662a63e063606262642a670000f0e5ddbd11000000000000000000000300000042000000000260c3109e00300000000000000000000000040000000000000004000000000000004d0000ffffffff000000012000000008000000010c00000000000000';

describe('wire primitives', () => {
  it('round-trips unsigned varints across byte boundaries', () => {
    // Arrange
    const values = [0, 1, 127, 128, 300, 16_383, 16_384, 2 ** 31 - 1];
    // Act
    const buf = values.reduce((w, v) => w.uvarint(v), new Writer()).toBuffer();
    const r = new Reader(buf);
    // Assert
    expect(values.map(() => r.uvarint())).toEqual(values);
    expect(r.remaining).toBe(0);
  });

  it('writes compact and classic strings, null included', () => {
    // Arrange / Act
    const buf = new Writer().compactString('ab').compactString(null).string('cd').string(null).toBuffer();
    // Assert
    expect(buf.toString('hex')).toBe('03616200' + '00026364' + 'ffff');
  });

  it('refuses to read past the end with a clear message', () => {
    // Arrange
    const r = new Reader(hex('0001'));
    // Act / Assert
    expect(() => r.int32()).toThrow(/truncated Kafka response: need 4 byte\(s\) at offset 0, have 2/);
  });

  it('skips unknown tagged fields and hands known ones over', () => {
    // Arrange: two tags: 5 (2 bytes, unknown) and 1 (int64 42)
    const buf = hex('02' + '05020102' + '0108000000000000002a');
    const seen: [number, bigint | undefined][] = [];
    // Act
    new Reader(buf).tags((tag, t) => seen.push([tag, tag === 1 ? t.int64() : undefined]));
    // Assert
    expect(seen).toEqual([
      [5, undefined],
      [1, 42n],
    ]);
  });
});

describe('request framing', () => {
  it('frames an ApiVersions v3 request exactly like Kafka (header v2 + compact body)', () => {
    // Arrange
    const body = encodeApiVersionsRequest('kraft-migrate', '0.1.0');
    // Act
    const frame = frameRequest(
      {
        apiKey: API_KEYS.ApiVersions,
        apiVersion: 3,
        correlationId: 1,
        clientId: 'kraft-migrate',
        flexible: true,
      },
      body,
    );
    // Assert
    const header = '0012000300000001000d6b726166742d6d69677261746500';
    const expectedBody = '0e6b726166742d6d69677261746506302e312e3000';
    expect(body.toString('hex')).toBe(expectedBody);
    expect(frame.readInt32BE(0)).toBe(frame.length - 4);
    expect(frame.subarray(4).toString('hex')).toBe(header + expectedBody);
  });

  it('frames a non-flexible request with header v1 (no tagged fields)', () => {
    // Arrange / Act
    const frame = frameRequest(
      {
        apiKey: API_KEYS.ListOffsets,
        apiVersion: 2,
        correlationId: 7,
        clientId: 'kraft-migrate',
        flexible: false,
      },
      Buffer.alloc(0),
    );
    // Assert
    expect(frame.subarray(4).toString('hex')).toBe('0002000200000007000d6b726166742d6d696772617465');
  });

  it('reads ApiVersions answers with response header v0 even for flexible versions', () => {
    // Arrange
    const frame = hex('00000009' + 'abcd');
    // Act
    const flexible = responseHeaderIsFlexible(API_KEYS.ApiVersions, true);
    const parsed = parseResponseFrame(frame, flexible);
    // Assert
    expect(flexible).toBe(false);
    expect(parsed).toEqual({ correlationId: 9, body: hex('abcd') });
    expect(
      parseResponseFrame(hex('0000000900abcd'), responseHeaderIsFlexible(API_KEYS.DescribeLogDirs, true)),
    ).toEqual({ correlationId: 9, body: hex('abcd') });
  });
});

describe('ApiVersions v3', () => {
  it('decodes api keys and the feature tagged fields of a KRaft broker', () => {
    // Act
    const v = decodeApiVersionsResponse(hex(API_VERSIONS_RESPONSE_V3));
    // Assert
    expect(v.errorCode).toBe(0);
    expect(v.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 4 }]);
    expect(v.throttleTimeMs).toBe(7);
    expect(v.supportedFeatures).toEqual([{ name: 'metadata.version', minVersion: 1, maxVersion: 27 }]);
    expect(v.finalizedFeaturesEpoch).toBe(42n);
    expect(v.finalizedFeatures).toEqual([
      { name: 'metadata.version', maxVersionLevel: 27, minVersionLevel: 26 },
    ]);
    expect(v.zkMigrationReady).toBe(true);
    expect(finalizedMetadataVersion(v)).toBe(27);
  });

  it('reports no metadata.version for a ZooKeeper broker (no tagged fields at all)', () => {
    // Arrange: error 0, api keys [18: 0..4], throttle 0, no tags
    const body = hex('0000' + '02' + '0012000000040' + '0' + '00000000' + '00');
    // Act
    const v = decodeApiVersionsResponse(body);
    // Assert
    expect(v.finalizedFeatures).toEqual([]);
    expect(v.finalizedFeaturesEpoch).toBeUndefined();
    expect(finalizedMetadataVersion(v)).toBeUndefined();
  });

  it('falls back to the v0 layout when the broker answers UNSUPPORTED_VERSION', () => {
    // Arrange: error 35, int32 array of one key (18: 0..2)
    const body = hex('0023' + '00000001' + '001200000002');
    // Act
    const v = decodeApiVersionsResponse(body);
    // Assert
    expect(v.errorCode).toBe(35);
    expect(v.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 2 }]);
    expect(finalizedMetadataVersion(v)).toBeUndefined();
  });

  it('picks the highest version both sides support', () => {
    // Arrange
    const ranges = [
      { apiKey: 35, minVersion: 1, maxVersion: 4 },
      { apiKey: 1, minVersion: 4, maxVersion: 17 },
    ];
    // Act / Assert
    expect(pickVersion(ranges, 35, { min: 1, max: 4 })).toBe(4);
    expect(pickVersion(ranges, 35, { min: 1, max: 2 })).toBe(2);
    expect(pickVersion(ranges, 1, { min: 0, max: 3 })).toBeUndefined();
    expect(pickVersion(ranges, 99, { min: 0, max: 3 })).toBeUndefined();
  });
});

describe('DescribeLogDirs', () => {
  const request = [{ topic: 'orders', partitions: [0, 2] }];

  it('encodes v1 (classic) and v4 (flexible) requests byte for byte', () => {
    expect(encodeDescribeLogDirsRequest(1, request).toString('hex')).toBe(
      '0000000100066f7264657273000000020000000000000002',
    );
    expect(encodeDescribeLogDirsRequest(4, request).toString('hex')).toBe(
      '02076f72646572730300000000000000020000',
    );
    expect(encodeDescribeLogDirsRequest(4, null).toString('hex')).toBe('0000');
  });

  it('decodes a v1 response: per log dir, per partition size, future replicas flagged', () => {
    // Arrange
    const body = hex(
      '00000005000000020000000b2f646174612f6b61666b610000000100066f7264657273000000020000000000000000000030390000000000000000000000000200000000000002a60000000000000003010038000c2f646174612f62726f6b656e00000000',
    );
    // Act
    const r = decodeDescribeLogDirsResponse(1, body);
    // Assert
    expect(r.throttleTimeMs).toBe(5);
    expect(r.results.map((d) => [d.logDir, d.errorCode])).toEqual([
      ['/data/kafka', 0],
      ['/data/broken', 56],
    ]);
    expect(r.results[0]?.topics[0]).toEqual({
      name: 'orders',
      partitions: [
        { partition: 0, size: 12345n, offsetLag: 0n, isFuture: false },
        { partition: 2, size: 678n, offsetLag: 3n, isFuture: true },
      ],
    });
    expect(r.results[0]?.totalBytes).toBeUndefined();
  });

  it('decodes a v4 response with the top-level error and disk totals', () => {
    // Arrange
    const body = hex(
      '0000000500000300000c2f646174612f6b61666b6102076f726465727303000000000000000000003039000000000000000000000000000200000000000002a6000000000000000301000000000000000f42400000000000061a800000380d2f646174612f62726f6b656e01ffffffffffffffffffffffffffffffff0000',
    );
    // Act
    const r = decodeDescribeLogDirsResponse(4, body);
    // Assert
    expect(r.errorCode).toBe(0);
    expect(r.results[0]?.topics[0]?.partitions.map((p) => p.size)).toEqual([12345n, 678n]);
    expect(r.results[0]?.totalBytes).toBe(1_000_000n);
    expect(r.results[0]?.usableBytes).toBe(400_000n);
    expect(r.results[1]).toMatchObject({ errorCode: 56, logDir: '/data/broken', topics: [] });
  });
});

describe('ListOffsets v2', () => {
  it('encodes an earliest-offset request for two partitions, READ_UNCOMMITTED', () => {
    // Act
    const body = encodeListOffsetsRequest(READ_UNCOMMITTED, [
      {
        topic: 'orders',
        partitions: [
          { partition: 0, timestamp: EARLIEST_TIMESTAMP },
          { partition: 1, timestamp: EARLIEST_TIMESTAMP },
        ],
      },
    ]);
    // Assert
    expect(body.toString('hex')).toBe(
      'ffffffff000000000100066f72646572730000000200000000fffffffffffffffe00000001fffffffffffffffe',
    );
  });

  it('decodes offsets and per-partition errors', () => {
    // Arrange
    const body = hex(
      '000000000000000100066f726465727300000002000000000000ffffffffffffffff000000000000002a000000010006ffffffffffffffffffffffffffffffff',
    );
    // Act
    const r = decodeListOffsetsResponse(body);
    // Assert
    expect(r).toEqual([
      { topic: 'orders', partition: 0, errorCode: 0, timestamp: -1n, offset: 42n },
      { topic: 'orders', partition: 1, errorCode: 6, timestamp: -1n, offset: -1n },
    ]);
  });
});

describe('FindCoordinator v1 and OffsetFetch v3', () => {
  it('asks for a group coordinator and reads where it is', () => {
    expect(encodeFindCoordinatorRequest('billing').toString('hex')).toBe('000762696c6c696e6700');
    expect(
      decodeFindCoordinatorResponse(hex('000000000000ffff00000002000b622d322e6578616d706c6500002384')),
    ).toEqual({
      errorCode: 0,
      errorMessage: null,
      nodeId: 2,
      host: 'b-2.example',
      port: 9092,
    });
    expect(
      decodeFindCoordinatorResponse(
        hex(
          '00000000000f002154686520636f6f7264696e61746f72206973206e6f7420617661696c61626c652effffffff0000ffffffff',
        ),
      ),
    ).toMatchObject({ errorCode: 15, nodeId: -1 });
  });

  it('asks for every topic of a group with a null topic array', () => {
    expect(encodeOffsetFetchRequest('billing', null).toString('hex')).toBe('000762696c6c696e67ffffffff');
  });

  it('decodes committed offsets, -1 for partitions without a commit, and the group error', () => {
    // Act
    const ok = decodeOffsetFetchResponse(
      hex(
        '000000000000000200066f72646572730000000200000000000000000000002a00016d000000000001ffffffffffffffff0000000000087061796d656e747300000001000000030000000000000007ffff00000000',
      ),
    );
    const denied = decodeOffsetFetchResponse(hex('0000000000000000001e'));
    // Assert
    expect(ok).toEqual({
      errorCode: 0,
      partitions: [
        { topic: 'orders', partition: 0, offset: 42n, metadata: 'm', errorCode: 0 },
        { topic: 'orders', partition: 1, offset: -1n, metadata: '', errorCode: 0 },
        { topic: 'payments', partition: 3, offset: 7n, metadata: null, errorCode: 0 },
      ],
    });
    expect(denied).toEqual({ errorCode: 30, partitions: [] });
  });
});

describe('Fetch v4 and record batch headers', () => {
  it('encodes a fetch of one partition from an offset', () => {
    // Act
    const body = encodeFetchRequest({
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 262_144,
      isolationLevel: READ_UNCOMMITTED,
      topics: [
        { topic: 'orders', partitions: [{ partition: 3, fetchOffset: 100n, partitionMaxBytes: 262_144 }] },
      ],
    });
    // Assert
    expect(body.toString('hex')).toBe(
      'ffffffff000000000000000000040000000000000100066f72646572730000000100000003000000000000006400040000',
    );
  });

  it('decodes watermarks, aborted transactions and the raw records', () => {
    // Arrange
    const body = hex(
      '000000000000000100066f726465727300000001000000030000000000000000000500000000000000050000000100000000000000090000000000000001000000f6' +
        RECORDS,
    );
    // Act
    const [p] = decodeFetchResponse(body);
    // Assert
    expect(p).toMatchObject({
      topic: 'orders',
      partition: 3,
      errorCode: 0,
      highWatermark: 5n,
      lastStableOffset: 5n,
    });
    expect(p?.abortedTransactions).toEqual([{ producerId: 9n, firstOffset: 1n }]);
    expect(p?.records?.toString('hex')).toBe(RECORDS);
  });

  it('tells plain, transactional and control batches apart from their headers alone', () => {
    // Act
    const batches = scanBatchHeaders(hex(RECORDS));
    // Assert
    expect(
      batches.map((b) => ({
        base: b.baseOffset,
        last: b.lastOffset,
        txn: b.isTransactional,
        ctl: b.isControl,
        codec: b.compression,
        pid: b.producerId,
      })),
    ).toEqual([
      { base: 0n, last: 0n, txn: false, ctl: false, codec: 0, pid: -1n },
      { base: 1n, last: 2n, txn: true, ctl: false, codec: 1, pid: 77n },
      { base: 3n, last: 3n, txn: true, ctl: true, codec: 0, pid: 77n },
    ]);
  });

  it('ignores a trailing partial batch cut by the broker at max bytes', () => {
    // Arrange: the whole first batch plus 30 bytes of the second
    const cut = hex(RECORDS).subarray(0, 70 + 30);
    // Act
    const batches = scanBatchHeaders(cut);
    // Assert
    expect(batches).toHaveLength(1);
    expect(batches[0]?.isTransactional).toBe(false);
  });
});

describe('SASL messages', () => {
  it('encodes and decodes SaslHandshake v1', () => {
    expect(encodeSaslHandshakeRequest('SCRAM-SHA-512').toString('hex')).toBe(
      '000d534352414d2d5348412d353132',
    );
    expect(
      decodeSaslHandshakeResponse(
        hex('000000000002000d534352414d2d5348412d323536000d534352414d2d5348412d353132'),
      ),
    ).toEqual({ errorCode: 0, mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] });
  });

  it('encodes and decodes SaslAuthenticate v1, error message included', () => {
    expect(encodeSaslAuthenticateRequest(Buffer.from('n,,n=u,r=x')).toString('hex')).toBe(
      '0000000a6e2c2c6e3d752c723d78',
    );
    expect(
      decodeSaslAuthenticateResponse(
        hex('003a001541757468656e7469636174696f6e206661696c6564000000000000000000000000'),
      ),
    ).toEqual({
      errorCode: 58,
      errorMessage: 'Authentication failed',
      authBytes: Buffer.alloc(0),
      sessionLifetimeMs: 0n,
    });
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
