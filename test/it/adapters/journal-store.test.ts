import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalFileJournalStore } from '../../../core/adapters/journal/local-file.ts';
import { S3JournalStore } from '../../../core/adapters/journal/s3.ts';
import { PreconditionError } from '../../../core/domain/errors.ts';
import {
  appendEntry,
  type JournalEntry,
  type MigrationState,
  plannedEntryInput,
  serializeEntry,
} from '../../../core/domain/journal/index.ts';
import { JOURNAL_SEQ_CONFLICT, type JournalStore } from '../../../core/ports.ts';
import { createBucket, s3 as stackClient, stackStore } from '../fixtures.ts';
import { uniqueName } from '../stack.ts';

const FP = 'f'.repeat(64);
const PATH: readonly MigrationState[] = [
  'prechecking',
  'copying_topology',
  'seeding',
  'tailing',
  'drain_ready',
  'tailing',
  'drain_ready',
  'cutting_over',
  'awaiting_client_switch',
  'validating',
  'failed',
  'validating',
  'finalized',
];

/** Appends the planned entry and then `path` through the store, as the runner would. */
async function appendPath(store: JournalStore, path: readonly MigrationState[]): Promise<JournalEntry[]> {
  const entries: JournalEntry[] = [];
  const append = async (entry: JournalEntry) => {
    await store.append(entry);
    entries.push(entry);
  };
  await append(appendEntry(entries, plannedEntryInput('m-1', FP), new Date()));
  for (const to of path) await append(appendEntry(entries, { to, reason: `entered ${to}` }, new Date()));
  return entries;
}

/** Two writers that both saw `base` race to append their own seq N. */
async function race(a: JournalStore, b: JournalStore, base: readonly JournalEntry[]) {
  const mine = appendEntry(base, { to: 'copying_topology', reason: 'writer a' }, new Date());
  const theirs = appendEntry(base, { to: 'failed', reason: 'writer b' }, new Date());
  return Promise.allSettled([a.append(mine), b.append(theirs)]);
}

function expectOneWinner(results: PromiseSettledResult<void>[]): void {
  const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  expect(rejected).toHaveLength(1);
  expect(rejected[0]?.reason).toBeInstanceOf(PreconditionError);
  expect(rejected[0]?.reason).toMatchObject({ code: JOURNAL_SEQ_CONFLICT });
}

