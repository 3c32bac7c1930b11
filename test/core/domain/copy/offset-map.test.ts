import { describe, expect, it } from 'vitest';
import {
  appendCopied,
  countCopied,
  emptyMap,
  firstSource,
  firstTarget,
  lastSource,
  lastTarget,
  OffsetMap,
  type OffsetRun,
  parseOffsetMap,
  serializeOffsetMap,
  sourceOf,
  targetOf,
  translateCommitted,
} from '../../../../core/domain/copy/offset-map.ts';
import { InvariantError } from '../../../../core/domain/errors.ts';
import { rng, thrown } from './helpers.ts';

const offs = (...xs: number[]): bigint[] => xs.map(BigInt);
const range = (from: number, toExclusive: number): bigint[] =>
  Array.from({ length: toExclusive - from }, (_, i) => BigInt(from + i));
const runsOf = (map: OffsetMap): [number, number, number][] =>
  [...map.runs()].map((r: OffsetRun) => [Number(r.sourceStart), Number(r.targetStart), Number(r.length)]);

function expectInvariant(fn: () => unknown, code: string): InvariantError {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(InvariantError);
  expect((e as InvariantError).code).toBe(code);
  return e as InvariantError;
}

describe('offset map: building runs', () => {
  it('is empty at first: nothing mapped, no first/last', () => {
    const map = emptyMap();

    expect(map.runCount).toBe(0);
    expect(countCopied(map)).toBe(0n);
    expect([firstSource(map), firstTarget(map), lastSource(map), lastTarget(map)]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(targetOf(map, 0n)).toBeUndefined();
    expect(sourceOf(map, 0n)).toBeUndefined();
  });

  it('maps one batch of consecutive source offsets to one run', () => {
    const map = appendCopied(emptyMap(), range(10, 15), 0n);

    expect(runsOf(map)).toEqual([[10, 0, 5]]);
    expect(countCopied(map)).toBe(5n);
    expect([firstSource(map), firstTarget(map), lastSource(map), lastTarget(map)]).toEqual([
      10n,
      0n,
      14n,
      4n,
    ]);
  });

  it('starts a new run at every source gap inside a batch (the batch is contiguous on the target)', () => {
    // 3 is a transaction marker, 6..7 were compacted away
    const map = appendCopied(emptyMap(), offs(0, 1, 2, 4, 5, 8), 100n);

    expect(runsOf(map)).toEqual([
      [0, 100, 3],
      [4, 103, 2],
      [8, 105, 1],
    ]);
  });

  it('merges a batch that continues the last run, and starts a new run after a gap between batches', () => {
    let map = appendCopied(emptyMap(), range(0, 3), 0n);
    map = appendCopied(map, range(3, 6), 3n);
    expect(runsOf(map)).toEqual([[0, 0, 6]]);

    map = appendCopied(map, offs(9, 10, 12), 6n);
    expect(runsOf(map)).toEqual([
      [0, 0, 6],
      [9, 6, 2],
      [12, 8, 1],
    ]);
    expect(countCopied(map)).toBe(9n);
  });

  it('returns the same map for an empty batch', () => {
    const map = appendCopied(emptyMap(), range(0, 3), 0n);

    expect(appendCopied(map, [], 3n)).toBe(map);
  });

  it('accepts any target start for the first batch (a target that already had data)', () => {
    const map = appendCopied(emptyMap(), offs(5), 42n);

    expect(targetOf(map, 5n)).toBe(42n);
  });
});

describe('offset map: validation', () => {
  const base = appendCopied(emptyMap(), range(0, 5), 0n);

  it('rejects source offsets that are not strictly ascending', () => {
    const e = expectInvariant(() => appendCopied(base, offs(7, 6), 5n), 'OFFSET_MAP_NOT_ASCENDING');
    expect(e.message).toContain('#0=7 then #1=6');
    expectInvariant(() => appendCopied(base, offs(7, 7), 5n), 'OFFSET_MAP_NOT_ASCENDING');
  });

  it('rejects a batch that overlaps what is already mapped', () => {
    const e = expectInvariant(() => appendCopied(base, offs(4, 5), 5n), 'OFFSET_MAP_OVERLAP');
    expect(e.message).toContain('source offset 4');
    expect(e.message).toContain('ends at source offset 4');
  });

  it('rejects a batch whose target offset does not continue the map (hole or overlap on the target)', () => {
    const ahead = expectInvariant(() => appendCopied(base, offs(5), 6n), 'OFFSET_MAP_TARGET_NOT_CONTIGUOUS');
    expect(ahead.message).toContain('expected 5');
    expectInvariant(() => appendCopied(base, offs(5), 4n), 'OFFSET_MAP_TARGET_NOT_CONTIGUOUS');
  });

  it('rejects offsets outside the int64 offset range', () => {
    expectInvariant(() => appendCopied(emptyMap(), offs(-1), 0n), 'OFFSET_MAP_RANGE');
    expectInvariant(() => appendCopied(emptyMap(), offs(0), -1n), 'OFFSET_MAP_RANGE');
    expectInvariant(() => appendCopied(emptyMap(), [1n << 63n], 0n), 'OFFSET_MAP_RANGE');
    expectInvariant(() => appendCopied(emptyMap(), offs(0, 1), (1n << 63n) - 1n), 'OFFSET_MAP_RANGE');
    expectInvariant(() => appendCopied(emptyMap(), [1 as unknown as bigint], 0n), 'OFFSET_MAP_RANGE');
  });

  it('leaves the map unchanged when a batch is rejected', () => {
    thrown(() => appendCopied(base, offs(5, 9, 8), 5n));

    expect(runsOf(base)).toEqual([[0, 0, 5]]);
  });
});

describe('offset map: immutability', () => {
  it('keeps what an older map answers when a newer one extends its last run', () => {
    const older = appendCopied(emptyMap(), range(0, 3), 0n);
    const newer = appendCopied(older, range(3, 5), 3n);

    expect(lastSource(older)).toBe(2n);
    expect(targetOf(older, 3n)).toBeUndefined();
    expect(countCopied(older)).toBe(3n);
    expect(lastSource(newer)).toBe(4n);
  });

  it('keeps what an older map answers when a newer one adds runs, and appending to the older map forks', () => {
    const older = appendCopied(emptyMap(), range(0, 3), 0n);
    const extended = appendCopied(older, range(3, 4), 3n); // extends the last run: no store write
    const branchA = appendCopied(extended, offs(10, 11), 4n); // new run on the shared store
    const branchB = appendCopied(older, offs(20), 3n); // older map is not the newest: must fork
    const branchC = appendCopied(extended, offs(30), 4n); // also forks

    expect(runsOf(older)).toEqual([[0, 0, 3]]);
    expect(runsOf(extended)).toEqual([[0, 0, 4]]);
    expect(runsOf(branchA)).toEqual([
      [0, 0, 4],
      [10, 4, 2],
    ]);
    expect(runsOf(branchB)).toEqual([
      [0, 0, 3],
      [20, 3, 1],
    ]);
    expect(runsOf(branchC)).toEqual([
      [0, 0, 4],
      [30, 4, 1],
    ]);
    expect(targetOf(branchA, 20n)).toBeUndefined();
    expect(targetOf(branchB, 3n)).toBeUndefined();
  });

  it('grows past its initial capacity without losing runs', () => {
    let map = emptyMap();
    const snapshots: OffsetMap[] = [];
    for (let i = 0; i < 100; i++) {
      map = appendCopied(map, [BigInt(i * 2)], BigInt(i));
      snapshots.push(map);
    }

    expect(map.runCount).toBe(100);
    snapshots.forEach((snap, i) => {
      expect(snap.runCount).toBe(i + 1);
      expect(lastSource(snap)).toBe(BigInt(i * 2));
      expect(targetOf(snap, BigInt(i * 2))).toBe(BigInt(i));
    });
  });
});

describe('offset map: lookups', () => {
  // source: 0 1 2 | marker 3 | 4 5 | compacted 6 7 | 8
  const map = appendCopied(emptyMap(), offs(0, 1, 2, 4, 5, 8), 100n);

  it('maps copied source offsets to their target offsets and gaps to undefined', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => targetOf(map, BigInt(s)))).toEqual([
      100n,
      101n,
      102n,
      undefined,
      103n,
      104n,
      undefined,
      undefined,
      105n,
      undefined,
    ]);
  });

  it('maps target offsets back to their source offsets (spot checks)', () => {
    expect([99, 100, 101, 102, 103, 104, 105, 106].map((t) => sourceOf(map, BigInt(t)))).toEqual([
      undefined,
      0n,
      1n,
      2n,
      4n,
      5n,
      8n,
      undefined,
    ]);
  });

  it('runAt rejects indexes outside the map', () => {
    expect(() => map.runAt(3)).toThrow(RangeError);
    expect(() => map.runAt(-1)).toThrow(RangeError);
    expect(map.runAt(1)).toEqual({ sourceStart: 4n, targetStart: 103n, length: 2n });
  });
});

