import { createAdapters } from '../../core/adapters/factory.ts';
import { locateMigration } from '../../core/app/locate.ts';
import { renderEntry } from '../../core/domain/journal/entry.ts';
import { currentState } from '../../core/domain/journal/journal.ts';
import { formatHumanDuration } from '../../core/domain/precheck/format.ts';
import { awsClients, executionStatus } from '../aws.ts';
import { loadConfigFile } from '../config-file.ts';
import { type CliIO, EXIT } from '../io.ts';
import { toJson } from '../render.ts';
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
      await new Promise((r) => setTimeout(r, interval).unref?.());
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
  if (opts.json) {
    io.out(
      toJson({
        migration_id: located.migrationId,
        state,
        since: last?.ts,
        journal: located.entries,
        waiting_for: pending,
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
  io.out('journal:');
  for (const e of located.entries.slice(-15)) io.out(`  ${renderEntry(e)}`);
  return EXIT.ok;
}

function since(at: Date | undefined): string {
  return at ? formatHumanDuration(Date.now() - at.getTime()) : 'unknown';
}
