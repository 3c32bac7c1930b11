import { canonicalJson } from '../canonical.ts';
import { InvalidInputError, InvariantError, PreconditionError } from '../errors.ts';
import {
  entryHash,
  formatJournalTimestamp,
  GENESIS_HASH,
  type JournalEntry,
  parseEntry,
  type UnhashedEntry,
} from './entry.ts';
import { transitionProblem } from './rules.ts';
import { assertNoSecrets } from './secrets.ts';
import type { MigrationState } from './states.ts';

/** What a caller wants to journal. `from`, when given, must be the current state (stale-writer guard). */
export interface AppendInput {
  readonly from?: MigrationState | null | undefined;
  readonly to: MigrationState;
  readonly reason: string;
  readonly detail?: Readonly<Record<string, unknown>> | undefined;
}

export interface ParsedJournal {
  readonly entries: JournalEntry[];
  /** e.g. a torn last line that was dropped */
  readonly warnings: string[];
}

/** The fix text of the troubleshooting page ("Journal Corruption"). */
export const JOURNAL_PARSE_FIX =
  'If using local journal (--journal-dir), check the journal.jsonl file. Remove the incomplete last line ' +
  'if it was mid-write during a crash. The migration will resume from the last complete entry.';

const CHAIN_FIX =
  'The journal was changed after it was written. Do not resume from it: restore the original journal ' +
  '(a backup, or the journal[] of the evidence) — entries are never rewritten.';

export function currentState(entries: readonly JournalEntry[]): MigrationState | undefined {
  return entries.at(-1)?.to;
}

/** Validates the transition and returns the next entry (seq, ts, prev_hash and hash filled in). */
export function appendEntry(entries: readonly JournalEntry[], input: AppendInput, now: Date): JournalEntry {
  const current = currentState(entries) ?? null;
  if (input.from !== undefined && input.from !== current) {
    throw new PreconditionError(
      `journal is at ${current ?? '(empty)'}, not ${input.from} — another run moved the migration on`,
      {
        code: 'JOURNAL_STALE_STATE',
        fix: 'Run `kraft-migrate status` and retry the command from the current state.',
      },
    );
  }
  assertNoSecrets(input.detail ?? {});
  assertNoSecrets(input.reason, 'reason');
  const detail = normalizeDetail(input.detail ?? {});
  const problem = transitionProblem(entries, input.to, detail);
  if (problem) {
    const Err = entries.length === 0 ? InvalidInputError : PreconditionError;
    throw new Err(problem.message, { code: 'JOURNAL_TRANSITION_REFUSED', fix: problem.fix });
  }
  const last = entries.at(-1);
  const unhashed: UnhashedEntry = {
    seq: (last?.seq ?? 0) + 1,
    ts: formatJournalTimestamp(now),
    from: current,
    to: input.to,
    reason: oneLine(input.reason),
    detail,
    prev_hash: last?.hash ?? GENESIS_HASH,
  };
  return { ...unhashed, hash: entryHash(unhashed) };
}

/**
 * Parses journal.jsonl text (one canonical JSON entry per line, each ending in `\n`) and verifies
 * the chain. A last line without `\n` that does not parse is a torn write: dropped with a warning.
 * Any other unparsable line → PreconditionError `failed to parse journal entry at line N`.
 */
export function parseJournal(text: string): ParsedJournal {
  const lines = text.split('\n');
  const terminated = lines.at(-1) === '';
  if (terminated) lines.pop();
  const entries: JournalEntry[] = [];
  const warnings: string[] = [];
  lines.forEach((raw, i) => {
    const entry = parseEntry(raw.replace(/\r$/, ''));
    const isLast = i === lines.length - 1;
    if (entry) {
      entries.push(entry);
      if (isLast && !terminated)
        warnings.push(`journal line ${i + 1} has no trailing newline; it is complete and kept`);
    } else if (isLast && !terminated) {
      warnings.push(
        `journal line ${i + 1} is incomplete (no trailing newline, not a valid entry) — dropped; it was being written during a crash`,
      );
    } else {
      throw new PreconditionError(`failed to parse journal entry at line ${i + 1}`, {
        code: 'JOURNAL_PARSE',
        fix: JOURNAL_PARSE_FIX,
      });
    }
  });
  verifyChain(entries);
  return { entries, warnings };
}

/**
 * Checks seq continuity (1, 2, 3, …), prev_hash links, each hash and each transition.
 * Throws InvariantError naming the line (entry N is line N).
 */
export function verifyChain(entries: readonly JournalEntry[]): void {
  entries.forEach((entry, i) => {
    const line = i + 1;
    const fail = (what: string) =>
      new InvariantError(`journal hash chain broken at line ${line}: ${what}`, {
        code: 'JOURNAL_CHAIN_BROKEN',
        fix: CHAIN_FIX,
      });
    const prev = entries[i - 1];
    if (entry.seq !== line) throw fail(`expected seq ${line}, found seq ${entry.seq} (gap or duplicate)`);
    if (entry.prev_hash !== (prev?.hash ?? GENESIS_HASH))
      throw fail('prev_hash does not match the previous entry');
    if (entryHash(entry) !== entry.hash) throw fail('hash does not match the entry (entry was modified)');
    if (entry.from !== (prev?.to ?? null))
      throw fail(`from ${entry.from} does not follow ${prev?.to ?? '(new)'}`);
    const problem = transitionProblem(entries.slice(0, i), entry.to, entry.detail);
    if (problem) throw fail(problem.message);
  });
}

/** bigint → decimal string, undefined dropped: what is hashed is exactly what a reload yields. */
function normalizeDetail(detail: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  return JSON.parse(canonicalJson(detail)) as Record<string, unknown>;
}

/** The human rendering is one line per entry, so a reason never spans lines. */
function oneLine(reason: string): string {
  return reason.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
