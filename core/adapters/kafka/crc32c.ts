/**
 * CRC-32C (Castagnoli) of Kafka record batches: the native @node-rs/crc32 (SSE 4.2, reads the bytes
 * in place) when it is installed, else @platformatic/kafka's (wasm / JavaScript).
 */
import { createRequire } from 'node:module';
import { crc32c as platformaticCrc32c } from '@platformatic/kafka';

export const crc32c: (data: Uint8Array) => number = (() => {
  try {
    const native = createRequire(import.meta.url)('@node-rs/crc32') as {
      crc32c: (data: Uint8Array) => number;
    };
    return (data: Uint8Array) => native.crc32c(data);
  } catch {
    return (data: Uint8Array) =>
      platformaticCrc32c(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
})();
