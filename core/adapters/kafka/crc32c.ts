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

/** x^(2^k) modulo the Castagnoli polynomial, k = 0…31 (bit-reflected: bit 31 is x^0). */
const X_POW_2K = (() => {
  const t = new Uint32Array(32);
  t[0] = 1 << 30; // x^1
  for (let k = 1; k < 32; k++) t[k] = multiplyModP(t[k - 1]!, t[k - 1]!);
  return t;
})();

/** a × b modulo the Castagnoli polynomial, both bit-reflected. */
function multiplyModP(a: number, b: number): number {
  let product = 0;
  let m = 0x80000000;
  for (;;) {
    if (a & m) {
      product ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ 0x82f63b78 : b >>> 1;
  }
  return product >>> 0;
}

/**
 * The CRC-32C of A followed by B from the CRC-32C of A, that of B and B's length, without reading
 * either: multiplying by x^(8·lengthB) shifts A's CRC past B. A batch's records are checksummed once
 * and that sum serves both the source batch's CRC and the rewritten one (raw-batches.ts).
 */
export function crc32cCombine(crcA: number, crcB: number, lengthB: number): number {
  let shift = 0x80000000; // x^0
  let k = 3; // 8 bits per byte: x^(8·n) = x^(2^3·n)
  for (let n = lengthB; n > 0; n = Math.floor(n / 2), k++) {
    if (n % 2 === 1) shift = multiplyModP(X_POW_2K[k % 32]!, shift);
  }
  return (multiplyModP(shift, crcA >>> 0) ^ crcB) >>> 0;
}
