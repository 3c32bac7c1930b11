/**
 * The copier process starts often (one per seed shard, one tail): it loads only what copying
 * uses. A module-resolution hook records every module `node fargate-copier/main.ts` loads on its
 * way to exit 2 (no environment): everything its static imports pull in.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const HOOKS = `
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const seen = [];
registerHooks({ resolve(spec, ctx, next) { const r = next(spec, ctx); seen.push(r.url); return r; } });
process.on('exit', () => writeFileSync(process.env.LOADED_OUT, JSON.stringify(seen)));
`;

it('loads neither the CDK, the CLI, the local Step Functions interpreter nor SDKs only other paths use', {
  timeout: 60_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'copier-imports-'));
  const hooks = join(dir, 'hooks.mjs');
  const out = join(dir, 'loaded.json');
  await writeFile(hooks, HOOKS);
  const run = spawnSync(process.execPath, ['--import', hooks, 'fargate-copier/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', LOADED_OUT: out },
    encoding: 'utf8',
  });
  expect(run.status).toBe(2);
  const loaded = (JSON.parse(await readFile(out, 'utf8')) as string[]).map((u) =>
    u.startsWith('file://') ? fileURLToPath(u) : u,
  );
  const repo = loaded
    .filter((f) => f.startsWith(ROOT) && !f.includes('/node_modules/'))
    .map((f) => f.slice(ROOT.length));
  const packages = new Set(
    loaded.flatMap((f) => {
      const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f);
      return m ? [m[1] as string] : [];
    }),
  );

  expect(repo).toContain('core/adapters/kafka/reader.ts'); // the hook saw the copier's imports
  expect(packages).toContain('@platformatic/kafka');
  for (const p of [
    'aws-cdk-lib',
    'constructs',
    'cdk-nag',
    'aws-local-stepfunctions',
    '@aws-sdk/client-kms',
    '@aws-sdk/client-secrets-manager',
    '@aws-sdk/client-kafka',
    '@aws-sdk/client-sfn',
  ]) {
    expect(packages, p).not.toContain(p);
  }
  expect(
    repo.filter((f) => /^(cli|infra|lambdas)\//.test(f) || f === 'core/adapters/kafka/admin.ts'),
  ).toEqual([]);
});