describe('translateCommitted (SPEC §6.4 step 5)', () => {
  // Source partition 0..12, end 13:
  //   0..4  committed transaction, 5 = its commit marker
  //   6..7  aborted transaction, 8 = its abort marker
  //   9     plain record, 10..11 compacted away, 12 plain record
  const map = appendCopied(emptyMap(), offs(0, 1, 2, 3, 4, 9, 12), 0n);
  const sourceEnd = 13n;
  const targetEnd = 7n;
  const t = (committed: number) => translateCommitted(map, BigInt(committed), sourceEnd, targetEnd);

  it('translates a committed offset that is a copied record exactly', () => {
    expect(t(3)).toEqual({ target: 3n, case: 'exact', nextSourceRecord: 3n });
    expect(t(0)).toEqual({ target: 0n, case: 'exact', nextSourceRecord: 0n });
    expect(t(12)).toEqual({ target: 6n, case: 'exact', nextSourceRecord: 12n });
  });

  it('translates a committed offset on a transaction marker or aborted record to the next copied record', () => {
    expect(t(5)).toEqual({ target: 5n, case: 'next-record', nextSourceRecord: 9n }); // commit marker
    expect(t(6)).toEqual({ target: 5n, case: 'next-record', nextSourceRecord: 9n }); // aborted
    expect(t(8)).toEqual({ target: 5n, case: 'next-record', nextSourceRecord: 9n }); // abort marker
  });

  it('translates a committed offset on a compacted-away record to the next surviving record', () => {
    expect(t(10)).toEqual({ target: 6n, case: 'next-record', nextSourceRecord: 12n });
    expect(t(11)).toEqual({ target: 6n, case: 'next-record', nextSourceRecord: 12n });
  });

  it('translates the source end offset to the target end offset', () => {
    expect(t(13)).toEqual({ target: 7n, case: 'end', nextSourceRecord: undefined });
  });

  it('translates a committed offset in a trailing gap (a final marker) to the target end offset', () => {
    const withMarker = appendCopied(emptyMap(), offs(0, 1, 2), 0n); // 3 = commit marker, end 4
    expect(translateCommitted(withMarker, 3n, 4n, 3n)).toEqual({
      target: 3n,
      case: 'end',
      nextSourceRecord: undefined,
    });
  });

  it('translates a committed offset below the first copied record to the first copied record', () => {
    const aged = appendCopied(emptyMap(), range(500, 510), 0n); // 0..499 aged out before the seed
    expect(translateCommitted(aged, 120n, 510n, 10n)).toEqual({
      target: 0n,
      case: 'before-start',
      nextSourceRecord: 500n,
    });
    expect(translateCommitted(aged, 500n, 510n, 10n).case).toBe('exact');
  });

  it('translates against a target that did not start at 0', () => {
    const shifted = appendCopied(emptyMap(), offs(0, 2), 40n);
    expect(translateCommitted(shifted, 1n, 3n, 42n)).toEqual({
      target: 41n,
      case: 'next-record',
      nextSourceRecord: 2n,
    });
  });

  it('translates anything to the target end when nothing was copied', () => {
    expect(translateCommitted(emptyMap(), 0n, 0n, 0n).case).toBe('end');
    expect(translateCommitted(emptyMap(), 7n, 9n, 3n)).toEqual({
      target: 3n,
      case: 'end',
      nextSourceRecord: undefined,
    });
  });

  it('rejects a committed offset beyond the source end', () => {
    expectInvariant(() => t(14), 'OFFSET_TRANSLATION_BEYOND_SOURCE_END');
  });

  it('rejects a source end that does not cover the copied records', () => {
    expectInvariant(() => translateCommitted(map, 3n, 12n, 7n), 'OFFSET_TRANSLATION_SOURCE_END');
  });

  it('rejects a target end that is not where the map ends (stale map or foreign writes)', () => {
    const behind = expectInvariant(
      () => translateCommitted(map, 3n, 13n, 6n),
      'OFFSET_TRANSLATION_TARGET_END',
    );
    expect(behind.message).toContain('target end offset is 6 but the offset map ends at target offset 7');
    expectInvariant(() => translateCommitted(map, 3n, 13n, 8n), 'OFFSET_TRANSLATION_TARGET_END');
  });

  it('rejects negative offsets', () => {
    expectInvariant(() => translateCommitted(map, -1n, 13n, 7n), 'OFFSET_TRANSLATION_RANGE');
  });
});

