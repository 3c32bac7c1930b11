/**
 * The Kafka libraries' own logs never reach a user's terminal raw: `kraft-migrate precheck` (the
 * real bin, a child process, so whatever kafkajs writes to the process's stderr is seen) against a
 * source on a closed port prints the findings and nothing of kafkajs — unless KRAFT_MIGRATE_DEBUG
 * is set, which is how one asks for those lines.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createBucket, freePort, STACK_ENV, stackConfig, tempDir, writeConfig } from '../fixtures.ts';
import { REPO_ROOT } from '../stack-control.ts';

async function precheckAgainstClosedSource(env: NodeJS.ProcessEnv) {
  const dir = await tempDir();
  const bucket = await createBucket();
  const path = await writeConfig(
    dir,
    stackConfig({
      source: { bootstrap_servers: [`127.0.0.1:${await freePort()}`] },
      storage: { segments: `s3://${bucket}/seeds`, evidence: `s3://${bucket}/ev` },
    }),
  );
  try {
    await promisify(execFile)(process.execPath, ['bin/kraft-migrate.mjs', 'precheck', '--config', path], {
      cwd: REPO_ROOT,
      env,
      timeout: 90_000,
    });
    throw new Error('precheck passed against a closed port');
  } catch (e) {
    const { code, stdout, stderr } = e as { code?: number; stdout?: string; stderr?: string };
    return { code, stdout: stdout ?? '', stderr: stderr ?? '' };
  }
}

const kafkajsLines = (text: string) => text.split('\n').filter((l) => /kafkajs|^\s*\{"level"/.test(l));

describe('library logs', () => {
  it('precheck against a stopped source prints the table and no kafkajs line', async () => {
    // Arrange
    const env: NodeJS.ProcessEnv = { ...STACK_ENV };
    delete env.KRAFT_MIGRATE_DEBUG;
    // Act
    const run = await precheckAgainstClosedSource(env);
    // Assert
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/B09/);
    expect(run.stdout).toMatch(/^precheck BLOCKED/m);
    expect(kafkajsLines(run.stdout)).toEqual([]);
    expect(kafkajsLines(run.stderr)).toEqual([]);
  });

  it('shows the kafkajs lines with KRAFT_MIGRATE_DEBUG set', async () => {
    // Act
    const run = await precheckAgainstClosedSource({ ...STACK_ENV, KRAFT_MIGRATE_DEBUG: '1' });
    // Assert
    expect(run.stdout).toMatch(/B09/);
    expect(kafkajsLines(run.stderr).length).toBeGreaterThan(0);
    expect(JSON.parse(kafkajsLines(run.stderr)[0] ?? '{}')).toMatchObject({
      source: expect.stringMatching(/^kafkajs/),
    });
  });
});
