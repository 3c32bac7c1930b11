/**
 * The record values of the benchmark: a pool of distinct JSON-like events, each exactly
 * `valueBytes` ASCII bytes, one per line (ProducerPerformance --payload-file picks one at random
 * per record). Half structure, half random hex: lz4 squeezes it a little, as with real event data,
 * without the one-payload-repeated-forever of `--record-size` (which lz4 shrinks to nothing and
 * would flatter every compressed write path).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { lz4Compress } from '../../../test/kafkajs-codecs.ts';

const EVENTS = ['page_view', 'add_to_cart', 'checkout', 'login', 'search', 'refund'];

function makePayload(i: number, valueBytes: number): string {
  const head = JSON.stringify({
    id: randomBytes(8).toString('hex'),
    seq: i,
    user: `user-${(i * 7919) % 100_000}`,
    type: EVENTS[i % EVENTS.length],
    ts: 1_767_225_600_000 + i * 37,
    region: i % 3 === 0 ? 'eu-west-2' : 'us-east-1',
    data: '',
  });
  const room = valueBytes - head.length;
  if (room < 0) return head.slice(0, valueBytes);
  // Fill "data" with random hex (1 random nibble per byte), then close the object.
  const filler = randomBytes(Math.ceil(room / 2))
    .toString('hex')
    .slice(0, room);
  return `${head.slice(0, -2)}${filler}"}`;
}

/** Writes `count` payloads of exactly `valueBytes` bytes; returns the lz4 ratio of a sample. */
export function writePayloadFile(path: string, count: number, valueBytes: number): { lz4Ratio: number } {
  const lines = Array.from({ length: count }, (_, i) => makePayload(i, valueBytes).padEnd(valueBytes, ' '));
  for (const l of lines) {
    if (Buffer.byteLength(l) !== valueBytes || l.includes('\n')) throw new Error('bad payload line');
  }
  writeFileSync(path, lines.join('\n'));
  // lz4 ratio over ~1 MiB worth of records, compressed in 256 KiB chunks (like batches).
  const sample = Buffer.from(lines.slice(0, Math.max(1, Math.floor(1_048_576 / valueBytes))).join(''));
  let compressed = 0;
  for (let at = 0; at < sample.length; at += 262_144) {
    compressed += lz4Compress(sample.subarray(at, at + 262_144)).length;
  }
  return { lz4Ratio: sample.length / compressed };
}
