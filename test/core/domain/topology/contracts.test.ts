import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS } from '../../../../core/domain/config/schema.ts';
import { copyTopologyInput, copyTopologyOutput } from '../../../../core/domain/contracts.ts';

const CONFIG = {
  source: { bootstrap_servers: ['127.0.0.1:19092'] },
  target: { bootstrap_servers: ['127.0.0.1:29092'] },
  storage: { segments: 's3://seg-bucket/x', evidence: 's3://ev-bucket/y' },
};

describe('copyTopologyInput', () => {
  it('takes the migration id from the ASL payload or from the precheck result', () => {
    const direct = copyTopologyInput.parse({ config: CONFIG, migration_id: 'mig-1' });
    const nested = copyTopologyInput.parse({
      config: CONFIG,
      precheck: { migration_id: 'mig-2', overall: 'PASSED', findings: [] },
    });

    expect(direct.migration_id).toBe('mig-1');
    expect(nested.migration_id).toBe('mig-2');
    expect(Object.keys(nested)).toEqual(['config', 'migration_id']);
    expect(nested.config.topology).toEqual(CONFIG_DEFAULTS.topology);
  });

  it('refuses an input without a migration id, naming it', () => {
    const r = copyTopologyInput.safeParse({ config: CONFIG });

    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ path: ['migration_id'] });
  });
});

describe('copyTopologyOutput', () => {
  it('accepts a minimal result and requires the Seed Map fields', () => {
    const out = {
      migration_id: 'mig-1',
      state: 'seeding',
      created: [],
      altered: [],
      unchanged: [],
      kept: [],
      deferred_configs: [],
      acls: { handling: 'skip', source: null, relevant: 0, created: 0, already_present: 0 },
      acls_created: 0,
      warnings: [],
      seed_shard_ids: ['0'],
      partition_count: 1,
      max_parallel_copiers: 1,
      seed_plan_key: 'mig-1/plan/index.json',
      report_key: 'mig-1/plan/topology.json',
      seed_bytes: '10',
      summary: 'topology: …',
    };

    expect(copyTopologyOutput.safeParse(out).success).toBe(true);
    const { seed_shard_ids: _, ...withoutShards } = out;
    expect(copyTopologyOutput.safeParse(withoutShards).success).toBe(false);
  });
});
