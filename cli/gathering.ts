import { createAdapters } from '../core/adapters/factory.ts';
import { type PrecheckRun, type PrecheckRunOptions, precheckMigration } from '../core/app/precheck.ts';
import type { MigrationConfig } from '../core/domain/config/schema.ts';
import type { CliIO } from './io.ts';

/** Gathers (read-only) with the real adapters and runs every precheck rule; progress on a terminal. */
export function precheckForCli(
  config: MigrationConfig,
  options: PrecheckRunOptions & { readonly journalDir?: string | undefined },
  io: CliIO,
): Promise<PrecheckRun> {
  const adapters = createAdapters(config, { journalDir: options.journalDir, env: io.env });
  return precheckMigration(config, adapters, {
    ...options,
    onProgress: io.stdoutIsTTY ? (what) => io.err(`… checking ${what}`) : undefined,
  });
}
