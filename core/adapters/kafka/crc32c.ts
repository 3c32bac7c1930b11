/**
 * CRC-32C (Castagnoli) of Kafka record batches: the native @node-rs/crc32 (SSE 4.2, reads the bytes
 * in place) when it is installed, else @platformatic/kafka's (wasm / JavaScript).
 */
import { createRequire } from 'node:module';
import { crc32c as platformaticCrc32c } from '@platformatic/kafka';

type Native = { crc32c: (data: Uint8Array, initial?: number) => number };

const native: Native | undefined = (() => {
  try {
    return createRequire(import.meta.url)('@node-rs/crc32') as Native;
  } catch {
    return undefined;
  }
})();

export const crc32c: (data: Uint8Array) => number = native
  ? (data) => native.crc32c(data)
  : (data) => platformaticCrc32c(Buffer.from(data.buffer, data.byteOffset, data.byteLength));

/** Castagnoli polynomial, reflected: the table of the byte-wise fallback of `crc32cAppend`. */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32C of `data` continued from `initial` (the CRC of the bytes before it; 0 to start), so a
 * batch's CRC can be computed over a rewritten header and the untouched records without joining
 * them. Native when available, else byte by byte in JavaScript (slow, correct).
 */
export const crc32cAppend: (data: Uint8Array, initial: number) => number = native
  ? (data, initial) => native.crc32c(data, initial)
  : crc32cAppendJs;

/** The byte-wise JavaScript CRC-32C continuation (the fallback of `crc32cAppend`). */
export function crc32cAppendJs(data: Uint8Array, initial: number): number {
  let c = ~initial >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
