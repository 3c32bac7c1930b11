/** mapWithConcurrency: the one bounded-concurrency helper (S3 journal reads, the copier's partitions). */
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { mapWithConcurrency } from '../../../core/domain/concurrency.ts';

/** Calls that finish when released, recording how many were in flight at most. */
function gated() {
  const open = new Map<number, () => void>();
  let inFlight = 0;
  let maxInFlight = 0;
  const started: number[] = [];
  const fn = async (item: number, index: number) => {
    started.push(index);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise<void>((release) => open.set(index, release));
    inFlight--;
    if (item < 0) throw new Error(`item ${index} failed`);
    return item * 10;
  };
  return { fn, open, started, max: () => maxInFlight };
}

describe('mapWithConcurrency', () => {
  it('keeps at most `limit` calls in flight, starts in item order, answers in item order', async () => {
    // Arrange
    const g = gated();

    // Act: release the calls in reverse order of their start
    const done = mapWithConcurrency([1, 2, 3, 4, 5], 2, g.fn);
    for (let released = 0; released < 5; ) {
      await tick();
      const last = [...g.open.keys()].at(-1);
      if (last === undefined) continue;
      g.open.get(last)!();
      g.open.delete(last);
      released++;
    }

    // Assert
    expect(await done).toEqual([10, 20, 30, 40, 50]);
    expect(g.max()).toBe(2);
    expect(g.started).toEqual([0, 1, 2, 3, 4]);
  });

  it('runs all at once with an Infinity limit, and an empty list without a call', async () => {
    expect(await mapWithConcurrency([1, 2, 3], Number.POSITIVE_INFINITY, async (x) => x + 1)).toEqual([
      2, 3, 4,
    ]);
    expect(await mapWithConcurrency([], 4, async () => 1)).toEqual([]);
  });

  it('stops starting after the first failure and throws it once the calls in flight settled', async () => {
    // Arrange: item 1 fails while item 0 is still running
    const g = gated();
    const done = mapWithConcurrency([1, -1, 3, 4], 2, g.fn);
    const settled = done.then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    await tick();

    // Act
    g.open.get(1)!();
    await tick();
    await tick();
    const beforeInFlightEnded = await Promise.race([settled, tick().then(() => 'pending')]);
    g.open.get(0)!();

    // Assert
    expect(beforeInFlightEnded).toBe('pending');
    expect(await settled).toBe('item 1 failed');
    expect(g.started).toEqual([0, 1]);
  });

  it('starts nothing more once the signal is aborted and answers with what ran', async () => {
    // Arrange
    const abort = new AbortController();
    const g = gated();
    const done = mapWithConcurrency([1, 2, 3, 4], 2, g.fn, { signal: abort.signal });
    await tick();

    // Act
    abort.abort();
    g.open.get(1)!();
    g.open.get(0)!();

    // Assert
    expect(await done).toEqual([10, 20]);
    expect(g.started).toEqual([0, 1]);
  });

  it('refuses a limit below 1', async () => {
    await expect(mapWithConcurrency([1], 0, async (x) => x)).rejects.toThrow(
      'mapWithConcurrency needs a limit of at least 1, got 0',
    );
  });
});
