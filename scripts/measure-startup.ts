/**
 * Where the start-up time goes, before a local execution starts and in each copier process:
 *
 *   node scripts/measure-startup.ts [--runs N]
 *
 * Each figure is measured in a fresh Node process (cold module cache; the OS file cache is warm
 * after the first run), N times (default 3), and the median is printed in milliseconds:
 *  - node start: `node -e 0`, spawn to exit;
 *  - CLI imports: `import('cli/main.ts')` and `import('cli/commands/execute.ts')` (what `execute` loads);
 *  - config load: loadConfigFile(examples/local.yaml); adapter creation: createAdapters();
 *  - ASL synthesis: synthesizeLocalDefinition() — with the content-hash cache (cli/runner/synth.ts),
 *    cold (cache emptied: a CDK synth) and warm (served from the cache);
 *  - copier: `import('fargate-copier/main.ts')`, and `node fargate-copier/main.ts` spawn to exit
 *    (it exits at once with code 2 without its environment: node start + imports + env parsing).
 * Read-only apart from the ASL cache, which it empties and refills in a temporary directory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const cacheDir = mkdtempSync(join(tmpdir(), 'kraft-migrate-asl-cache-'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Runs `code` (an ES module body) in a fresh node; the body prints one number (ms). */
function inProcess(code: string, env: Record<string, string> = {}): number {
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`measurement failed: ${out.stderr}`);
  return Number(out.stdout.trim().split('\n').at(-1));
}

/** Wall time of a whole process, spawn to exit. */
function wall(args: string[], env: Record<string, string> = {}): number {
  const t = performance.now();
  spawnSync(process.execPath, args, { cwd: ROOT, env: { ...env, PATH: process.env['PATH'] ?? '' } });
  return performance.now() - t;
}

const timed = (body: string) =>
  `const t = performance.now(); ${body}; process.stdout.write(String(performance.now() - t) + '\\n');`;
const abs = (p: string) => JSON.stringify(join(ROOT, p));

const figures: [string, () => number][] = [
  ['node start (node -e 0)', () => wall(['-e', '0'])],
  ['import cli/main.ts', () => inProcess(timed(`await import(${abs('cli/main.ts')})`))],
  [
    'import cli/commands/execute.ts',
    () => inProcess(timed(`await import(${abs('cli/commands/execute.ts')})`)),
  ],
  [
    'config load (examples/local.yaml)',
    () =>
      inProcess(
        `const { loadConfigFile } = await import(${abs('cli/config-file.ts')});` +
          timed(`await loadConfigFile(${abs('examples/local.yaml')}, process.env)`),
      ),
  ],
  [
    'createAdapters',
    () =>
      inProcess(
        `const { loadConfigFile } = await import(${abs('cli/config-file.ts')});` +
          `const { createAdapters } = await import(${abs('core/adapters/factory.ts')});` +
          `const c = await loadConfigFile(${abs('examples/local.yaml')}, process.env);` +
          timed('createAdapters(c, { env: process.env })'),
      ),
  ],
  [
    'ASL synthesis, cold (import + CDK synth)',
    () => {
      rmSync(cacheDir, { recursive: true, force: true });
      return inProcess(
        timed(
          `const { synthesizeLocalDefinition } = await import(${abs('cli/runner/synth.ts')}); await synthesizeLocalDefinition()`,
        ),
        { KRAFT_MIGRATE_ASL_CACHE_DIR: cacheDir },
      );
    },
  ],
  [
    'ASL synthesis, warm (content-hash cache)',
    () =>
      inProcess(
        timed(
          `const { synthesizeLocalDefinition } = await import(${abs('cli/runner/synth.ts')}); await synthesizeLocalDefinition()`,
        ),
        { KRAFT_MIGRATE_ASL_CACHE_DIR: cacheDir },
      ),
  ],
  ['import fargate-copier/main.ts', () => inProcess(timed(`await import(${abs('fargate-copier/main.ts')})`))],
  ['copier process (node fargate-copier/main.ts, to exit)', () => wall(['fargate-copier/main.ts'])],
];

try {
  for (const [label, measure] of figures) {
    const xs = Array.from({ length: runs }, measure);
    process.stdout.write(`${label.padEnd(58)} ${String(Math.round(median(xs))).padStart(6)} ms\n`);
  }
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
