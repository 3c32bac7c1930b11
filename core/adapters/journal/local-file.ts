import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvariantError, PreconditionError, TransientError } from '../../domain/errors.ts';
import {
  type JournalEntry,
  parseEntry,
  parseJournal,
  serializeEntry,
  verifyChain,
} from '../../domain/journal/index.ts';
import { JOURNAL_SEQ_CONFLICT, type JournalLoad, type JournalStore } from '../../ports.ts';

const NEWLINE = 0x0a;

/**
 * The local journal (`--journal-dir`): `<dir>/journal.jsonl`, one canonical JSON entry per line,
 * each ending in `\n`. Appends open the file O_APPEND, write one line and fsync (and fsync the
 * directory when the file is new). Appends are serialized by `journal.jsonl.lock` (O_EXCL, holds
 * the pid; a lock whose pid is gone is stale and taken over), and each append re-reads the file:
 * a torn last line (crash mid-write) is truncated away first, a seq already on disk is a
 * PreconditionError with code JOURNAL_SEQ_CONFLICT.
 */
export class LocalFileJournalStore implements JournalStore {
  readonly location: string;
  readonly #dir: string;
  readonly #lockPath: string;

  constructor(journalDir: string) {
    this.#dir = journalDir;
    this.location = join(journalDir, 'journal.jsonl');
    this.#lockPath = `${this.location}.lock`;
  }

  async load(): Promise<JournalLoad> {
    const bytes = await readIfExists(this.location);
    return parseJournal(bytes === undefined ? '' : bytes.toString('utf8'));
  }

  async append(entry: JournalEntry): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    await withLock(this.#lockPath, () => this.#appendLocked(entry));
  }

  async #appendLocked(entry: JournalEntry): Promise<void> {
    const bytes = await readIfExists(this.location);
    const tail = bytes === undefined ? { keep: 0, needsNewline: false } : completePart(bytes);
    const existing =
      bytes === undefined ? [] : parseJournal(bytes.subarray(0, tail.keep).toString('utf8')).entries;
    this.#checkSeq(existing, entry);
    const handle = await open(this.location, 'a');
    try {
      if (bytes !== undefined && tail.keep < bytes.length && !tail.needsNewline)
        await handle.truncate(tail.keep);
      await handle.write(`${tail.needsNewline ? '\n' : ''}${serializeEntry(entry)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (bytes === undefined) await syncDir(this.#dir);
  }

  #checkSeq(existing: readonly JournalEntry[], entry: JournalEntry): void {
    const expected = (existing.at(-1)?.seq ?? 0) + 1;
    if (entry.seq < expected) {
      throw new PreconditionError(
        `journal seq ${entry.seq} is already taken in ${this.location} — another writer appended first`,
        {
          code: JOURNAL_SEQ_CONFLICT,
          fix: 'Only one kraft-migrate run may drive a migration at a time. Run `kraft-migrate status` to see what the other run did, then retry.',
        },
      );
    }
    if (entry.seq > expected) {
      throw new InvariantError(
        `journal append of seq ${entry.seq} would leave a gap: ${this.location} ends at seq ${expected - 1}`,
        {
          code: 'JOURNAL_CHAIN_BROKEN',
          fix: 'This is a bug in the caller: build entries with appendEntry on the loaded journal.',
        },
      );
    }
    verifyChain([...existing, entry]);
  }
}

/**
 * How much of the file is complete lines: `keep` bytes. A last line without `\n` is either a
 * torn write (dropped: keep stops before it) or a complete entry whose `\n` was lost (kept, and
 * the next append writes the missing `\n` first).
 */
function completePart(bytes: Buffer): { keep: number; needsNewline: boolean } {
  const end = bytes.lastIndexOf(NEWLINE) + 1;
  if (end === bytes.length) return { keep: end, needsNewline: false };
  const lastLine = bytes.subarray(end).toString('utf8');
  return parseEntry(lastLine)
    ? { keep: bytes.length, needsNewline: true }
    : { keep: end, needsNewline: false };
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const LOCK_WAIT_MS = 10_000;
const LOCK_POLL_MS = 20;

async function withLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  await acquire(lockPath, Date.now() + LOCK_WAIT_MS);
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}

async function acquire(lockPath: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.write(String(process.pid));
      await handle.close();
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number((await readIfExists(lockPath))?.toString('utf8'));
    if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) {
      await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) {
      throw new TransientError(`journal ${lockPath} is locked by process ${holder}`, {
        code: 'JOURNAL_LOCKED',
        fix: 'Another kraft-migrate process is appending to this journal; wait for it, or remove the lock file if that process is gone.',
      });
    }
    await sleep(LOCK_POLL_MS);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
