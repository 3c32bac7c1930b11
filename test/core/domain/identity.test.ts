import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalSha256, sha256Hex } from '../../../core/domain/canonical.ts';
import { validateConfig } from '../../../core/domain/config/parse.ts';
import { parseSegmentKey, segmentKey } from '../../../core/domain/copy/segment.ts';
import { InvalidInputError } from '../../../core/domain/errors.ts';
import {
  clusterIdPart,
  type FingerprintInput,
  migrationId,
  resumeFingerprint,
} from '../../../core/domain/identity.ts';
import { parseCopierEnv } from '../../../fargate-copier/env.ts';

const SRC_ARN = 'arn:aws:kafka:eu-west-2:510999144577:cluster/prod-zk/d0efd3c5-5308-48ff-b5a6-5ea8d4b24708-3';
const STARTED = new Date('2026-04-25T06:15:02.987Z');

function config(overrides: Partial<FingerprintInput> = {}): FingerprintInput {
  return {
    source: { cluster_arn: SRC_ARN },
    target: { bootstrap_servers: ['b-2.tgt:9098', 'b-1.tgt:9098'] },
    storage: { segments: 's3://segments-bucket/kraft', evidence: 's3://evidence-bucket' },
    ...overrides,
  };
}

describe('migration id', () => {
  it('is <src>--<tgt>--<UTC yyyymmddThhmmssZ>', () => {
    expect(migrationId({}, 'd0efd3c5-3', 'efffc490-3', STARTED)).toBe(
      'd0efd3c5-3--efffc490-3--20260425T061502Z',
    );
  });

  it('takes the uuid of an MSK ARN and falls back to the Kafka cluster id', () => {
    expect(clusterIdPart(SRC_ARN, 'kafka-id')).toBe('d0efd3c5-5308-48ff-b5a6-5ea8d4b24708-3');
    expect(clusterIdPart(undefined, 'MkU3OEVBNTcwNTJENDM2Qk')).toBe('MkU3OEVBNTcwNTJENDM2Qk');
  });

  it('uses the pinned migration_id from the config', () => {
    expect(migrationId({ migration_id: 'orders-move' }, 'a', 'b', STARTED)).toBe('orders-move');
    expect(migrationId({}, 'a', 'b', STARTED)).toBe('a--b--20260425T061502Z');
  });

  it('formats UTC regardless of milliseconds', () => {
    expect(migrationId({}, 'a', 'b', new Date('2026-01-02T03:04:05.000Z'))).toBe('a--b--20260102T030405Z');
  });

  it('refuses a cluster id that cannot be part of an S3 key', () => {
    expect(() => migrationId({}, 'a/b', 'c', STARTED)).toThrow(InvalidInputError);
    expect(() => migrationId({}, 'a', 'b', new Date(Number.NaN))).toThrow(
      'cannot build a migration id from an invalid date',
    );
  });
});

describe('resume fingerprint', () => {
  it('is 64 hex digits', () => {
    expect(resumeFingerprint(config())).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on the order of bootstrap servers or of config keys', () => {
    const reordered: FingerprintInput = {
      storage: { evidence: 's3://evidence-bucket/', segments: 's3://segments-bucket/kraft' },
      target: { bootstrap_servers: ['B-1.tgt:9098', 'b-2.tgt:9098'] },
      source: { cluster_arn: SRC_ARN },
    };

    expect(resumeFingerprint(reordered)).toBe(resumeFingerprint(config()));
  });

  it('uses the ARN, not the bootstrap list, when both are given', () => {
    const withBoth = config({ source: { cluster_arn: SRC_ARN, bootstrap_servers: ['b-9.src:9098'] } });

    expect(resumeFingerprint(withBoth)).toBe(resumeFingerprint(config()));
  });

  it('changes when a bucket changes', () => {
    const moved = config({
      storage: { segments: 's3://segments-bucket/kraft', evidence: 's3://other-evidence' },
    });

    expect(resumeFingerprint(moved)).not.toBe(resumeFingerprint(config()));
  });

  it('changes when the target changes', () => {
    expect(resumeFingerprint(config({ target: { bootstrap_servers: ['b-3.tgt:9098'] } }))).not.toBe(
      resumeFingerprint(config()),
    );
  });
});

describe('canonical JSON', () => {
  it('sorts keys and renders bigint as a decimal string', () => {
    expect(canonicalJson({ b: 1, a: { d: 18446744073709551615n, c: [2n, 'x'] } })).toBe(
      '{"a":{"c":["2","x"],"d":"18446744073709551615"},"b":1}',
    );
  });

  it('hashes the canonical form', () => {
    expect(canonicalSha256({ b: 1, a: 2 })).toBe(sha256Hex('{"a":2,"b":1}'));
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

const ID_DOC = {
  source: { bootstrap_servers: ['127.0.0.1:19092'] },
  target: { bootstrap_servers: ['127.0.0.1:29092'] },
  storage: { segments: 's3://segments-bucket/kraft', evidence: 's3://evidence-bucket' },
};
const copierEnv = (id: string) => ({
  KRAFT_MIGRATE_MIGRATION_ID: id,
  KRAFT_MIGRATE_MODE: 'seed',
  KRAFT_MIGRATE_SHARD_ID: '0',
  KRAFT_MIGRATE_CONFIG: JSON.stringify(ID_DOC),
});

describe('a derived id whose Kafka cluster id starts with "_" or "-" (base64url)', () => {
  it('is accepted everywhere an id is checked: config, copier environment, segment keys', () => {
    for (const clusterId of ['_2L2hyT-QLOxh1h23mEoFw', '-L2hyT_QLOxh1h23mEoFw']) {
      const id = migrationId({}, clusterId, 'efffc490-3', STARTED);

      expect(validateConfig({ ...ID_DOC, migration_id: id }, {}).migration_id).toBe(id);
      expect(parseCopierEnv(copierEnv(id)).migrationId).toBe(id);
      const key = segmentKey(id, { topic: 'orders', partition: 3 }, 0n, 9n);
      expect(parseSegmentKey(key)?.migrationId).toBe(id);
    }
  });

  it('still refuses an id starting with "." or holding a "/"', () => {
    for (const bad of ['.hidden', 'a/b']) {
      expect(() => parseCopierEnv(copierEnv(bad))).toThrow(
        /KRAFT_MIGRATE_MIGRATION_ID expected letters, digits/,
      );
      expect(() => validateConfig({ ...ID_DOC, migration_id: bad }, {})).toThrow(/migration_id/);
    }
  });
});
