import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseOffsetMap, translateCommitted } from '../../../../core/domain/copy/offset-map.ts';
import { decodeSegment, encodeSegment } from '../../../../core/domain/copy/segment.ts';
import { utf8 } from './helpers.ts';

const read = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../../../docs/${name}`, import.meta.url)), 'utf8');

/** The fenced block that follows `heading`. */
function blockAfter(md: string, heading: string): string {
  const from = md.indexOf(heading);
  expect(from).toBeGreaterThanOrEqual(0);
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(md.slice(from));
  return m![1]!;
}

describe('docs/segment-format.md', () => {
  it('shows the bytes encodeSegment writes for its example', () => {
    const hex = blockAfter(read('segment-format.md'), '### Example')
      .split('\n')
      .flatMap((line) => {
        const bytes: string[] = [];
        for (const token of line.trim().split(/\s+/)) {
          if (!/^[0-9a-f]{2}$/.test(token)) break;
          bytes.push(token);
        }
        return bytes;
      })
      .join('');
    const encoded = encodeSegment({ topic: 'ab', partition: 3 }, [
      {
        offset: 10n,
        timestamp: 5n,
        timestampType: 'CreateTime',
        key: utf8('k'),
        value: null,
        headers: [[utf8('h'), null]],
      },
    ]);

    expect(hex).toBe(Buffer.from(encoded).toString('hex'));
    expect(decodeSegment(Buffer.from(hex, 'hex')).records[0]!.offset).toBe(10n);
  });
});

describe('docs/offset-map.md', () => {
  it('translates its worked example as its table says', () => {
    const doc = read('offset-map.md');
    const map = parseOffsetMap(blockAfter(doc, '## Serialized form'));
    const rows = [
      ...doc.matchAll(
        /^\| ([\d, ]+) \| [^|]+ \| (\d+)(?: \(record \d+\))?(?: \(target end\))? \| ([a-z-]+) \|$/gm,
      ),
    ];

    expect(rows.length).toBe(7);
    for (const [, committed, target, kind] of rows) {
      for (const c of committed!.split(', ')) {
        const got = translateCommitted(map, BigInt(c), 13n, 7n);
        expect({ c, target: got.target, case: got.case }).toEqual({ c, target: BigInt(target!), case: kind });
      }
    }
  });
});
