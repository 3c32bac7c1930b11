/**
 * kraft-migrate precheck against the real local stack: a healthy pair passes, and every blocker and
 * warning that can be provoked on one machine is provoked for real and detected.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, PrecheckResult } from '../../../core/domain/precheck/types.ts';
import { cli } from '../cli-run.ts';
import {
  commitGroupOffset,
  createBucket,
  createTopics,
  kafka,
  produce,
  produceTransactional,
  stackConfig,
  tempDir,
  writeConfig,
  writeSigningKey,
} from '../fixtures.ts';
import { STACK, uniqueName } from '../stack.ts';
import { startBroker, stopBroker } from '../stack-control.ts';

let dir: string;
let segments: string;
let lockedEvidence: string;
let plainEvidence: string;
let signingKey: string;

beforeAll(async () => {
  dir = await tempDir();
  [segments, lockedEvidence, plainEvidence] = await Promise.all([
    createBucket(),
    createBucket({ objectLock: true }),
    createBucket(),
  ]);
  signingKey = await writeSigningKey(dir);
});

interface Run {
  readonly code: number;
  readonly result: PrecheckResult & { migration_id: string | null };
  readonly codes: string[];
  find(code: string): Finding | undefined;
}

/** A config selecting only topics and groups under `prefix`, healthy unless overridden. */
function healthy(prefix: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return stackConfig({
    topics: { include: [`${prefix}\\..*`] },
    groups: { include: [`${prefix}-.*`] },
    storage: { segments: `s3://${segments}/seeds`, evidence: `s3://${lockedEvidence}/ev` },
    evidence: { signing_key_path: signingKey, retention: '1d' },
    ...overrides,
  });
}

async function precheck(config: Record<string, unknown>, extra: string[] = []): Promise<Run> {
  const path = await writeConfig(dir, config);
  const { code, stdout, stderr } = await cli(['precheck', '--config', path, '--json', ...extra]);
  expect(stderr).not.toMatch(/Internal error/);
  const result = JSON.parse(stdout) as Run['result'];
  const codes = result.findings.map((f) => f.code);
  return { code, result, codes, find: (c) => result.findings.find((f) => f.code === c) };
}

describe('precheck on a healthy pair', () => {
  it('passes with exit code 0, reports the estimate and a migration id from both cluster ids', async () => {
    const p = uniqueName('healthy');
    await createTopics('source', [{ name: `${p}.orders`, partitions: 3 }]);
    await produce('source', `${p}.orders`, 30, 3);
    await commitGroupOffset(`${p}-billing`, `${p}.orders`, 0, '5');

    const run = await precheck(healthy(p));

    expect(run.result.findings.filter((f) => f.severity === 'blocker')).toEqual([]);
    expect(run.result.overall).toBe('PASSED');
    expect(run.code).toBe(0);
    expect(run.result.counts.blocker).toBe(0);
    expect(run.codes).toContain('I03');
    expect(run.find('I03')?.message).toContain('30 record(s) in 3 partition(s) of 1 topic(s)');
    expect(run.codes).toContain('I02');
    expect(run.codes).not.toContain('W09');
    expect(run.result.migration_id).toMatch(/^[\w-]+--[\w-]+--\d{8}T\d{6}Z$/);
  });

  it('prints a table for people and says the overall result', async () => {
    const path = await writeConfig(dir, healthy(uniqueName('table')));
    const { code, stdout } = await cli(['precheck', '--config', path]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/│ code\s+│ severity\s+│ subject/);
    expect(stdout).toMatch(/^precheck PASSED: 0 blocker\(s\)/m);
  });
});

