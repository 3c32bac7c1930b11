import type { PartitionRef, RecordHeader, RecordToWrite, SourceRecord } from '../../ports.ts';

/**
 * The cutover sentinel (SPEC §6.4 step 3): one record per selected source partition, written to the
 * source after the verified freeze. The tail copies it like any other record; once every sentinel is
 * on the target the final drain is complete. Consumers recognise it by its header (docs/cutover.md).
 */
export const SENTINEL_KEY = '__kraft_migrate_sentinel__';
export const SENTINEL_HEADER = 'kraft-migrate-sentinel';

export interface SentinelValue {
  readonly migration_id: string;
  readonly topic: string;
  readonly partition: number;
  /** ISO-8601 UTC. */
  readonly written_at: string;
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

export function sentinelRecord(migrationId: string, ref: PartitionRef, now: Date): RecordToWrite {
  const value: SentinelValue = {
    migration_id: migrationId,
    topic: ref.topic,
    partition: ref.partition,
    written_at: now.toISOString(),
  };
  return {
    timestamp: BigInt(now.getTime()),
    key: utf8.encode(SENTINEL_KEY),
    value: utf8.encode(JSON.stringify(value)),
    headers: [[utf8.encode(SENTINEL_HEADER), utf8.encode(migrationId)]],
  };
}

/** The migration id in the record's sentinel header, or undefined when it is not a sentinel. */
export function sentinelMigrationId(record: Pick<SourceRecord, 'headers'>): string | undefined {
  const header = record.headers.find((h: RecordHeader) => text.decode(h[0]) === SENTINEL_HEADER);
  return header?.[1] ? text.decode(header[1]) : undefined;
}
