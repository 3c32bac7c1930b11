import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The version of the kraft-migrate package this code belongs to: the `version` of the nearest
 * package.json named kraft-migrate above this file. Found by walking up because the depth differs
 * between the sources (cli/version.ts) and the compiled package (dist/cli/version.js).
 */
export function packageVersion(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'kraft-migrate' && typeof pkg.version === 'string') return pkg.version;
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of kraft-migrate above ${from}`);
  }
}
