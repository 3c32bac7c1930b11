import type { PartitionRef } from '../../ports.ts';
import { PreconditionError } from '../errors.ts';
import { listNames } from '../format.ts';

/**
 * The log-start guard before READY_FOR_CLIENT_SWITCH (SPEC §6.4 step 6): the target must still hold
 * every copied record, and every translated offset must be one a consumer can resume from. Copied
 * records keep their CreateTime, so a target topic with a finite retention.ms may delete old ones
 * right after they were written (troubleshooting page, count mismatch "Cause 3").
 */
export interface GuardPartition extends PartitionRef {
  /** Target offset of the first copied record; undefined when nothing was copied. */
  readonly firstCopiedTarget: bigint | undefined;
  readonly logStart: bigint;
  readonly end: bigint;
}

export interface GuardOffset extends PartitionRef {
  readonly groupId: string;
  readonly target: bigint;
}

export type GuardViolation =
  | (PartitionRef & { readonly kind: 'truncated'; readonly logStart: bigint; readonly firstCopied: bigint })
  | (PartitionRef & {
      readonly kind: 'offset-out-of-range';
      readonly groupId: string;
      readonly target: bigint;
      readonly logStart: bigint;
      readonly end: bigint;
    });

const key = (r: PartitionRef) => `${r.topic}/${r.partition}`;

/** Every violation, partitions in the order given, then translated offsets in the order given. */
export function logStartViolations(
  partitions: readonly GuardPartition[],
  offsets: readonly GuardOffset[],
): GuardViolation[] {
  const out: GuardViolation[] = [];
  const byKey = new Map<string, GuardPartition>();
  for (const p of partitions) {
    byKey.set(key(p), p);
    if (p.firstCopiedTarget !== undefined && p.logStart > p.firstCopiedTarget) {
      out.push({
        topic: p.topic,
        partition: p.partition,
        kind: 'truncated',
        logStart: p.logStart,
        firstCopied: p.firstCopiedTarget,
      });
    }
  }
  for (const o of offsets) {
    const p = byKey.get(key(o));
    if (p === undefined) continue;
    if (o.target < p.logStart || o.target > p.end) {
      out.push({
        topic: o.topic,
        partition: o.partition,
        kind: 'offset-out-of-range',
        groupId: o.groupId,
        target: o.target,
        logStart: p.logStart,
        end: p.end,
      });
    }
  }
  return out;
}

export const LOG_START_GUARD_FIX =
  'Temporarily extend the target topics’ retention (retention.ms, or -1) for the migration window, rerun ' +
  'the repair/replay step for the affected partitions (`kraft-migrate repair`), and finalize again — see the ' +
  'troubleshooting page, count mismatch "Cause 3". The client switch stays blocked until the guard passes.';

/**
 * PreconditionError LOG_START_GUARD naming the affected partitions (the first few and the count),
 * or undefined when there is no violation.
 */
export function logStartGuardError(violations: readonly GuardViolation[]): PreconditionError | undefined {
  if (violations.length === 0) return undefined;
  const truncated = violations.filter((v) => v.kind === 'truncated');
  const outOfRange = violations.filter((v) => v.kind === 'offset-out-of-range');
  const parts: string[] = [];
  if (truncated.length > 0) {
    const names = truncated.map(
      (v) => `${key(v)} (log start ${v.logStart} > first copied offset ${v.firstCopied})`,
    );
    parts.push(
      `the target's log start has passed the first copied record on ${truncated.length} partition(s): ${listNames(names)}`,
    );
  }
  if (outOfRange.length > 0) {
    const partitions = [...new Set(outOfRange.map(key))];
    const names = outOfRange.map(
      (v) => `${key(v)} group ${v.groupId} offset ${v.target} outside [${v.logStart}, ${v.end}]`,
    );
    parts.push(
      `translated offsets outside [log-start, end] on ${partitions.length} partition(s): ${listNames(names)}`,
    );
  }
  return new PreconditionError(`log-start guard: client switch blocked — ${parts.join('; ')}`, {
    code: 'LOG_START_GUARD',
    fix: LOG_START_GUARD_FIX,
  });
}
