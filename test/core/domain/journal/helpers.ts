import {
  type AppendInput,
  appendEntry,
  type JournalEntry,
  type MigrationState,
  plannedEntryInput,
} from '../../../../core/domain/journal/index.ts';

export const FP_A = 'a'.repeat(64);
export const FP_B = 'b'.repeat(64);
export const T0 = new Date('2026-04-25T06:15:02.123Z');

/** A journal that went through `path` (after the planned entry), one second per entry. */
export function journalThrough(path: readonly MigrationState[], fingerprint = FP_A): JournalEntry[] {
  const entries: JournalEntry[] = [appendEntry([], plannedEntryInput('m-1', fingerprint), T0)];
  for (const to of path) entries.push(appendEntry(entries, { to, reason: `to ${to}` }, at(entries.length)));
  return entries;
}

export function appendAll(entries: JournalEntry[], inputs: readonly AppendInput[]): JournalEntry[] {
  for (const input of inputs) entries.push(appendEntry(entries, input, at(entries.length)));
  return entries;
}

export function at(seconds: number): Date {
  return new Date(T0.getTime() + seconds * 1000);
}

export function toText(entries: readonly JournalEntry[]): string {
  return entries.map((e) => `${JSON.stringify(e)}\n`).join('');
}

export const TO_CUTOVER: readonly MigrationState[] = [
  'prechecking',
  'copying_topology',
  'seeding',
  'tailing',
  'drain_ready',
  'cutting_over',
];
export const TO_CLIENT_SWITCH: readonly MigrationState[] = [...TO_CUTOVER, 'awaiting_client_switch'];
