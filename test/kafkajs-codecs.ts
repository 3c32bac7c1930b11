/**
 * Compression codecs for kafkajs (which ships only gzip), for the tests, the bench and the demo that
 * produce and consume with kafkajs. Production needs none of them: it uses kafkajs for admin requests
 * only (no record batches), and the data path reads and writes batches with @platformatic/kafka,
 * which brings every codec. Pure JavaScript (devDependencies fzstd, lz4js, snappyjs):
 *
 * - Snappy: snappyjs blocks in the xerial framing the Java client writes (`\x82SNAPPY\0` header,
 *   then [int32 length][snappy block] chunks); raw unframed snappy is read too.
 * - LZ4: the LZ4 frame format as Kafka's KafkaLZ4BlockOutputStream writes it (magic v1+ batches):
 *   independent 64 KiB blocks, no block or content checksum, correct header checksum. Blocks are
 *   compressed with lz4js' block compressor; frames are read with lz4js.
 * - ZSTD: node:zlib's zstd (Node ≥ 22.15) when present, fzstd (decompress only) otherwise.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { decompress as fzstdDecompress } from 'fzstd';
import kafkajs from 'kafkajs';
import lz4js from 'lz4js';
import snappyjs from 'snappyjs';

/** The codec shape kafkajs expects: compress gets its Encoder (we only need `.buffer`). */
export interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

// ---------------------------------------------------------------------------------------------
// Snappy (xerial framing)

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
const XERIAL_BLOCK_BYTES = 32 * 1024;

export function snappyCompress(data: Buffer): Buffer {
  const header = Buffer.alloc(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8); // version
  header.writeInt32BE(1, 12); // minimum compatible version
  const parts: Buffer[] = [header];
  for (let at = 0; at < data.length; at += XERIAL_BLOCK_BYTES) {
    const block = Buffer.from(snappyjs.compress(data.subarray(at, at + XERIAL_BLOCK_BYTES)));
    const len = Buffer.alloc(4);
    len.writeInt32BE(block.length);
    parts.push(len, block);
  }
  return Buffer.concat(parts);
}

export function snappyDecompress(data: Buffer): Buffer {
  if (data.length < XERIAL_HEADER_BYTES || !data.subarray(0, 8).equals(XERIAL_MAGIC)) {
    return Buffer.from(snappyjs.uncompress(data));
  }
  const parts: Buffer[] = [];
  let at = XERIAL_HEADER_BYTES;
  while (at + 4 <= data.length) {
    const len = data.readInt32BE(at);
    at += 4;
    parts.push(Buffer.from(snappyjs.uncompress(data.subarray(at, at + len))));
    at += len;
  }
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------------
// LZ4 frame (Kafka flavour)

/**
 * Frame header: magic 0x184D2204 (LE), FLG 0x60 (version 01, independent blocks, no checksums),
 * BD 0x40 (64 KiB blocks), HC 0x82 = (xxh32(FLG BD, seed 0) >> 8) & 0xff. Byte for byte what
 * Kafka's Lz4BlockOutputStream writes (checked against kafka-clients 3.9.2).
 */
const LZ4_FRAME_HEADER = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]);
const LZ4_BLOCK_BYTES = 64 * 1024;
const LZ4_UNCOMPRESSED_BIT = 0x80000000;

export function lz4Compress(data: Buffer): Buffer {
  const parts: Buffer[] = [LZ4_FRAME_HEADER];
  const scratch = Buffer.alloc(lz4js.compressBound(LZ4_BLOCK_BYTES));
  for (let at = 0; at < data.length; at += LZ4_BLOCK_BYTES) {
    const block = data.subarray(at, at + LZ4_BLOCK_BYTES);
    const n = lz4js.compressBlock(block, scratch, 0, block.length, new Uint32Array(1 << 16));
    const len = Buffer.alloc(4);
    if (n > 0 && n < block.length) {
      len.writeUInt32LE(n);
      parts.push(len, Buffer.from(scratch.subarray(0, n)));
    } else {
      len.writeUInt32LE((LZ4_UNCOMPRESSED_BIT | block.length) >>> 0);
      parts.push(len, Buffer.from(block));
    }
  }
  parts.push(Buffer.alloc(4)); // end mark
  return Buffer.concat(parts);
}

export function lz4Decompress(data: Buffer): Buffer {
  return Buffer.from(lz4js.decompress(data));
}

// ---------------------------------------------------------------------------------------------
// ZSTD

type ZstdFn = (buf: Buffer) => Promise<Buffer>;
const zlibWithZstd = zlib as unknown as {
  zstdCompress?: (buf: Buffer, cb: (e: Error | null, out: Buffer) => void) => void;
  zstdDecompress?: (buf: Buffer, cb: (e: Error | null, out: Buffer) => void) => void;
};
const nativeZstdCompress: ZstdFn | undefined = zlibWithZstd.zstdCompress
  ? promisify(zlibWithZstd.zstdCompress)
  : undefined;
const nativeZstdDecompress: ZstdFn | undefined = zlibWithZstd.zstdDecompress
  ? promisify(zlibWithZstd.zstdDecompress)
  : undefined;

/** Whether this runtime can write zstd batches (reading always works). */
export const ZSTD_COMPRESS_AVAILABLE = nativeZstdCompress !== undefined;

export async function zstdCompress(data: Buffer): Promise<Buffer> {
  if (!nativeZstdCompress) {
    throw new Error(
      'ZSTD compression is not supported on this Node.js runtime (needs node:zlib zstd, Node >= 22.15); use gzip, snappy or lz4',
    );
  }
  return nativeZstdCompress(data);
}

export async function zstdDecompress(data: Buffer): Promise<Buffer> {
  if (nativeZstdDecompress) return nativeZstdDecompress(data);
  return zstdDecompressPureJs(data);
}

/** The fallback for runtimes without node:zlib zstd (Node < 22.15): fzstd, decompression only. */
export function zstdDecompressPureJs(data: Buffer): Buffer {
  return Buffer.from(fzstdDecompress(data));
}

// ---------------------------------------------------------------------------------------------
// Registration

export const SNAPPY_CODEC: KafkajsCodec = {
  compress: async (encoder) => snappyCompress(encoder.buffer),
  decompress: async (buffer) => snappyDecompress(buffer),
};

export const LZ4_CODEC: KafkajsCodec = {
  compress: async (encoder) => lz4Compress(encoder.buffer),
  decompress: async (buffer) => lz4Decompress(buffer),
};

export const ZSTD_CODEC: KafkajsCodec = {
  compress: async (encoder) => zstdCompress(encoder.buffer),
  decompress: async (buffer) => zstdDecompress(buffer),
};

/** Puts snappy, lz4 and zstd into kafkajs' codec table. Safe to call any number of times. */
export function registerCodecs(): void {
  const { CompressionCodecs, CompressionTypes } = kafkajs;
  const codecs = CompressionCodecs as unknown as Record<number, () => KafkajsCodec>;
  codecs[CompressionTypes.Snappy] = () => SNAPPY_CODEC;
  codecs[CompressionTypes.LZ4] = () => LZ4_CODEC;
  codecs[CompressionTypes.ZSTD] = () => ZSTD_CODEC;
}
