import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The version of the kraft-migrate package this code belongs to: $KRAFT_MIGRATE_VERSION where the
 * deployment sets it (the Lambdas: bundled code has no package.json beside it; infra/functions.ts
 * sets it at synth), else the `version` of the nearest package.json named kraft-migrate above this
 * file, found by walking up because the depth differs between the sources and the compiled package.
 */
export function packageVersion(
  from: string = fileURLToPath(import.meta.url),
  env: NodeJS.ProcessEnv = process.env,
): string {
  const pinned = env['KRAFT_MIGRATE_VERSION'];
  if (pinned) return pinned;
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'kraft-migrate' && typeof pkg.version === 'string') return pkg.version;
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of kraft-migrate above ${from}`);
  }
}