describe('S3JournalStore', () => {
  let client: S3Client;
  let bucket: string;
  beforeAll(async () => {
    client = stackClient();
    bucket = await createBucket({ objectLock: true }, client);
  });
  afterAll(() => client.destroy());

  const journal = (id: string) => new S3JournalStore(stackStore(`s3://${bucket}/evidence`), id);

  it('stores one object per entry under migrations/<id>/journal/<seq 10 digits>.json', async () => {
    const id = uniqueName('m');
    await appendPath(journal(id), ['prechecking']);

    const keys = (await stackStore(`s3://${bucket}/evidence`).list(`migrations/${id}/`)).map((h) => h.key);

    expect(keys).toEqual([
      `migrations/${id}/journal/0000000001.json`,
      `migrations/${id}/journal/0000000002.json`,
    ]);
    expect(journal(id).location).toBe(`s3://${bucket}/evidence/migrations/${id}/journal/`);
  });

  it('loads the entries back in seq order', async () => {
    const id = uniqueName('m');
    const written = await appendPath(journal(id), PATH);

    const loaded = await journal(id).load();

    expect(loaded.entries).toEqual(written);
    expect(loaded.entries.map((e) => e.seq)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    expect(loaded.warnings).toEqual([]);
  });

  it('loads an empty journal for a new migration', async () => {
    expect(await journal(uniqueName('m')).load()).toEqual({ entries: [], warnings: [] });
  });

  it('lets exactly one of two concurrent appenders of the same seq win', async () => {
    for (let round = 0; round < 10; round++) {
      const id = uniqueName('m');
      const base = await appendPath(journal(id), ['prechecking']);

      const results = await race(journal(id), journal(id), base);

      expectOneWinner(results);
      const loaded = await journal(id).load();
      expect(loaded.entries).toHaveLength(3);
      const winner = results[0]?.status === 'fulfilled' ? 'writer a' : 'writer b';
      expect(loaded.entries[2]?.reason).toBe(winner);
    }
  });

  it('stops with the parse error when an entry object is not an entry', async () => {
    const id = uniqueName('m');
    await appendPath(journal(id), ['prechecking', 'copying_topology']);
    const raw = stackStore(`s3://${bucket}/evidence/migrations/${id}/journal`);
    await raw.put('0000000004.json', '{"seq":4,');

    await expect(journal(id).load()).rejects.toThrow(/^failed to parse journal entry at line 4$/);
  });
});

describe('LocalFileJournalStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'km-journal-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends one canonical JSON line per entry and loads them back', async () => {
    const store = new LocalFileJournalStore(join(dir, 'nested'));
    const written = await appendPath(store, PATH);

    const text = await readFile(join(dir, 'nested', 'journal.jsonl'), 'utf8');
    const loaded = await new LocalFileJournalStore(join(dir, 'nested')).load();

    expect(text).toBe(written.map((e) => `${serializeEntry(e)}\n`).join(''));
    expect(loaded).toEqual({ entries: written, warnings: [] });
    expect(store.location).toBe(join(dir, 'nested', 'journal.jsonl'));
  });

  it('loads an empty journal when the file does not exist', async () => {
    expect(await new LocalFileJournalStore(dir).load()).toEqual({ entries: [], warnings: [] });
  });

  it('drops a torn last line on reload and repairs the file on the next append', async () => {
    const store = new LocalFileJournalStore(dir);
    const written = await appendPath(store, ['prechecking', 'copying_topology']);
    await appendFile(join(dir, 'journal.jsonl'), '{"seq":4,"ts":"2026-04-25T06:4');

    const reloaded = await store.load();
    expect(reloaded.entries).toEqual(written);
    expect(reloaded.warnings).toEqual([
      'journal line 4 is incomplete (no trailing newline, not a valid entry) — dropped; it was being written during a crash',
    ]);

    const next = appendEntry(reloaded.entries, { to: 'seeding', reason: 'resumed after crash' }, new Date());
    await store.append(next);

    expect(await store.load()).toEqual({ entries: [...written, next], warnings: [] });
  });

  it('adds the missing newline before appending after a complete last line', async () => {
    const store = new LocalFileJournalStore(dir);
    const written = await appendPath(store, ['prechecking']);
    const file = join(dir, 'journal.jsonl');
    await writeFile(file, (await readFile(file, 'utf8')).slice(0, -1));

    const next = appendEntry(written, { to: 'copying_topology', reason: 'r' }, new Date());
    await store.append(next);

    expect(await store.load()).toEqual({ entries: [...written, next], warnings: [] });
  });

  it('refuses an entry whose seq is already on disk', async () => {
    const store = new LocalFileJournalStore(dir);
    const written = await appendPath(store, ['prechecking']);
    const stale = appendEntry(written.slice(0, 1), { to: 'prechecking', reason: 'stale view' }, new Date());

    await expect(store.append(stale)).rejects.toMatchObject({
      name: 'PreconditionError',
      code: JOURNAL_SEQ_CONFLICT,
    });
  });

  it('lets exactly one of two concurrent appenders of the same seq win', async () => {
    const base = await appendPath(new LocalFileJournalStore(dir), ['prechecking']);

    const results = await race(new LocalFileJournalStore(dir), new LocalFileJournalStore(dir), base);

    expectOneWinner(results);
    expect((await new LocalFileJournalStore(dir).load()).entries).toHaveLength(3);
  });

  it('stops with the exact parse error on a corrupt middle line', async () => {
    const store = new LocalFileJournalStore(dir);
    await appendPath(store, ['prechecking', 'copying_topology']);
    const file = join(dir, 'journal.jsonl');
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[1] = 'not json';
    await writeFile(file, lines.join('\n'));

    await expect(store.load()).rejects.toThrow(/^failed to parse journal entry at line 2$/);
  });
});