describe('offset map: agrees with a naive per-offset dictionary (property loops)', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 42, 1234]) {
    it(`random gaps and batch sizes, seed ${seed}`, () => {
      const r = rng(seed);
      const naive = new Map<bigint, bigint>(); // source → target
      const reverse = new Map<bigint, bigint>();
      const copiedSources: bigint[] = [];
      let map = emptyMap();
      let source = BigInt(r.int(0, 50));
      const targetStart = BigInt(r.int(0, 20));
      let target = targetStart;
      const batches = r.int(1, 80);
      for (let b = 0; b < batches; b++) {
        const size = r.int(0, 12);
        const batch: bigint[] = [];
        for (let i = 0; i < size; i++) {
          if (r.chance(0.3)) source += BigInt(r.int(1, r.chance(0.1) ? 1000 : 4)); // a gap
          batch.push(source);
          source += 1n;
        }
        map = appendCopied(map, batch, target);
        for (const s of batch) {
          naive.set(s, target);
          reverse.set(target, s);
          copiedSources.push(s);
          target += 1n;
        }
        if (r.chance(0.3)) source += BigInt(r.int(1, 5)); // a gap between batches
      }
      const sourceEnd = source + BigInt(r.int(0, 3));
      const maxSource = sourceEnd + 2n;

      expect(countCopied(map)).toBe(BigInt(naive.size));
      expect(lastTarget(map)).toBe(naive.size === 0 ? undefined : target - 1n);
      expect(firstSource(map)).toBe(copiedSources[0]);
      expect(lastSource(map)).toBe(copiedSources[copiedSources.length - 1]);
      // runs are maximal: consecutive runs are separated by a source gap
      const runs = [...map.runs()];
      for (let i = 1; i < runs.length; i++) {
        expect(runs[i]!.sourceStart > runs[i - 1]!.sourceStart + runs[i - 1]!.length).toBe(true);
        expect(runs[i]!.targetStart).toBe(runs[i - 1]!.targetStart + runs[i - 1]!.length);
      }
      for (let s = 0n; s <= maxSource; s++) expect(targetOf(map, s)).toBe(naive.get(s));
      for (let t = 0n; t <= target + 2n; t++) expect(sourceOf(map, t)).toBe(reverse.get(t));
      for (let c = 0n; c <= sourceEnd; c++) {
        const next = copiedSources.find((s) => s >= c);
        const got = translateCommitted(map, c, sourceEnd, target);
        expect(got.target).toBe(next === undefined ? target : naive.get(next));
        expect(got.nextSourceRecord).toBe(next);
        expect(got.case).toBe(
          next === undefined
            ? 'end'
            : next === c
              ? 'exact'
              : c < copiedSources[0]!
                ? 'before-start'
                : 'next-record',
        );
      }
      // and survives serialization
      const reparsed = parseOffsetMap(JSON.stringify(serializeOffsetMap(map)));
      expect(serializeOffsetMap(reparsed)).toEqual(serializeOffsetMap(map));
      for (let s = 0n; s <= maxSource; s++) expect(targetOf(reparsed, s)).toBe(naive.get(s));
    });
  }
});

