import { mapWithConcurrency } from '../../domain/concurrency.ts';
import { InvariantError, isKraftMigrateError, PreconditionError } from '../../domain/errors.ts';
import {
  JOURNAL_PARSE_FIX,
  type JournalEntry,
  parseEntry,
  serializeEntry,
  verifyChain,
} from '../../domain/journal/index.ts';
import {
  CONDITIONAL_WRITE_CONFLICT,
  JOURNAL_SEQ_CONFLICT,
  type JournalLoad,
  type JournalStore,
  type ObjectStore,
} from '../../ports.ts';

/**
 * The journal in the evidence bucket: one object per entry,
 * `<evidence prefix>/migrations/<id>/journal/<seq zero-padded to 10>.json`, body = the canonical
 * JSON of the entry plus `\n` (the same bytes as a journal.jsonl line). Appends are conditional
 * PutObjects (`If-None-Match: *`), so of two writers racing for seq N exactly one succeeds; the
 * other gets a PreconditionError with code JOURNAL_SEQ_CONFLICT (not transient: retrying the same
 * entry can never succeed — reload, re-decide, append seq N+1). S3 puts are atomic, so there are
 * no torn entries here: any unparsable object is corruption.
 */
export class S3JournalStore implements JournalStore {
  readonly location: string;
  readonly #store: ObjectStore;
  readonly #prefix: string;

  constructor(evidence: ObjectStore, migrationId: string) {
    this.#store = evidence;
    this.#prefix = `migrations/${migrationId}/journal/`;
    this.location = `${evidence.url}/${this.#prefix}`;
  }

  static keyOf(seq: number): string {
    return `${String(seq).padStart(10, '0')}.json`;
  }

  async load(): Promise<JournalLoad> {
    const keys = (await this.#store.list(this.#prefix))
      .map((h) => h.key.slice(h.key.lastIndexOf('/') + 1))
      .filter((name) => /^\d{10}\.json$/.test(name))
      .sort();
    const bodies = await mapWithConcurrency(keys, 16, (name) => this.#store.get(`${this.#prefix}${name}`));
    const entries = keys.map((name, i) => this.#parse(name, bodies[i], i + 1));
    verifyChain(entries);
    return { entries, warnings: [] };
  }

  async append(entry: JournalEntry): Promise<void> {
    const key = `${this.#prefix}${S3JournalStore.keyOf(entry.seq)}`;
    try {
      await this.#store.put(key, `${serializeEntry(entry)}\n`, {
        ifNoneMatch: true,
        contentType: 'application/json',
      });
    } catch (e) {
      if (isKraftMigrateError(e) && e.code === CONDITIONAL_WRITE_CONFLICT) {
        throw new PreconditionError(
          `journal seq ${entry.seq} is already taken at ${this.location} — another writer appended first`,
          {
            code: JOURNAL_SEQ_CONFLICT,
            cause: e,
            fix: 'Only one kraft-migrate run may drive a migration at a time. Run `kraft-migrate status` to see what the other run did, then retry.',
          },
        );
      }
      throw e;
    }
  }

  #parse(name: string, body: Uint8Array | undefined, line: number): JournalEntry {
    const entry = body === undefined ? undefined : parseEntry(new TextDecoder().decode(body).trimEnd());
    if (entry === undefined) {
      throw new PreconditionError(`failed to parse journal entry at line ${line}`, {
        code: 'JOURNAL_PARSE',
        fix: `${JOURNAL_PARSE_FIX} S3 journal: object ${this.location}${name} is missing or not a journal entry.`,
      });
    }
    if (S3JournalStore.keyOf(entry.seq) !== name) {
      throw new InvariantError(`journal object ${this.location}${name} holds seq ${entry.seq}`, {
        code: 'JOURNAL_CHAIN_BROKEN',
        fix: 'The journal objects were renamed or overwritten: restore them from the bucket versions.',
      });
    }
    return entry;
  }
}
