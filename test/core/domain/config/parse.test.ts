import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../../core/domain/config/duration.ts';
import { parseConfigText, redactConfig, validateConfig } from '../../../../core/domain/config/parse.ts';
import { InvalidInputError } from '../../../../core/domain/errors.ts';

const MINIMAL = `
source: {bootstrap_servers: ["127.0.0.1:19092"]}
target: {bootstrap_servers: ["127.0.0.1:29092"]}
storage: {segments: "s3://seg-bucket/seeds", evidence: "s3://evidence-bucket"}
`;

function errorOf(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return e as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError, nothing was thrown');
}

describe('config defaults', () => {
  it('fills every default of SPEC §3 for a minimal config', () => {
    const c = parseConfigText(MINIMAL, {});
    expect(c.topics).toEqual({ include: ['.*'], exclude: [] });
    expect(c.groups).toEqual({ include: ['.*'], exclude: [] });
    expect(c.seed).toEqual({
      max_concurrent_partitions: 4,
      segment_max_bytes: 33554432,
      isolation_level: 'read_committed',
    });
    expect(c.topology).toEqual({ on_config_drift: 'overwrite_with_source', acls: 'merge' });
    expect(c.cutover).toEqual({
      auto_approve: false,
      drain_timeout: '30m',
      drain_max_partition_lag: 100,
      drain_stable_window: '30s',
      max_producer_freeze: '60s',
    });
    expect(c.validation).toEqual({ count_tolerance: 1, spot_check_records_per_partition: 3 });
    expect(c.source.auth.mode).toBe('none');
    expect(c.evidence).toEqual({});
  });

  it('accepts JSON as well as YAML', () => {
    const json = JSON.stringify({
      source: {
        cluster_arn: 'arn:aws:kafka:eu-west-2:123456789012:cluster/src/abc-1',
        auth: { mode: 'iam' },
      },
      target: { bootstrap_servers: ['b-1.tgt:9098'], auth: { mode: 'iam' } },
      storage: { segments: 's3://seg-bucket', evidence: 's3://ev-bucket/x' },
      evidence: { retention: '7y' },
    });
    const c = parseConfigText(json, {});
    expect(c.source.cluster_arn).toContain('cluster/src');
    expect(c.evidence.retention).toBe('7y');
  });
});

describe('config errors', () => {
  it('names the nearest valid key for a misspelt top-level key', () => {
    const e = errorOf(() => parseConfigText(`${MINIMAL}\ncutovr: {auto_approve: true}\n`, {}));
    expect(e.message).toContain('cutovr: unknown key "cutovr" — did you mean "cutover"?');
    expect(e.fix).toContain('docs/configuration.md');
  });

  it('names the nearest valid key for a misspelt nested key', () => {
    const e = errorOf(() => parseConfigText(`${MINIMAL}\nseed: {max_concurent_partitions: 8}\n`, {}));
    expect(e.message).toContain(
      'seed.max_concurent_partitions: unknown key "max_concurent_partitions" — did you mean "max_concurrent_partitions"?',
    );
  });

  it('lists the valid keys when nothing is close', () => {
    const e = errorOf(() => parseConfigText(`${MINIMAL}\nvalidation: {zzzzzzzzzzzz: 1}\n`, {}));
    expect(e.message).toContain('valid keys here: count_tolerance, spot_check_records_per_partition');
  });

  it('gives path, value and what is allowed for a bad duration', () => {
    const e = errorOf(() => parseConfigText(`${MINIMAL}\ncutover: {drain_timeout: "half an hour"}\n`, {}));
    expect(e.message).toContain(
      'cutover.drain_timeout: expected a duration such as 500ms, 30s, 30m, 2h, 7d or 7y (got "half an hour")',
    );
  });

  it('gives path, value and the allowed values for a bad enum', () => {
    const e = errorOf(() => parseConfigText(`${MINIMAL}\ntopology: {on_config_drift: ignore}\n`, {}));
    expect(e.message).toMatch(
      /topology\.on_config_drift: .*overwrite_with_source.*keep_target.*fail.* \(got "ignore"\)/,
    );
  });

  it('reports a missing required section', () => {
    const e = errorOf(() =>
      parseConfigText('source: {bootstrap_servers: ["a:1"]}\ntarget: {bootstrap_servers: ["b:1"]}\n', {}),
    );
    expect(e.message).toContain('storage: required, missing');
  });

  it('requires cluster_arn or bootstrap_servers', () => {
    const e = errorOf(() =>
      parseConfigText(MINIMAL.replace('{bootstrap_servers: ["127.0.0.1:19092"]}', '{}'), {}),
    );
    expect(e.message).toContain('source: give cluster_arn or bootstrap_servers (or both)');
  });

  it('requires credentials for SCRAM', () => {
    const text = MINIMAL.replace('["127.0.0.1:19092"]}', '["127.0.0.1:19092"], auth: {mode: scram-sha-512}}');
    expect(errorOf(() => parseConfigText(text, {})).message).toContain(
      'needs username and password, or secret_arn',
    );
  });

  it('rejects a malformed bootstrap server and bucket URL', () => {
    const text = MINIMAL.replace('"127.0.0.1:19092"', '"no-port"').replace(
      's3://seg-bucket/seeds',
      'seg-bucket',
    );
    const e = errorOf(() => parseConfigText(text, {}));
    expect(e.message).toContain('source.bootstrap_servers[0]: expected host:port');
    expect(e.message).toContain(
      'storage.segments: expected s3://bucket or s3://bucket/prefix (got "seg-bucket")',
    );
  });

  it('reports YAML syntax errors without a stack trace', () => {
    const e = errorOf(() => parseConfigText('source: [', {}, 'my.yaml'));
    expect(e.message).toMatch(/^my\.yaml is not valid YAML or JSON: /);
    expect(e.message).not.toContain('    at ');
  });

  it('refuses a document that is not a mapping', () => {
    expect(errorOf(() => validateConfig(['a'], {})).message).toContain('must be a mapping');
  });
});

