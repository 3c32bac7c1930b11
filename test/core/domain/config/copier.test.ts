import { describe, expect, it } from 'vitest';
import { copierConfig, copierConfigSchema } from '../../../../core/domain/config/copier.ts';
import { validateConfig } from '../../../../core/domain/config/parse.ts';
import { parseCopierEnv } from '../../../../fargate-copier/env.ts';

const FULL = {
  source: {
    bootstrap_servers: ['s:9092'],
    auth: { mode: 'scram-sha-512', username: 'u', password: 'pw-1234' },
  },
  target: { cluster_arn: 'arn:aws:kafka:eu-west-2:123456789012:cluster/t/abc', auth: { mode: 'iam' } },
  topics: { include: ['orders\\..*'] },
  storage: { segments: 's3://seg-bucket/x', evidence: 's3://ev-bucket/y' },
  seed: { max_concurrent_partitions: 8 },
  cutover: {
    producer_freeze_webhook: 'https://freeze.example.com/hook',
    producer_freeze_webhook_secret: 'whsec-1234',
  },
  evidence: { signing_key_path: '/keys/ed25519.pem' },
};

describe('the copier config', () => {
  it('keeps the clusters, topics, buckets and seed settings, and nothing of cutover, validation or evidence', () => {
    const c = copierConfig(validateConfig(FULL, {}));
    expect(Object.keys(c).sort()).toEqual(['seed', 'source', 'storage', 'target', 'topics']);
    expect(JSON.stringify(c)).not.toContain('whsec-1234');
    expect(JSON.stringify(c)).not.toContain('ed25519.pem');
    expect(c.seed.max_concurrent_partitions).toBe(8);
  });

  it('refuses a whole config, naming the keys the copier takes', () => {
    expect(() => validateConfig(FULL, {}, 'KRAFT_MIGRATE_CONFIG', copierConfigSchema)).toThrow(
      /KRAFT_MIGRATE_CONFIG is invalid:\n {2}- cutover: unknown key "cutover"; valid keys here: source, target, topics, storage, seed/,
    );
  });

  it('is what the copier parses from KRAFT_MIGRATE_CONFIG; the other sections take their defaults', () => {
    const base = {
      KRAFT_MIGRATE_MIGRATION_ID: 'm-1',
      KRAFT_MIGRATE_MODE: 'tail',
      KRAFT_MIGRATE_SHARD_ID: 'all',
    };
    const env = parseCopierEnv({
      ...base,
      KRAFT_MIGRATE_CONFIG: JSON.stringify(copierConfig(validateConfig(FULL, {}))),
    });
    expect(env.config.source.auth.password).toBe('pw-1234');
    expect(env.config.cutover.producer_freeze_webhook_secret).toBeUndefined();
    expect(env.config.evidence).toEqual({});
    expect(() => parseCopierEnv({ ...base, KRAFT_MIGRATE_CONFIG: JSON.stringify(FULL) })).toThrow(
      'unknown key "cutover"',
    );
  });
});
