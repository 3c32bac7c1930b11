/**
 * kraft-migrate execute --runner local: the ASL synthesized from the CDK app runs under
 * aws-local-stepfunctions against the real local stack, down both branches of Precheck, and
 * resumes from the journal.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  createBucket,
  createTopics,
  produce,
  STACK_ENV,
  stackConfig,
  tempDir,
  writeConfig,
} from '../fixtures.ts';
import { uniqueName } from '../stack.ts';

let dir: string;
let segments: string;
let evidence: string;

beforeAll(async () => {
  // The handlers read AWS settings from the process environment, as they do in Lambda.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: STACK_ENV.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: STACK_ENV.AWS_SECRET_ACCESS_KEY,
    AWS_REGION: STACK_ENV.AWS_REGION,
  });
  dir = await tempDir();
  [segments, evidence] = await Promise.all([createBucket(), createBucket({ objectLock: true })]);
});

function config(prefix: string, overrides: Record<string, unknown> = {}) {
  return stackConfig({
    topics: { include: [`${prefix}\\..*`] },
    storage: { segments: `s3://${segments}/seeds`, evidence: `s3://${evidence}/ev` },
    ...overrides,
  });
}

async function journalLines(
  journalDir: string,
): Promise<{ from: string | null; to: string; reason: string }[]> {
  const text = await readFile(join(journalDir, 'journal.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

describe('execute --runner local', () => {
  it('runs the synthesized workflow down the pass branch and journals planned -> prechecking', async () => {
    const p = uniqueName('exec');
    await createTopics('source', [{ name: `${p}.orders`, partitions: 2 }]);
    await produce('source', `${p}.orders`, 10, 2);
    const journalDir = join(dir, p);
    const path = await writeConfig(dir, config(p));

    const run = await cli([
      'execute',
      '--config',
      path,
      '--journal-dir',
      journalDir,
      '--state-dir',
      join(dir, `${p}-state`),
    ]);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const state of ['ValidateInput', 'Precheck', 'BlockersFound', 'PrecheckPassed']) {
      expect(run.stdout).toMatch(new RegExp(`${state} entered`));
    }
    expect(run.stdout).toContain('workflow SUCCEEDED — precheck PASSED');
    const journal = await journalLines(journalDir);
    expect(journal.map((e) => `${e.from}->${e.to}`)).toEqual(['null->planned', 'planned->prechecking']);

    const again = await cli([
      'execute',
      '--config',
      path,
      '--journal-dir',
      journalDir,
      '--state-dir',
      join(dir, `${p}-state`),
    ]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('resuming migration');
    expect(await journalLines(journalDir)).toHaveLength(2);

    const status = await cli(['status', '--config', path, '--journal-dir', journalDir, '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).state).toBe('prechecking');
  });

  it('routes blockers to RecordFailure, journals failed with the reason, and exits 1', async () => {
    const p = uniqueName('blocked');
    const journalDir = join(dir, p);
    const path = await writeConfig(
      dir,
      config(p, { storage: { segments: 's3://km-missing-zz-seg/x', evidence: `s3://${evidence}/ev` } }),
    );

    const run = await cli([
      'execute',
      '--config',
      path,
      '--journal-dir',
      journalDir,
      '--state-dir',
      join(dir, `${p}-state`),
    ]);

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/RecordFailure entered/);
    expect(run.stdout).toMatch(/MigrationFailed entered/);
    expect(run.stderr).toContain('workflow FAILED: PreconditionError');
    expect(run.stderr).toContain('B07');
    const journal = await journalLines(journalDir);
    expect(journal.map((e) => e.to)).toEqual(['planned', 'prechecking', 'failed']);
    expect(journal.at(-1)?.reason).toBe('precheck found 1 blocker(s): B07');
  });

  it('fails the input validation on a bad config before touching any cluster', async () => {
    const path = await writeConfig(dir, { ...config('x'), cutover: { drain_timeout: 'soon' } });
    const run = await cli(['execute', '--config', path, '--journal-dir', join(dir, 'bad')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cutover.drain_timeout: expected a duration');
  });

  it('refuses a changed config fingerprint on resume, and accepts it with --force-restart', async () => {
    const p = uniqueName('fp');
    await createTopics('source', [{ name: `${p}.t` }]);
    const journalDir = join(dir, p);
    const first = await writeConfig(dir, config(p));
    expect(
      (
        await cli([
          'execute',
          '--config',
          first,
          '--journal-dir',
          journalDir,
          '--state-dir',
          join(dir, `${p}-s`),
        ])
      ).code,
    ).toBe(0);
    const other = await createBucket();
    const changed = await writeConfig(
      dir,
      config(p, { storage: { segments: `s3://${other}/seeds`, evidence: `s3://${evidence}/ev` } }),
    );

    const refused = await cli([
      'execute',
      '--config',
      changed,
      '--journal-dir',
      journalDir,
      '--state-dir',
      join(dir, `${p}-s`),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('resume fingerprint mismatch — config may have changed between runs');

    const forced = await cli([
      'execute',
      '--config',
      changed,
      '--journal-dir',
      journalDir,
      '--state-dir',
      join(dir, `${p}-s`),
      '--force-restart',
    ]);
    expect(forced.code).toBe(0);
    expect((await journalLines(journalDir)).map((e) => e.to)).toEqual([
      'planned',
      'prechecking',
      'failed',
      'prechecking',
    ]);
  });
});
