import { z } from 'zod';
import { decimalOffsetSchema } from '../copy/int64.ts';
import { parseJsonDocument } from '../copy/json.ts';
import { TRANSLATION_CASES } from '../copy/offset-map.ts';
import { InvariantError } from '../errors.ts';
import { joinKey } from '../plan/storage-layout.ts';

/**
 * What the cutover records for validation and evidence (SPEC §6.4, §6.5, §6.6), as JSON objects in the
 * segments store next to the checkpoints: `<segments>/<id>/cutover/<name>.json`. Offsets are decimal
 * strings. The workflow state and the journal carry only summaries and these keys.
 */
export type CutoverArtifact = 'sentinels' | 'snapshot' | 'translations-cutover' | 'translations-ack';

export function cutoverKey(migrationId: string, artifact: CutoverArtifact): string {
  return joinKey(migrationId, 'cutover', `${artifact}.json`);
}

/**
 * Marks a PlaceSentinels attempt in progress (deleted once `sentinels.json` is written): a re-run that
 * finds it looks for sentinels the interrupted attempt already wrote instead of writing a second one.
 */
export function sentinelsPendingKey(migrationId: string): string {
  return joinKey(migrationId, 'cutover', 'sentinels.pending');
}

const ref = { topic: z.string().min(1), partition: z.int().min(0) };

/** Written by PlaceSentinels: the source offset of each partition's sentinel. */
export const sentinelsSchema = z.strictObject({
  v: z.literal(1),
  migration_id: z.string().min(1),
  written_at: z.iso.datetime(),
  partitions: z.array(z.strictObject({ ...ref, source_offset: decimalOffsetSchema })),
});
export type SentinelsJson = z.output<typeof sentinelsSchema>;

/** Written by FinalDrain: the cutover snapshot (end offsets once every sentinel is on the target). */
export const snapshotSchema = z.strictObject({
  v: z.literal(1),
  migration_id: z.string().min(1),
  taken_at: z.iso.datetime(),
  partitions: z.array(
    z.strictObject({
      ...ref,
      source_end: decimalOffsetSchema,
      target_end: decimalOffsetSchema,
      sentinel_source: decimalOffsetSchema,
      sentinel_target: decimalOffsetSchema,
      /** Target offset of the first copied record (null: nothing copied). */
      first_copied_target: decimalOffsetSchema.nullable(),
    }),
  ),
});
export type SnapshotJson = z.output<typeof snapshotSchema>;

/** Written by TranslateOffsets, one document per round. */
export const translationsSchema = z.strictObject({
  v: z.literal(1),
  migration_id: z.string().min(1),
  round: z.enum(['cutover', 'ack']),
  translated_at: z.iso.datetime(),
  groups: z.array(
    z.strictObject({
      group_id: z.string().min(1),
      partitions: z.array(
        z.strictObject({
          ...ref,
          source_committed: decimalOffsetSchema,
          target: decimalOffsetSchema,
          case: z.enum(TRANSLATION_CASES),
          sentinel_skipped: z.boolean(),
        }),
      ),
    }),
  ),
  /** Round `ack`: groups not committed again because they have members on the target now. */
  skipped_groups: z.array(z.strictObject({ group_id: z.string().min(1), reason: z.string().min(1) })),
});
export type TranslationsJson = z.output<typeof translationsSchema>;

export function parseCutoverArtifact<S extends z.ZodType>(
  artifact: CutoverArtifact,
  input: unknown,
  schema: S,
): z.output<S> {
  return parseJsonDocument(input, schema, (detail, cause) => {
    return new InvariantError(`cutover artifact ${artifact}.json is corrupt: ${detail}`, {
      code: 'CUTOVER_ARTIFACT_CORRUPT',
      fix: 'The object was damaged or edited. Delete it and re-run the cutover step that writes it.',
      cause,
    });
  });
}
