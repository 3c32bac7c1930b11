import { createAdapters } from '../../core/adapters/factory.ts';
import { canonicalSha256 } from '../../core/domain/canonical.ts';
import type { MigrationConfig } from '../../core/domain/config/schema.ts';
import type { Adapters } from '../../core/ports.ts';

/**
 * Adapters per config, built once per cold start and reused across invocations (MSK IAM allows 100
 * new connections/s per broker). `KRAFT_MIGRATE_JOURNAL_DIR` selects a local journal (the local
 * runner sets it for `--journal-dir`); otherwise the journal lives in the evidence bucket.
 */
export function adapterCache(env: NodeJS.ProcessEnv = process.env): (config: MigrationConfig) => Adapters {
  const cache = new Map<string, Adapters>();
  return (config) => {
    const journalDir = env['KRAFT_MIGRATE_JOURNAL_DIR'] || undefined;
    const key = canonicalSha256({
      source: config.source,
      target: config.target,
      storage: config.storage,
      journalDir,
    });
    let adapters = cache.get(key);
    if (!adapters) {
      adapters = createAdapters(config, { env, journalDir });
      cache.set(key, adapters);
    }
    return adapters;
  };
}
