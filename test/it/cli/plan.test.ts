import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../cli-run.ts';
import {
  commitGroupOffset,
  createBucket,
  createTopics,
  produce,
  stackConfig,
  tempDir,
  withAdmin,
  writeConfig,
} from '../fixtures.ts';
import { uniqueName } from '../stack.ts';

let dir: string;
let configPath: string;
const p = uniqueName('plan');

beforeAll(async () => {
  dir = await tempDir();
  const [segments, evidence] = await Promise.all([createBucket(), createBucket({ objectLock: true })]);
  await createTopics('source', [
    { name: `${p}.orders`, partitions: 2, configs: { 'retention.ms': '172800000' } },
    { name: `${p}.customers`, configs: { 'cleanup.policy': 'compact' } },
  ]);
  await produce('source', `${p}.orders`, 40, 2);
  await commitGroupOffset(`${p}-billing`, `${p}.orders`, 1, '7');
  await withAdmin('source', (admin) =>
    admin.createAcls({
      acl: [
        {
          resourceType: 2, // TOPIC
          resourceName: `${p}.orders`,
          resourcePatternType: 3, // LITERAL
          principal: 'User:billing',
          host: '*',
          operation: 3, // READ
          permissionType: 3, // ALLOW
        },
      ],
    }),
  );
  configPath = await writeConfig(
    dir,
    stackConfig({
      topics: { include: [`${p}\\..*`] },
      groups: { include: [`${p}-.*`] },
      storage: { segments: `s3://${segments}/seeds`, evidence: `s3://${evidence}` },
    }),
  );
});

describe('kraft-migrate plan', () => {
  it('prints the plan as JSON: topics, partitions, configs to copy, groups, ACLs and sizes', async () => {
    const { code, stdout } = await cli(['plan', '--config', configPath, '--format', 'json']);
    expect(code).toBe(0);
    const plan = JSON.parse(stdout);
    const names = plan.topics.map((t: { name: string }) => t.name);
    expect(names).toEqual([`${p}.customers`, `${p}.orders`]);
    const orders = plan.topics.find((t: { name: string }) => t.name === `${p}.orders`);
    expect(orders.partitions).toBe(2);
    expect(orders.records).toBe('40');
    expect(JSON.stringify(orders)).toContain('retention.ms');
    expect(JSON.stringify(plan.groups)).toContain(`${p}-billing`);
    expect(plan.acls.gathered).toBe(true);
    expect(plan.acls.count).toBeGreaterThanOrEqual(1);
    expect(plan.acls.byResourceType.TOPIC).toBeGreaterThanOrEqual(1);
  });

  it('writes every format with --format all, including both IAM policies', async () => {
    const out = join(dir, 'all');
    const { code, stdout } = await cli(['plan', '--config', configPath, '--format', 'all', '--out-dir', out]);
    expect(code).toBe(0);
    for (const f of ['plan.json', 'runbook.md', 'iam-policy-templated.json', 'iam-policy-concrete.json']) {
      expect(stdout).toContain(join(out, f));
    }
    const runbook = await readFile(join(out, 'runbook.md'), 'utf8');
    expect(runbook).toContain(`${p}.orders`);
    expect(runbook).toContain('kraft-migrate cutover');
    const concrete = JSON.parse(await readFile(join(out, 'iam-policy-concrete.json'), 'utf8'));
    expect(concrete.Version).toBe('2012-10-17');
    const actions = concrete.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat());
    for (const a of ['s3:PutObject', 's3:GetObject', 's3:ListBucket', 's3:DeleteObject'])
      expect(actions).toContain(a);
    const templated = await readFile(join(out, 'iam-policy-templated.json'), 'utf8');
    expect(templated).toContain('${');
  });

  it('with --json prints one JSON document: the files written, the "wrote" lines on stderr', async () => {
    const out = join(dir, 'json');
    const args = ['plan', '--config', configPath, '--format', 'iam-policy', '--out-dir', out, '--json'];
    const { code, stdout, stderr } = await cli(args);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      files: [join(out, 'iam-policy-templated.json'), join(out, 'iam-policy-concrete.json')],
    });
    expect(stderr).toContain(`wrote ${join(out, 'iam-policy-concrete.json')}`);
    const refused = await cli(['plan', '--config', configPath, '--format', 'runbook', '--json']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--json and --format runbook both ask for stdout');
  });

  it('fails with a clear message, not a stack trace, when the config file is missing', async () => {
    const { code, stderr } = await cli(['plan', '--config', join(dir, 'nope.yaml')]);
    expect(code).toBe(2);
    expect(stderr).toContain(`config file not found: ${join(dir, 'nope.yaml')}`);
    expect(stderr).not.toContain('    at ');
  });
});