describe('precheck blockers provoked for real', () => {
  it('B13: a target topic of the same name already holds data', async () => {
    const p = uniqueName('b13');
    await createTopics('source', [{ name: `${p}.t` }]);
    await createTopics('target', [{ name: `${p}.t` }]);
    await produce('target', `${p}.t`, 3);
    const run = await precheck(healthy(p));
    expect(run.code).toBe(1);
    expect(run.result.overall).toBe('BLOCKED');
    expect(run.find('B13')?.subject).toBe(`${p}.t`);
  });

  it('B14: a target topic exists with fewer partitions than the source', async () => {
    const p = uniqueName('b14');
    await createTopics('source', [{ name: `${p}.t`, partitions: 4 }]);
    await createTopics('target', [{ name: `${p}.t`, partitions: 2 }]);
    const run = await precheck(healthy(p));
    expect(run.find('B14')?.subject).toBe(`${p}.t`);
    expect(run.find('B14')?.message).toMatch(/2.*4|4.*2/);
    expect(run.codes).not.toContain('B13');
  });

  it('B11: a source topic accepts larger messages than the target broker', async () => {
    const p = uniqueName('b11');
    await createTopics('source', [{ name: `${p}.big`, configs: { 'max.message.bytes': '5242880' } }]);
    const run = await precheck(healthy(p));
    expect(run.find('B11')?.message).toMatch(/5,?242,?880/);
    expect(run.codes).toContain('B12');
  });

  it('B07 and B08: buckets that do not exist', async () => {
    const run = await precheck(
      healthy(uniqueName('b07'), {
        storage: { segments: 's3://km-missing-segments-zz/x', evidence: 's3://km-missing-evidence-zz/y' },
      }),
    );
    expect(run.find('B07')?.subject).toBe('s3://km-missing-segments-zz/x');
    expect(run.find('B08')?.subject).toBe('s3://km-missing-evidence-zz/y');
  });

  it('B16: evidence.retention without Object Lock on the evidence bucket', async () => {
    const run = await precheck(
      healthy(uniqueName('b16'), {
        storage: { segments: `s3://${segments}/s`, evidence: `s3://${plainEvidence}/e` },
      }),
    );
    expect(run.find('B16')?.message).toContain('Object Lock');
    expect(run.codes).not.toContain('B08');
  });

  it('B17: a signing key path that does not exist, and a key that is not Ed25519', async () => {
    const missing = await precheck(
      healthy(uniqueName('b17'), { evidence: { signing_key_path: `${dir}/nope.pem` } }),
    );
    expect(missing.find('B17')?.message).toBe(`signing key not found at path: ${dir}/nope.pem`);
    const rsa = await precheck(
      healthy(uniqueName('b17'), { evidence: { signing_key_path: await writeSigningKey(dir, 'rsa') } }),
    );
    expect(rsa.find('B17')?.message).toMatch(/rsa/i);
  });

  it('B03/B04/B05: the modes are read from the clusters themselves', async () => {
    const swapped = await precheck(
      healthy(uniqueName('modes'), {
        source: { bootstrap_servers: [STACK.target] },
        target: { bootstrap_servers: [STACK.source] },
      }),
    );
    expect(swapped.codes).toEqual(expect.arrayContaining(['B03', 'B04']));
    const same = await precheck(
      healthy(uniqueName('same'), { target: { bootstrap_servers: [STACK.source] } }),
    );
    expect(same.codes).toContain('B05');
  });

  it('KRaft → KRaft is allowed with --allow-kraft-source', async () => {
    const config = healthy(uniqueName('k2k'), { source: { bootstrap_servers: [STACK.target] } });
    const run = await precheck(config, ['--allow-kraft-source']);
    expect(run.codes).not.toContain('B03');
  });

  it('B01: an invalid config is a blocker finding naming the key, not a crash', async () => {
    const run = await precheck({ ...healthy('x'), seed: { max_concurrent_partitons: 3 } });
    expect(run.code).toBe(1);
    expect(run.find('B01')?.message).toContain('did you mean "max_concurrent_partitions"?');
  });
});

describe('precheck with a stopped broker', () => {
  afterAll(async () => {
    await startBroker('source');
    await startBroker('target');
  });

  it('B09: source brokers unreachable', async () => {
    await stopBroker('source');
    try {
      const run = await precheck(healthy(uniqueName('b09')));
      expect(run.find('B09')?.message).toContain(STACK.source);
      expect(run.codes).not.toContain('B10');
    } finally {
      await startBroker('source');
    }
  });

  it('B10: target brokers unreachable', async () => {
    await stopBroker('target');
    try {
      const run = await precheck(healthy(uniqueName('b10')));
      expect(run.find('B10')?.message).toContain(STACK.target);
      expect(run.codes).not.toContain('B09');
    } finally {
      await startBroker('target');
    }
  });
});

