/**
 * The package as a user gets it: `npm pack` (its prepack step compiles dist/ with
 * tsconfig.build.json), the tarball installed into an empty folder outside the repository, and the
 * installed CLI run through npx against the local stack — from compiled JavaScript under
 * node_modules, where Node strips no types, and without any devDependency.
 *
 * The install takes its dependencies from the npm cache (`--prefer-offline`; the project's own
 * `npm ci` fills it earlier in a CI run) and from the registry for anything missing.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  commitGroupOffset,
  createBucket,
  createTopics,
  produce,
  STACK_ENV,
  stackConfig,
  tempDir,
  writeConfig,
  writeSigningKey,
} from './fixtures.ts';
import { uniqueName } from './stack.ts';
import { REPO_ROOT } from './stack-control.ts';

const exec = promisify(execFile);
/** Node 22 of the repository's node_modules first: the system's Node may be older. */
const ENV = { ...STACK_ENV, PATH: `${join(REPO_ROOT, 'node_modules', '.bin')}:${process.env['PATH'] ?? ''}` };

let installDir: string;
let installed: string;

beforeAll(async () => {
  const packDir = await tempDir('kraft-migrate-pack-');
  await exec('npm', ['pack', '--pack-destination', packDir, '--loglevel=error'], {
    cwd: REPO_ROOT,
    env: ENV,
  });
  const [tarball, ...more] = (await readdir(packDir)).filter((f) => f.endsWith('.tgz'));
  expect(more).toEqual([]);
  installDir = await tempDir('kraft-migrate-install-');
  await writeFile(join(installDir, 'package.json'), JSON.stringify({ name: 'empty', private: true }));
  await exec(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(packDir, tarball!)],
    { cwd: installDir, env: ENV },
  );
  installed = join(installDir, 'node_modules', 'kraft-migrate');
}, 600_000);

async function npx(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('npx', ['--no', '--', 'kraft-migrate', ...args], {
      cwd: installDir,
      env: ENV,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true })) {
    if (entry.startsWith('node_modules')) continue; // dependencies npm nested here, not the package
    if ((await stat(join(dir, entry))).isFile()) out.push(relative(dir, join(dir, entry)));
  }
  return out;
}

describe('npm pack → npm install ./kraft-migrate-*.tgz → npx kraft-migrate', () => {
  it('ships compiled JavaScript, the bin, README, docs and examples — no TypeScript sources, no tests', async () => {
    const files = await filesUnder(installed);
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('bin/kraft-migrate.mjs');
    expect(files).toContain('README.md');
    expect(files).toContain('examples/local.yaml');
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(files.filter((f) => /^(test|scripts|infra|cli|core|lambdas)\//.test(f))).toEqual([]);
  });

  it('installs no devDependency with code (the CLI must run without them)', async () => {
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    // @types/* come along as dependencies of runtime packages (protobufjs: @types/node) and hold no code.
    const present = Object.keys(pkg.devDependencies)
      .filter((d) => !d.startsWith('@types/'))
      .filter((d) => existsSync(join(installDir, 'node_modules', d)));
    expect(present).toEqual([]);
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(await npx(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('--help lists the commands', async () => {
    const { code, stdout } = await npx(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: kraft-migrate/);
    for (const command of ['plan', 'precheck', 'execute', 'status'])
      expect(stdout).toContain(`  ${command} `);
  });

  it('plan with the shipped examples/local.yaml reads the local stack', async () => {
    const { code, stdout, stderr } = await npx([
      'plan',
      '--config',
      join(installed, 'examples', 'local.yaml'),
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const plan = JSON.parse(stdout) as { kind: string; source: { mode: string; reachable: boolean } };
    expect(plan.kind).toBe('kraft-migrate.plan');
    expect(plan.source).toMatchObject({ mode: 'zookeeper', reachable: true });
  });

  it('precheck passes on a healthy pair of the local stack', async () => {
    const p = uniqueName('pkg');
    await createTopics('source', [{ name: `${p}.orders`, partitions: 2 }]);
    await produce('source', `${p}.orders`, 10, 2);
    await commitGroupOffset(`${p}-billing`, `${p}.orders`, 0, '3');
    const [segments, evidence] = await Promise.all([createBucket(), createBucket({ objectLock: true })]);
    const dir = await tempDir();
    const config = await writeConfig(
      dir,
      stackConfig({
        topics: { include: [`${p}\\..*`] },
        groups: { include: [`${p}-.*`] },
        storage: { segments: `s3://${segments}/seeds`, evidence: `s3://${evidence}/ev` },
        evidence: { signing_key_path: await writeSigningKey(dir), retention: '1d' },
      }),
    );
    const { code, stdout, stderr } = await npx(['precheck', '--config', config, '--json']);
    expect(stderr).toBe('');
    const result = JSON.parse(stdout) as { overall: string; findings: { code: string; message: string }[] };
    expect(result.overall).toBe('PASSED');
    expect(result.findings.find((f) => f.code === 'I03')?.message).toContain(
      '10 record(s) in 2 partition(s) of 1 topic(s)',
    );
    expect(code).toBe(0);
  });
});
