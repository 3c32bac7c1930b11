import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../../../core/domain/plan/plan.ts';
import { renderRunbook } from '../../../../core/domain/plan/runbook.ts';
import { cluster, config, group, snapshot } from './fixtures.ts';

const plan = buildPlan(snapshot(), 'mig-1', 'f'.repeat(64));
const text = renderRunbook(plan, { configPath: 'prod.yaml' });

describe('renderRunbook', () => {
  it('contains every command an operator runs, with the config and migration id', () => {
    for (const command of [
      'kraft-migrate plan --config prod.yaml --format all',
      'kraft-migrate precheck --config prod.yaml',
      'kraft-migrate execute --config prod.yaml --migration-id mig-1',
      'kraft-migrate status --config prod.yaml --migration-id mig-1 --watch',
      'kraft-migrate cutover --config prod.yaml --migration-id mig-1',
      'kraft-migrate cutover-ack --config prod.yaml --migration-id mig-1',
      'kraft-migrate finalize --config prod.yaml --migration-id mig-1',
      'kraft-migrate repair --config prod.yaml --migration-id mig-1 --partition TOPIC:PARTITION',
      'kraft-migrate compare --config prod.yaml --migration-id mig-1',
      'kraft-migrate verify-evidence evidence.json',
      'kraft-migrate rollback --config prod.yaml --migration-id mig-1',
    ]) {
      expect(text).toContain(command);
    }
  });

  it('has a row for every topic and every group', () => {
    for (const t of plan.topics) expect(text).toMatch(new RegExp(`^\\| ${t.name}( \\(|\\s\\|)`, 'm'));
    for (const g of plan.groups) expect(text).toMatch(new RegExp(`^\\| ${g.groupId} \\|`, 'm'));
    expect(text).toContain('| orders (transactional) | 3 | 3 → 3 | 3,000 | 2.86 MiB |');
  });

  it('states the producer freeze bound, the seed estimate, evidence location and rollback window', () => {
    expect(text).toContain('`max_producer_freeze` = **60s**');
    expect(text).toContain('| estimated seed time | 4s |');
    expect(text).toContain('s3://evidence-bucket/audit/migrations/mig-1/evidence.json');
    // the auditor downloads evidence.json with what sits beside it (signature, key, a KMS envelope's body)
    expect(text).toContain(
      "aws s3 cp s3://evidence-bucket/audit/migrations/mig-1/ . --recursive --exclude '*' --include 'evidence*'",
    );
    expect(text).toMatch(/## Rollback[\s\S]*before `awaiting_client_switch`/);
    expect(text).toContain('stdin is not a TTY');
  });

  it('lists skipped configs with the reason', () => {
    expect(text).toMatch(/\| orders \| message\.format\.version \| 3\.0-IV1 \| .*removed in 4\.0/);
  });

  it('asks to pin a generated migration id', () => {
    expect(text).toContain('Add `migration_id: mig-1` to prod.yaml');
    const pinned = renderRunbook(buildPlan(snapshot({ config: config({ migration_id: 'p1' }) }), 'p1', 'x'));
    expect(pinned).not.toContain('Pin the migration id');
    expect(pinned).toContain('kraft-migrate execute --config migration.yaml --migration-id p1');
  });

  it('describes the webhook freeze and auto-approval when configured', () => {
    const cfg = config({
      cutover: {
        auto_approve: true,
        producer_freeze_webhook: 'https://freeze.example.com/hook',
        max_producer_freeze: '2m',
      },
    });
    const t = renderRunbook(buildPlan(snapshot({ config: cfg }), 'mig-2', 'x'));
    expect(t).toContain('https://freeze.example.com/hook');
    expect(t).toContain('`cutover.auto_approve` is true');
    expect(t).not.toContain('kraft-migrate cutover --config');
    expect(t).toContain('`max_producer_freeze` = **2m**');
  });

  it('escapes pipes and line breaks in table cells', () => {
    const src = cluster('source', {
      topics: snapshot().source.topics,
      groups: [group('odd|group\nname', [])],
    });
    const t = renderRunbook(buildPlan(snapshot({ source: src }), 'mig-3', 'x'));
    expect(t).toContain('| odd\\|group name |');
  });
});
