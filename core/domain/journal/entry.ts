import { z } from 'zod';
import { canonicalJson, sha256Hex } from '../canonical.ts';
import { MIGRATION_STATES, type MigrationState } from './states.ts';

/**
 * One journal entry = one state transition (SPEC §4). `hash` is the SHA-256 hex of the RFC 8785
 * canonical JSON of the entry without `hash`; `prev_hash` is the previous entry's hash (64 zeros
 * for the first). `seq` starts at 1, so in journal.jsonl entry N is on line N.
 * The first entry is `from: null, to: 'planned'` and carries `detail.config_fingerprint`.
 */
export interface JournalEntry {
  readonly seq: number;
  /** UTC with microseconds: `2026-04-25T06:47:45.748014Z` */
  readonly ts: string;
  readonly from: MigrationState | null;
  readonly to: MigrationState;
  readonly reason: string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly prev_hash: string;
  readonly hash: string;
}

export type UnhashedEntry = Omit<JournalEntry, 'hash'>;

export const GENESIS_HASH = '0'.repeat(64);

const TS_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const journalEntrySchema = z.strictObject({
  seq: z.int().min(1),
  ts: z.string().regex(TS_PATTERN),
  from: z.enum(MIGRATION_STATES).nullable(),
  to: z.enum(MIGRATION_STATES),
  reason: z.string(),
  detail: z.record(z.string(), z.unknown()),
  prev_hash: hex64,
  hash: hex64,
});

/** `Date` has milliseconds only: `…45.748Z` → `…45.748000Z`. */
export function formatJournalTimestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function entryHash(entry: UnhashedEntry): string {
  const { seq, ts, from, to, reason, detail, prev_hash } = entry;
  return sha256Hex(canonicalJson({ seq, ts, from, to, reason, detail, prev_hash }));
}

/** One journal.jsonl line without the newline (also the body of an S3 journal object). */
export function serializeEntry(entry: JournalEntry): string {
  return canonicalJson(entry);
}

/** Parses one serialized entry; undefined when it is not JSON or not an entry. */
export function parseEntry(text: string): JournalEntry | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = journalEntrySchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** `2026-04-25T06:47:45.748014Z awaiting_client_switch -> validating operator confirmed client cutover` */
export function renderEntry(entry: JournalEntry): string {
  return `${entry.ts} ${entry.from ?? '(new)'} -> ${entry.to} ${entry.reason}`.trimEnd();
}
