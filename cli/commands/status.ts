import { setTimeout as sleep } from 'node:timers/promises';
import { createAdapters } from '../../core/adapters/factory.ts';
import { type CopierStatus, parseCopierStatus, statusPrefix } from '../../core/app/copy/status.ts';
import { readCutoverProgress, readFreezeRecord } from '../../core/app/freeze.ts';
import { locateMigration } from '../../core/app/locate.ts';
import { formatBytes, formatHumanDuration } from '../../core/domain/format.ts';
import { clientSwitchSteps, frozenFor, isFrozen } from '../../core/domain/freeze.ts';
import { renderEntry } from '../../core/domain/journal/entry.ts';
import { currentState } from '../../core/domain/journal/journal.ts';
import type { Adapters } from '../../core/ports.ts';
import { awsClients, executionStatus } from '../aws.ts';
import { loadConfigFile } from '../config-file.ts';
import { type CliIO, EXIT } from '../io.ts';
import { table, toJson } from '../render.ts';
import { listPending } from '../runner/broker-client.ts';
import { resolveStateDir } from '../runner/state-dir.ts';

export interface StatusOptions {
  readonly config?: string;
  readonly migrationId?: string;
  readonly journalDir?: string;
  readonly json?: boolean;
  readonly runner: 'local' | 'aws';
  readonly executionArn?: string;
  readonly stateDir?: string;
  readonly watch?: boolean;
  readonly interval?: string;
  readonly region?: string;
}

/** `kraft-migrate status [--watch]`: state, time in state, the journal, and what it waits for. */
export async function runStatus(opts: StatusOptions, io: CliIO): Promise<number> {
  if (!opts.watch) return once(opts, io);
  const interval = Math.max(1, Number(opts.interval ?? 2)) * 1000;
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  try {
    while (!abort.signal.aborted) {
      if (io.stdoutIsTTY) io.out('\x1b[2J\x1b[H');
      await once(opts, io);
      await sleep(interval, undefined, { ref: false });
    }
    return EXIT.ok;
  } finally {
    process.off('SIGINT', stop);
  }
}

async function once(opts: StatusOptions, io: CliIO): Promise<number> {
  if (opts.runner === 'aws' && opts.executionArn) {
    const s = await executionStatus(awsClients(opts.region ?? io.env['AWS_REGION']), opts.executionArn);
    if (opts.json) io.out(toJson(s));
    else {
      io.out(`execution ${opts.executionArn}: ${s.status}`);
      if (s.currentState) io.out(`state ${s.currentState} for ${since(s.enteredAt)}`);
      if (s.error) io.out(`error ${s.error}: ${s.cause ?? ''}`);
    }
    return EXIT.ok;
  }
  const config = await loadConfigFile(opts.config, io.env);
  const adapters = createAdapters(config, { journalDir: opts.journalDir, env: io.env });
  const located = await locateMigration(config, adapters, {
    pinned: opts.migrationId,
    journalDir: opts.journalDir,
  });
  if (!located || located.entries.length === 0) {
    if (opts.json) io.out(toJson({ migration_id: null, state: null }));
    else io.out('no migration found for this config: run `kraft-migrate execute` to start one');
    return EXIT.problem;
  }
  const last = located.entries.at(-1);
  const pending =
    opts.runner === 'local' ? await listPending(resolveStateDir(opts.stateDir, io.env)).catch(() => []) : [];
  const state = currentState(located.entries);
  const copiers = await copierStatuses(adapters, located.migrationId);
  const cutover = await cutoverStatus(adapters, located.migrationId, state);
  if (opts.json) {
    io.out(
      toJson({
        migration_id: located.migrationId,
        state,
        since: last?.ts,
        journal: located.entries,
        waiting_for: pending,
        copiers,
        cutover,
      }),
    );
    return EXIT.ok;
  }
  io.out(`migration ${located.migrationId}`);
  io.out(`state     ${state} for ${since(last ? new Date(last.ts) : undefined)}`);
  for (const p of pending)
    io.out(
      `waiting   ${p.gate ? `gate "${p.gate}" (kraft-migrate ${p.gate})` : p.stateName} token ${p.token}`,
    );
  if (cutover.step) io.out(`cutover   ${cutover.step} for ${since(new Date(cutover.step_since as string))}`);
  if (cutover.frozen_for_ms !== undefined)
    io.out(
      `producers frozen for ${formatHumanDuration(cutover.frozen_for_ms)} (${cutover.freeze?.mode}, deadline ${cutover.freeze?.deadline})`,
    );
  else if (cutover.freeze?.unfrozen_at) io.out(`producers unfrozen at ${cutover.freeze.unfrozen_at}`);
  if (state === 'awaiting_client_switch') for (const line of clientSwitchSteps(config)) io.out(line);
  for (const c of copiers) io.out(renderCopier(c));
  io.out('journal:');
  for (const e of located.entries.slice(-15)) io.out(`  ${renderEntry(e)}`);
  return EXIT.ok;
}

/** Where the cutover is (its current step) and since when producers are frozen. */
async function cutoverStatus(adapters: Adapters, migrationId: string, state: string | undefined) {
  const [freeze, progress] = await Promise.all([
    readFreezeRecord(adapters, migrationId).catch(() => undefined),
    readCutoverProgress(adapters, migrationId).catch(() => undefined),
  ]);
  const inCutover = state === 'cutting_over' || state === 'awaiting_client_switch';
  return {
    ...(inCutover && progress ? { step: progress.step, step_since: progress.started_at } : {}),
    ...(freeze ? { freeze } : {}),
    ...(inCutover && isFrozen(freeze) ? { frozen_for_ms: frozenFor(freeze, new Date()) } : {}),
  };
}

/** Every copier's latest status document (seed shards and the tail). Missing or unreadable: none. */
async function copierStatuses(adapters: Adapters, migrationId: string): Promise<CopierStatus[]> {
  const store = adapters.objectStore('segments');
  const out: CopierStatus[] = [];
  try {
    for (const head of await store.list(statusPrefix(migrationId))) {
      const bytes = await store.get(head.key);
      if (bytes) out.push(parseCopierStatus(new TextDecoder().decode(bytes)));
    }
  } catch {
    // The segments bucket may not exist yet (before precheck) — nothing to show then.
  }
  return out.sort((a, b) => `${a.mode}${a.shard_id}`.localeCompare(`${b.mode}${b.shard_id}`));
}

function renderCopier(c: CopierStatus): string {
  const rows = c.partitions.map((p) => [
    `${p.topic}/${p.partition}`,
    p.phase,
    p.next_source_offset ?? '-',
    p.source_high_watermark ?? '-',
    p.lag,
    p.records_copied,
    formatBytes(BigInt(p.bytes_copied)),
  ]);
  const t = c.totals;
  return [
    `copier ${c.mode}/${c.shard_id}: ${c.state}${c.error ? ` (${c.error})` : ''}, updated ${c.updated_at}`,
    table(['partition', 'phase', 'next offset', 'high watermark', 'lag', 'records', 'bytes'], rows),
    `totals: ${t.partitions_complete}/${t.partitions} partition(s) complete, ${t.records_copied} record(s), ${formatBytes(BigInt(t.bytes_copied))}, lag ${t.lag} (max ${t.max_partition_lag}); ${Math.round(c.throughput.records_per_second)} rec/s, ${formatBytes(Math.round(c.throughput.bytes_per_second))}/s`,
  ].join('\n');
}

function since(at: Date | undefined): string {
  return at ? formatHumanDuration(Date.now() - at.getTime()) : 'unknown';
}
