import { describe, expect, it } from 'vitest';
import { InvariantError, PreconditionError } from '../../../../core/domain/errors.ts';
import {
  appendEntry,
  currentState,
  entryHash,
  GENESIS_HASH,
  JOURNAL_PARSE_FIX,
  type JournalEntry,
  parseJournal,
  plannedEntryInput,
  renderEntry,
  serializeEntry,
  verifyChain,
} from '../../../../core/domain/journal/index.ts';
import { FP_A, journalThrough, T0, TO_CLIENT_SWITCH, toText } from './helpers.ts';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('appendEntry', () => {
  it('starts the chain with seq 1, 64 zeros as prev_hash and the hash of the canonical entry', () => {
    const entry = appendEntry([], plannedEntryInput('m-1', FP_A), T0);

    expect(entry.seq).toBe(1);
    expect(entry.from).toBeNull();
    expect(entry.to).toBe('planned');
    expect(entry.prev_hash).toBe(GENESIS_HASH);
    expect(entry.hash).toMatch(/^[0-9a-f]{64}$/);
    const { hash, ...rest } = entry;
    expect(entryHash(rest)).toBe(hash);
  });

  it('links each entry to the previous hash and increments seq', () => {
    const entries = journalThrough(['prechecking', 'copying_topology']);

    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(entries[1]?.prev_hash).toBe(entries[0]?.hash);
    expect(entries[2]?.prev_hash).toBe(entries[1]?.hash);
    expect(entries[2]?.from).toBe('prechecking');
  });

  it('writes the timestamp with microseconds, padding milliseconds with 000', () => {
    const entry = appendEntry([], plannedEntryInput('m-1', FP_A), new Date('2026-04-25T06:47:45.748Z'));

    expect(entry.ts).toBe('2026-04-25T06:47:45.748000Z');
  });

  it('renders bigint details as decimal strings so a reload hashes the same', () => {
    const entries = journalThrough(['prechecking']);
    const entry = appendEntry(
      entries,
      { to: 'copying_topology', reason: 'r', detail: { offset: 12345678901234567890n } },
      T0,
    );

    expect(entry.detail).toEqual({ offset: '12345678901234567890' });
    expect(() => verifyChain([...entries, entry])).not.toThrow();
  });

  it('keeps the reason on one line', () => {
    const entries = journalThrough(['prechecking']);
    const entry = appendEntry(entries, { to: 'failed', reason: 'precheck blocked\nFix: do this' }, T0);

    expect(entry.reason).toBe('precheck blocked Fix: do this');
  });

  it('refuses a stale writer whose from is not the current state', () => {
    const entries = journalThrough(['prechecking', 'copying_topology']);

    const error = thrown(() =>
      appendEntry(entries, { from: 'prechecking', to: 'copying_topology', reason: 'r' }, T0),
    );

    expect(error).toBeInstanceOf(PreconditionError);
    expect((error as PreconditionError).code).toBe('JOURNAL_STALE_STATE');
  });

  it('refuses a first entry without the config fingerprint', () => {
    expect(() => appendEntry([], { to: 'planned', reason: 'r', detail: {} }, T0)).toThrow(
      /config_fingerprint/,
    );
  });
});

describe('renderEntry', () => {
  it('renders exactly one line: ts, from -> to, reason', () => {
    const entries = journalThrough(TO_CLIENT_SWITCH);
    const entry = appendEntry(
      entries,
      { to: 'validating', reason: 'operator confirmed client cutover' },
      new Date('2026-04-25T06:47:45.748Z'),
    );

    expect(renderEntry({ ...entry, ts: '2026-04-25T06:47:45.748014Z' })).toBe(
      '2026-04-25T06:47:45.748014Z awaiting_client_switch -> validating operator confirmed client cutover',
    );
  });

  it('renders the first entry as (new) -> planned', () => {
    const [first] = journalThrough([]);

    expect(renderEntry(first!)).toBe('2026-04-25T06:15:02.123000Z (new) -> planned migration m-1 planned');
  });
});

describe('currentState', () => {
  it('is undefined for an empty journal and the last to otherwise', () => {
    expect(currentState([])).toBeUndefined();
    expect(currentState(journalThrough(['prechecking', 'failed']))).toBe('failed');
  });
});

