import { TransientError } from '../../domain/errors.ts';
import { COPY_DEFAULTS, type StableEndOptions } from './types.ts';

export interface TargetBounds {
  readonly start: bigint;
  readonly end: bigint;
}

/**
 * Zombie-write protection (docs/offset-map.md, "No zombie writes"): after a crash, produce requests
 * of the killed process may still be appended on the target (sent before the kill, not yet applied
 * or not yet replicated into the high watermark). Reconciling against an end offset that still
 * moves would make such a late append a duplicate. So the end offset is read until `equalReads`
 * consecutive reads, `intervalMs` apart, agree (default 3 reads over 1 s), and only then used.
 *
 * This bounds the risk rather than excluding it: a request stuck longer than the window (a broker
 * that holds it in purgatory for up to the 30 s produce timeout) could still land later. The copier
 * of a crashed task is restarted by the workflow, which on AWS alone takes far longer than that;
 * raise `intervalMs` where restarts are instant and the target slow.
 */
export async function waitForStableEnd(
  read: () => Promise<TargetBounds>,
  options: StableEndOptions,
  sleep: (ms: number) => Promise<void>,
  where: string,
): Promise<TargetBounds> {
  const intervalMs = options.intervalMs ?? COPY_DEFAULTS.stableEnd.intervalMs;
  const equalReads = Math.max(2, options.equalReads ?? COPY_DEFAULTS.stableEnd.equalReads);
  const timeoutMs = options.timeoutMs ?? COPY_DEFAULTS.stableEnd.timeoutMs;
  const started = Date.now();
  let last = await read();
  let equal = 1;
  while (equal < equalReads) {
    if (Date.now() - started > timeoutMs) {
      throw new TransientError(
        `the end offset of target ${where} kept moving for ${Math.round(timeoutMs / 1000)} s (now ${last.end}): something is still writing to it`,
        {
          code: 'TARGET_END_NOT_STABLE',
          fix: 'Make sure no other copier (an old task of this migration) and no other producer writes to the target topic, then resume.',
        },
      );
    }
    await sleep(intervalMs);
    const next = await read();
    equal = next.end === last.end && next.start === last.start ? equal + 1 : 1;
    last = next;
  }
  return last;
}
