/**
 * Builds the file set of the copier's container image into <out-dir>: the copier's own sources and
 * nothing else, with only the npm packages they import. fargate-copier/Dockerfile runs this script
 * (its build stage) and copies <out-dir> into the image; the measurement in docs/deploy.md and
 * test/it/copier-image.test.ts run the same script without Docker, so the three cannot drift.
 *
 *   node scripts/copier-image.ts <out-dir> [extra npm install arguments, e.g. --prefer-offline]
 *
 * 1. Follows the runtime imports from fargate-copier/main.ts (static `import … from`, `export …
 *    from`, `import('…')`, `createRequire(…)('…')`; `import type` is erased and not followed) and
 *    copies every reached .ts file, keeping its path: Node runs them by type stripping.
 * 2. Writes a package.json whose dependencies are the packages those files import, at the ranges of
 *    the repository's package.json ("dependencies" or "optionalDependencies"; a devDependency or an
 *    undeclared package is refused), and installs them with the repository's package-lock.json, so
 *    the versions are the locked ones: `npm install --omit=dev --ignore-scripts`.
 * 3. Starts the copier with an empty environment: it must exit 2 with COPIER_ENV_INVALID, which it
 *    can only do once every import resolved (the build fails, not the first task).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = 'fargate-copier/main.ts';

const IMPORT =
  /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|createRequire\([^)]*\)\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** The repository files (relative paths) the entry reaches at run time, and the packages they import. */
export function copierGraph(root: string = ROOT): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(join(root, file), 'utf8');
    for (const m of source.matchAll(IMPORT)) {
      if (m[1]) continue; // `import type` / `export type`: erased
      const spec = (m[2] ?? m[3] ?? m[4]) as string;
      if (spec.startsWith('.')) {
        const target = relative(root, resolve(root, dirname(file), spec));
        if (!existsSync(join(root, target))) throw new Error(`${file} imports ${spec}, which does not exist`);
        visit(target);
      } else if (!spec.startsWith('node:')) {
        const parts = spec.split('/');
        packages.add(spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string));
      }
    }
  };
  visit(ENTRY);
  return { files: [...files].sort(), packages: [...packages].sort() };
}

interface PackageJson {
  name: string;
  version: string;
  license?: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function build(out: string, npmArgs: readonly string[]): void {
  const { files, packages } = copierGraph();
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
  const dependencies: Record<string, string> = {};
  const optionalDependencies: Record<string, string> = {};
  for (const name of packages) {
    const optional = pkg.optionalDependencies?.[name];
    const range = pkg.dependencies?.[name];
    if (optional) optionalDependencies[name] = optional;
    else if (range) dependencies[name] = range;
    else {
      throw new Error(
        `the copier imports ${name}, which is not in the "dependencies" of package.json. Fix: declare it there, or stop importing it from the copier's files.`,
      );
    }
  }
  if (existsSync(out) && readdirSync(out).length > 0) throw new Error(`${out} is not empty`);
  for (const file of files) {
    mkdirSync(dirname(join(out, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(out, file));
  }
  const image: PackageJson & { private: true; type: 'module' } = {
    name: `${pkg.name}-copier`,
    version: pkg.version,
    private: true,
    type: 'module',
    ...(pkg.license ? { license: pkg.license } : {}),
    ...(pkg.engines ? { engines: pkg.engines } : {}),
    dependencies,
    optionalDependencies,
  };
  writeFileSync(join(out, 'package.json'), `${JSON.stringify(image, null, 2)}\n`);
  copyFileSync(join(ROOT, 'package-lock.json'), join(out, 'package-lock.json'));
  run(out, 'npm', [
    'install',
    '--omit=dev',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    ...npmArgs,
  ]);

  const probe = spawnSync(process.execPath, [ENTRY], { cwd: out, env: {}, encoding: 'utf8' });
  if (probe.status !== 2 || !probe.stderr.includes('COPIER_ENV_INVALID')) {
    throw new Error(
      `the copier in ${out} did not start (exit ${probe.status}, expected 2 with COPIER_ENV_INVALID):\n${probe.stderr}`,
    );
  }
  process.stdout.write(
    `copier image files in ${out}: ${files.length} source file(s), ${packages.length} package(s): ${packages.join(', ')}\n`,
  );
}

function run(cwd: string, command: string, args: readonly string[]): void {
  const r = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (exit ${r.status})`);
}

// `import.meta.main` (Node ≥ 22.18), else the script path, as in fargate-copier/main.ts.
if (import.meta.main ?? process.argv[1] === fileURLToPath(import.meta.url)) {
  const [out, ...npmArgs] = process.argv.slice(2);
  if (!out) {
    process.stderr.write('usage: node scripts/copier-image.ts <out-dir> [npm install arguments]\n');
    process.exit(2);
  }
  try {
    build(resolve(out), npmArgs);
  } catch (e) {
    process.stderr.write(`copier-image: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