describe('offset map: serialization', () => {
  const map = appendCopied(emptyMap(), offs(0, 1, 2, 4, 5, 8), 100n);

  it('serializes to {v:1, runs:[[source_start, target_start, length], …]} with decimal strings', () => {
    expect(serializeOffsetMap(map)).toEqual({
      v: 1,
      runs: [
        ['0', '100', '3'],
        ['4', '103', '2'],
        ['8', '105', '1'],
      ],
    });
    expect(JSON.stringify(serializeOffsetMap(emptyMap()))).toBe('{"v":1,"runs":[]}');
  });

  it('round-trips from the object and from JSON text, offsets up to 2^63-1', () => {
    const big = appendCopied(emptyMap(), [(1n << 63n) - 2n, (1n << 63n) - 1n], (1n << 62n) + 7n);

    for (const m of [map, big, emptyMap()]) {
      const json = serializeOffsetMap(m);
      expect(serializeOffsetMap(parseOffsetMap(json))).toEqual(json);
      expect(serializeOffsetMap(parseOffsetMap(JSON.stringify(json)))).toEqual(json);
    }
    expect(targetOf(parseOffsetMap(serializeOffsetMap(big)), (1n << 63n) - 1n)).toBe((1n << 62n) + 8n);
  });

  it('continues appending after a parse', () => {
    const reparsed = appendCopied(parseOffsetMap(serializeOffsetMap(map)), offs(9, 11), 106n);

    expect(runsOf(reparsed)).toEqual([
      [0, 100, 3],
      [4, 103, 2],
      [8, 105, 2],
      [11, 107, 1],
    ]);
  });

  const corruptCases: [string, unknown][] = [
    ['not JSON', '{"v":1,'],
    ['wrong version', { v: 2, runs: [] }],
    ['missing runs', { v: 1 }],
    ['extra field', { v: 1, runs: [], x: 1 }],
    ['number instead of string', { v: 1, runs: [[0, '0', '1']] }],
    ['negative', { v: 1, runs: [['-1', '0', '1']] }],
    ['leading zero', { v: 1, runs: [['01', '0', '1']] }],
    ['exponent', { v: 1, runs: [['1e3', '0', '1']] }],
    ['beyond int64', { v: 1, runs: [['9223372036854775808', '0', '1']] }],
    ['run end beyond int64', { v: 1, runs: [['9223372036854775807', '0', '2']] }],
    ['short tuple', { v: 1, runs: [['0', '0']] }],
    ['zero length', { v: 1, runs: [['0', '0', '0']] }],
    [
      'overlapping source runs',
      {
        v: 1,
        runs: [
          ['0', '0', '5'],
          ['3', '5', '1'],
        ],
      },
    ],
    [
      'adjacent runs not separated by a gap',
      {
        v: 1,
        runs: [
          ['0', '0', '5'],
          ['5', '5', '1'],
        ],
      },
    ],
    [
      'target hole',
      {
        v: 1,
        runs: [
          ['0', '0', '5'],
          ['7', '6', '1'],
        ],
      },
    ],
    [
      'descending',
      {
        v: 1,
        runs: [
          ['10', '0', '1'],
          ['2', '1', '1'],
        ],
      },
    ],
  ];
  for (const [name, input] of corruptCases) {
    it(`rejects a corrupt map: ${name}`, () => {
      const e = expectInvariant(() => parseOffsetMap(input), 'OFFSET_MAP_CORRUPT');
      expect(e.message).toMatch(/^offset map is corrupt: /);
      expect(e.fix).toBeTruthy();
    });
  }
});

