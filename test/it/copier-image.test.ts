/**
 * The copier's container image file set, built without Docker by the script the Dockerfile runs
 * (scripts/copier-image.ts): only the copier's sources and the packages they import, and the copier
 * in it starts, refuses a bad environment and seeds a topic from the local stack into the target.
 *
 * npm install takes the packages from the npm cache (`--prefer-offline`; the project's own `npm ci`
 * fills it earlier in a CI run) and from the registry for anything missing.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  copierEnv,
  createTopics,
  type DataPathClients,
  newMigration,
  openDataPath,
  readPartition,
} from './copier/helpers.ts';
import { produce, tempDir } from './fixtures.ts';
import { uniqueName } from './stack.ts';
import { REPO_ROOT } from './stack-control.ts';

const exec = promisify(execFile);
const ENV = {
  ...process.env,
  PATH: `${join(REPO_ROOT, 'node_modules', '.bin')}:${process.env['PATH'] ?? ''}`,
};

let image: string;
let clients: DataPathClients;

beforeAll(async () => {
  image = join(await tempDir('kraft-migrate-copier-image-'), 'app');
  await exec(process.execPath, ['scripts/copier-image.ts', image, '--prefer-offline'], {
    cwd: REPO_ROOT,
    env: ENV,
  });
  clients = await openDataPath();
}, 600_000);

afterAll(async () => {
  await clients?.close();
});

async function copier(env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['fargate-copier/main.ts'], {
      cwd: image,
      env,
      timeout: 90_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

describe('copier image file set (scripts/copier-image.ts)', () => {
  it('holds the copier and core only, and none of the CLI, infra or local-runner packages', async () => {
    expect((await readdir(image)).sort()).toEqual([
      'core',
      'fargate-copier',
      'node_modules',
      'package-lock.json',
      'package.json',
    ]);
    for (const pkg of [
      'aws-cdk-lib',
      'constructs',
      'aws-local-stepfunctions',
      'commander',
      'cli-table3',
      '@aws-sdk/client-sfn',
      '@aws-sdk/client-scheduler',
      '@middy/core',
      'typescript',
    ]) {
      expect(existsSync(join(image, 'node_modules', pkg)), pkg).toBe(false);
    }
    expect(existsSync(join(image, 'node_modules', '@platformatic', 'kafka'))).toBe(true);
    expect(existsSync(join(image, 'core', 'adapters', 'kafka', 'reader.ts'))).toBe(true);
    expect(existsSync(join(image, 'core', 'app', 'gather.ts'))).toBe(false); // precheck's, not the copier's
  });

  it('refuses a bad environment with its validation error and exit code 2', async () => {
    const result = await copier({
      KRAFT_MIGRATE_CONFIG: '{}',
      KRAFT_MIGRATE_MIGRATION_ID: 'image-test',
      KRAFT_MIGRATE_MODE: 'sideways',
      KRAFT_MIGRATE_SHARD_ID: '0',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('InvalidInputError COPIER_ENV_INVALID');
    expect(result.stderr).toContain('KRAFT_MIGRATE_MODE');
  });

  it('seeds a topic of the local stack into the target', async () => {
    const topic = uniqueName('image');
    await createTopics('source', [{ name: topic, partitions: 1 }]);
    await createTopics('target', [{ name: topic, partitions: 1 }]); // CopyTopology's part, before the seed
    await produce('source', topic, 25, 1);
    const m = await newMigration(uniqueName('image'));
    const refs = [{ topic, partition: 0 }];
    const result = await copier(copierEnv(m, 'seed', refs));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const copied = await readPartition(clients.targetReader, refs[0]!);
    expect(copied.map((r) => r.value?.toString())).toEqual(
      (await readPartition(clients.sourceReader, refs[0]!)).map((r) => r.value?.toString()),
    );
    expect(copied).toHaveLength(25);
  });
});