describe('precheck warnings provoked for real', () => {
  it('W07 compacted topic, W06 transactional data; W08 only for the partition holding month-old CreateTime records', async () => {
    const p = uniqueName('warn');
    // segment.ms of 90 days: the source keeps the old records in the segment the fresh ones are
    // appended to (its largest timestamp is fresh), so only the target's retention is at issue
    const keep = { 'retention.ms': '604800000', 'segment.ms': '7776000000' };
    await createTopics('source', [
      { name: `${p}.compacted`, configs: { 'cleanup.policy': 'compact' } },
      { name: `${p}.tx` },
      { name: `${p}.events`, partitions: 2, configs: { ...keep, 'message.timestamp.type': 'CreateTime' } },
      { name: `${p}.fresh`, configs: keep },
      { name: `${p}.forever`, configs: { 'retention.ms': '-1' } },
    ]);
    const monthAgo = Date.now() - 30 * 86_400_000;
    const producer = kafka('source').producer();
    await producer.connect();
    try {
      // one batch of month-old records at the log start of events/0, then fresh ones behind them
      await producer.send({
        topic: `${p}.events`,
        messages: [0, 1, 2].map((i) => ({
          partition: 0,
          value: `old-${i}`,
          timestamp: String(monthAgo + i),
        })),
      });
      for (const topic of [`${p}.events`, `${p}.fresh`, `${p}.forever`]) {
        await producer.send({
          topic,
          messages: [0, 1].map((partition) => ({
            partition: topic.endsWith('.events') ? partition : 0,
            value: 'now',
          })),
        });
      }
      await producer.send({
        topic: `${p}.forever`,
        messages: [{ value: 'old', timestamp: String(monthAgo) }],
      });
    } finally {
      await producer.disconnect();
    }
    await produceTransactional('source', `${p}.tx`);
    await produce('source', `${p}.compacted`, 5);
    const run = await precheck(healthy(p));
    expect(run.find('W07')?.subject).toBe(`${p}.compacted`);
    expect(run.find('W06')?.message).toContain(`${p}.tx`);
    const w08 = run.result.findings.filter((f) => f.code === 'W08');
    expect(w08.map((f) => f.subject)).toEqual([`${p}.events`]);
    expect(w08[0]?.message).toContain(
      `partition(s) 0 (oldest record ${new Date(monthAgo + 2).toISOString()}) hold records older than the target's retention.ms=604800000 (7d)`,
    );
    expect(w08[0]?.fix).toMatch(/to at least \d+ \(30d \d+h\)/);
    expect(run.result.findings.filter((f) => f.severity === 'blocker')).toEqual([]);
  });

  it('W02: a consumer group with active members on the source', async () => {
    const p = uniqueName('w02');
    await createTopics('source', [{ name: `${p}.t` }]);
    const consumer = new Kafka({ brokers: [STACK.source], logLevel: logLevel.NOTHING }).consumer({
      groupId: `${p}-live`,
    });
    await consumer.connect();
    await consumer.subscribe({ topic: `${p}.t`, fromBeginning: true });
    let joined!: () => void;
    const isJoined = new Promise<void>((r) => {
      joined = r;
    });
    consumer.on(consumer.events.GROUP_JOIN, () => joined());
    await consumer.run({ eachMessage: async () => {} });
    await isJoined;
    try {
      const run = await precheck(healthy(p));
      expect(run.find('W02')?.subject).toBe(`${p}-live`);
    } finally {
      await consumer.disconnect();
    }
  });

  it('W09: no signing key configured means the demo key', async () => {
    const run = await precheck(healthy(uniqueName('w09'), { evidence: {} }));
    expect(run.codes).toContain('W09');
  });
});