describe('OffsetMap.fromRuns', () => {
  it('builds a map from canonical runs', () => {
    const map = OffsetMap.fromRuns([
      { sourceStart: 0n, targetStart: 5n, length: 2n },
      { sourceStart: 4n, targetStart: 7n, length: 1n },
    ]);

    expect(targetOf(map, 4n)).toBe(7n);
    expect(countCopied(map)).toBe(3n);
  });

  it('refuses runs that are not canonical', () => {
    expectInvariant(
      () => OffsetMap.fromRuns([{ sourceStart: -1n, targetStart: 0n, length: 1n }]),
      'OFFSET_MAP_CORRUPT',
    );
    expectInvariant(
      () =>
        OffsetMap.fromRuns([
          { sourceStart: 0n, targetStart: 0n, length: 2n },
          { sourceStart: 2n, targetStart: 2n, length: 1n },
        ]),
      'OFFSET_MAP_CORRUPT',
    );
  });
});

describe('offset map: scale', () => {
  it('builds 10^6 runs from small batches and translates in logarithmic time', () => {
    // A quadratic append (copying the runs on every append) would need ~10^12 element copies here.
    let map = emptyMap();
    let target = 0n;
    for (let i = 0; i < 1_000_000; i++) {
      const s = BigInt(i) * 3n; // every third offset is a marker: one run per batch
      map = appendCopied(map, [s, s + 1n], target);
      target += 2n;
    }
    expect(map.runCount).toBe(1_000_000);
    expect(countCopied(map)).toBe(2_000_000n);

    const r = rng(99);
    for (let k = 0; k < 200_000; k++) {
      const i = r.int(0, 999_999);
      const s = BigInt(i) * 3n;
      expect(translateCommitted(map, s + 1n, 3_000_000n, target).target).toBe(BigInt(i) * 2n + 1n);
      expect(translateCommitted(map, s + 2n, 3_000_000n, target).target).toBe(
        i === 999_999 ? target : BigInt(i) * 2n + 2n,
      );
    }
    expect(sourceOf(map, 1_999_999n)).toBe(2_999_998n);
  }, 60_000);

  it('round-trips a 10^5-run map through JSON', () => {
    let map = emptyMap();
    for (let i = 0; i < 100_000; i++) map = appendCopied(map, [BigInt(i) * 2n], BigInt(i));
    const text = JSON.stringify(serializeOffsetMap(map));

    const reparsed = parseOffsetMap(text);

    expect(reparsed.runCount).toBe(100_000);
    expect(targetOf(reparsed, 199_998n)).toBe(99_999n);
  }, 30_000);
});