describe('environment interpolation', () => {
  it('replaces ${NAME} and applies ${NAME:-default}', () => {
    const text = MINIMAL.replace('"127.0.0.1:19092"', '"${SRC}"').replace(
      '"127.0.0.1:29092"',
      '"${TGT:-127.0.0.1:29092}"',
    );
    const c = parseConfigText(text, { SRC: '10.0.0.1:9092' });
    expect(c.source.bootstrap_servers).toEqual(['10.0.0.1:9092']);
    expect(c.target.bootstrap_servers).toEqual(['127.0.0.1:29092']);
  });

  it('names the missing variable and where it is used', () => {
    const text = MINIMAL.replace(
      '["127.0.0.1:19092"]}',
      '["127.0.0.1:19092"], auth: {mode: scram-sha-512, username: u, password: "${SRC_PASSWORD}"}}',
    );
    const e = errorOf(() => parseConfigText(text, {}));
    expect(e.message).toBe('config source.auth.password: environment variable SRC_PASSWORD is not set');
  });

  it('never quotes a secret back in an error, even a wrong one', () => {
    const text = `${MINIMAL}cutover: {producer_freeze_webhook_secret: 12345678}\n`;
    const e = errorOf(() => parseConfigText(text, {}));
    expect(e.message).toContain('cutover.producer_freeze_webhook_secret: expected string');
    expect(e.message).toContain('(got a value not shown)');
    expect(e.message).not.toContain('12345678');
  });

  it('redacts passwords and webhook secrets', () => {
    const text = `${MINIMAL.replace('["127.0.0.1:19092"]}', '["127.0.0.1:19092"], auth: {mode: scram-sha-512, username: u, password: "${P}"}}')}cutover: {producer_freeze_webhook_secret: s3cr3t}\n`;
    const redacted = JSON.stringify(redactConfig(parseConfigText(text, { P: 'hunter2' })));
    expect(redacted).not.toContain('hunter2');
    expect(redacted).not.toContain('s3cr3t');
  });
});

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['7y', 7 * 365 * 86_400_000],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)?.ms).toBe(ms);
  });

  it.each(['', '30', 'm30', '1.5h', '30 min', '-1s'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats the way the troubleshooting page prints durations', () => {
    expect(formatDuration(1_800_000)).toBe('30m');
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(90_500)).toBe('91s');
  });
});

describe('shipped examples', () => {
  it.each(['examples/local.yaml', 'examples/msk-iam.yaml'])('%s validates', async (file) => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(new URL(`../../../../${file}`, import.meta.url), 'utf8');
    expect(() => parseConfigText(text, {}, file)).not.toThrow();
  });
});
