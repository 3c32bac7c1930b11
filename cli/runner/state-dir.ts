/** Where a local run keeps its broker.json (and whatever else the lead puts there). */
export const DEFAULT_STATE_DIR = '.local/runner';
export const STATE_DIR_ENV = 'KRAFT_MIGRATE_STATE_DIR';

/** `--state-dir`, else $KRAFT_MIGRATE_STATE_DIR, else `.local/runner` (relative to the cwd). */
export function resolveStateDir(option: string | undefined, env: NodeJS.ProcessEnv): string {
  return option ?? env[STATE_DIR_ENV] ?? DEFAULT_STATE_DIR;
}