describe('parseJournal', () => {
  it('round-trips serialized entries', () => {
    const entries = journalThrough(['prechecking', 'copying_topology', 'seeding']);
    const text = entries.map((e) => `${serializeEntry(e)}\n`).join('');

    const parsed = parseJournal(text);

    expect(parsed.entries).toEqual(entries);
    expect(parsed.warnings).toEqual([]);
  });

  it('returns an empty journal for empty text', () => {
    expect(parseJournal('')).toEqual({ entries: [], warnings: [] });
  });

  it('drops a torn last line (no newline, unparsable) with a warning', () => {
    const entries = journalThrough(['prechecking', 'copying_topology']);
    const torn = `${toText(entries)}{"seq":4,"ts":"2026-04-25T06:1`;

    const parsed = parseJournal(torn);

    expect(parsed.entries).toEqual(entries);
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toMatch(/line 4 is incomplete .* dropped/);
  });

  it('keeps a complete last line that only lacks its newline, with a warning', () => {
    const entries = journalThrough(['prechecking']);

    const parsed = parseJournal(toText(entries).slice(0, -1));

    expect(parsed.entries).toEqual(entries);
    expect(parsed.warnings[0]).toMatch(/line 2 has no trailing newline/);
  });

  it('stops at a corrupt middle line with the exact message and the fix', () => {
    const lines = toText(journalThrough(['prechecking', 'copying_topology', 'seeding', 'tailing'])).split(
      '\n',
    );
    lines[4] = '{"seq":5,"ts":"garbage';

    const error = thrown(() => parseJournal(lines.join('\n')));

    expect(error).toBeInstanceOf(PreconditionError);
    expect((error as PreconditionError).message).toBe('failed to parse journal entry at line 5');
    expect((error as PreconditionError).fix).toBe(JOURNAL_PARSE_FIX);
  });

  it('treats a torn line that is followed by a newline as corruption, not as a torn write', () => {
    const text = `${toText(journalThrough(['prechecking']))}{"seq":3,"ts\n`;

    expect(() => parseJournal(text)).toThrow('failed to parse journal entry at line 3');
  });

  it('treats a well-formed JSON line that is not an entry as corruption', () => {
    const text = `${toText(journalThrough([]))}{"hello":"world"}\n`;

    expect(() => parseJournal(text)).toThrow('failed to parse journal entry at line 2');
  });

  it('rejects a tampered entry with an InvariantError naming the line', () => {
    const entries = journalThrough(['prechecking', 'copying_topology', 'seeding']);
    const tampered = entries.map((e) => (e.seq === 3 ? { ...e, reason: 'edited by hand' } : e));

    const error = thrown(() => parseJournal(toText(tampered)));

    expect(error).toBeInstanceOf(InvariantError);
    expect((error as InvariantError).message).toMatch(
      /^journal hash chain broken at line 3: hash does not match/,
    );
  });
});

describe('verifyChain', () => {
  it('accepts an intact chain', () => {
    expect(() => verifyChain(journalThrough(TO_CLIENT_SWITCH))).not.toThrow();
  });

  it('reports a seq gap at the line where it occurs', () => {
    const entries = journalThrough(['prechecking', 'copying_topology', 'seeding']);
    const gapped = [entries[0]!, entries[1]!, entries[3]!];

    expect(() => verifyChain(gapped)).toThrow(/line 3: expected seq 3, found seq 4/);
  });

  it('reports a re-hashed entry whose prev_hash no longer links', () => {
    const entries = journalThrough(['prechecking', 'copying_topology']);
    const forged: JournalEntry = rehash({ ...entries[1]!, reason: 'forged' });

    expect(() => verifyChain([entries[0]!, forged, entries[2]!])).toThrow(
      /line 3: prev_hash does not match the previous entry/,
    );
  });

  it('reports a consistently re-hashed but illegal transition', () => {
    const entries = journalThrough(['prechecking']);
    const illegal = rehash({ ...entries[1]!, to: 'tailing' });

    const error = thrown(() => verifyChain([entries[0]!, illegal]));

    expect(error).toBeInstanceOf(InvariantError);
    expect((error as Error).message).toMatch(/line 2: transition planned -> tailing is not allowed/);
  });
});

function rehash(entry: JournalEntry): JournalEntry {
  const { hash: _old, ...rest } = entry;
  return { ...rest, hash: entryHash(rest) };
}
