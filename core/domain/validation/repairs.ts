import { z } from 'zod';
import type { PartitionRef } from '../../ports.ts';
import { decimalOffsetSchema } from '../copy/int64.ts';
import { parseJsonDocument } from '../copy/json.ts';
import type { OffsetRun } from '../copy/offset-map.ts';
import { InvariantError } from '../errors.ts';
import { joinKey } from '../plan/storage-layout.ts';

/**
 * What `kraft-migrate repair` records (docs/validation.md "Repair"): one JSON object per repair of a
 * partition in the segments store, `<segments>/<id>/repairs/<topic>/partition=<p>/<n>.json`.
 *
 * A repair re-produces source records whose copies are no longer on the target (aged out below the
 * target's log start) or are wrong. Kafka cannot insert records below a partition's end, so the copies
 * are APPENDED at the target's end: their target offsets are new. `runs` maps each repaired source
 * offset to its new target offset (`[source_start, target_start, length]`, decimal strings); validation
 * (counts_and_offsets, spot_check_records) and the evidence use these runs for the repaired source
 * offsets instead of the copy's offset map. The copy's offset map (the checkpoint) is left as it was:
 * the offset translation of the cutover was based on it.
 */
export const repairSchema = z.strictObject({
  v: z.literal(1),
  migration_id: z.string().min(1),
  topic: z.string().min(1),
  partition: z.int().min(0),
  /** Source offsets re-copied: [from, to) (gaps of the source, e.g. transaction markers, excluded). */
  source_from: decimalOffsetSchema,
  source_to: decimalOffsetSchema,
  records: decimalOffsetSchema,
  /** Where the records were read: the source partition, or the staged segments of the seed. */
  read_from: z.enum(['source', 'segments']),
  /** The target's log start and end when the repair started. */
  target_log_start: decimalOffsetSchema,
  target_end_before: decimalOffsetSchema,
  runs: z.array(z.tuple([decimalOffsetSchema, decimalOffsetSchema, decimalOffsetSchema])),
  repaired_at: z.iso.datetime(),
});
export type RepairJson = z.output<typeof repairSchema>;

export function repairsPrefix(migrationId: string): string {
  return joinKey(migrationId, 'repairs/');
}

/** `<id>/repairs/<topic>/partition=<p>/<n>.json` (n = 1, 2, … per partition). */
export function repairKey(migrationId: string, ref: PartitionRef, n: number): string {
  return joinKey(migrationId, 'repairs', ref.topic, `partition=${ref.partition}`, `${n}.json`);
}

const REPAIR_KEY = /^(.+)\/repairs\/([A-Za-z0-9._-]+)\/partition=(0|[1-9][0-9]*)\/([1-9][0-9]*)\.json$/;

/** The partition and number of a repair key, if it is one of this migration's. */
export function parseRepairKey(
  migrationId: string,
  key: string,
): { readonly ref: PartitionRef; readonly n: number } | undefined {
  const m = REPAIR_KEY.exec(key);
  if (!m || m[1] !== migrationId) return undefined;
  return { ref: { topic: m[2]!, partition: Number(m[3]) }, n: Number(m[4]) };
}

export function parseRepair(input: unknown): RepairJson {
  return parseJsonDocument(input, repairSchema, (detail, cause) => {
    return new InvariantError(`repair record is corrupt: ${detail}`, {
      code: 'REPAIR_ARTIFACT_CORRUPT',
      fix: 'The object was damaged or edited. Delete it and run `kraft-migrate repair` for the partition again.',
      cause,
    });
  });
}

export function repairRuns(repair: RepairJson): OffsetRun[] {
  return repair.runs.map(([s, t, l]) => ({
    sourceStart: BigInt(s),
    targetStart: BigInt(t),
    length: BigInt(l),
  }));
}

/**
 * Runs that cover consecutive source offsets written to consecutive target offsets, from the source
 * offsets of one write (ascending) and the target offset the write's first record got.
 */
export function runsOfWrite(sourceOffsets: readonly bigint[], targetFirst: bigint): OffsetRun[] {
  const runs: OffsetRun[] = [];
  let target = targetFirst;
  for (const s of sourceOffsets) {
    const last = runs.at(-1);
    if (last && last.sourceStart + last.length === s) {
      runs[runs.length - 1] = { ...last, length: last.length + 1n };
    } else {
      runs.push({ sourceStart: s, targetStart: target, length: 1n });
    }
    target++;
  }
  return runs;
}

/** Where a source offset's repaired copy is (the latest repair wins), or undefined when not repaired. */
export function repairedTarget(runs: readonly OffsetRun[], sourceOffset: bigint): bigint | undefined {
  let found: bigint | undefined;
  for (const r of runs) {
    if (sourceOffset >= r.sourceStart && sourceOffset < r.sourceStart + r.length)
      found = r.targetStart + (sourceOffset - r.sourceStart);
  }
  return found;
}
