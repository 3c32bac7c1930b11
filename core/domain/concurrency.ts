import { InvariantError } from './errors.ts';

export interface MapWithConcurrencyOptions {
  /** Aborted: no further item starts; the calls in flight finish (pass the signal to them to stop them). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * `fn` over `items` with at most `limit` calls in flight (`Infinity`: all at once), started in item
 * order. Resolves with the results of the items that ran, in item order — all of them unless the
 * signal stopped the starts. The first failure stops further starts and, once the calls in flight have
 * settled, is thrown (later failures are dropped).
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  options: MapWithConcurrencyOptions = {},
): Promise<R[]> {
  if (!(limit >= 1)) {
    throw new InvariantError(`mapWithConcurrency needs a limit of at least 1, got ${limit}`, {
      code: 'CONCURRENCY_LIMIT',
    });
  }
  const results: { index: number; value: R }[] = [];
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async () => {
    while (!failed && !options.signal?.aborted && next < items.length) {
      const index = next++;
      try {
        results.push({ index, value: await fn(items[index] as T, index) });
      } catch (e) {
        if (!failed) failure = e;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw failure;
  return results.sort((a, b) => a.index - b.index).map((r) => r.value);
}
