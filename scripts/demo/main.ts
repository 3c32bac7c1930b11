/**
 * The local demo (npm run demo). Today it covers the foundation: realistic source data, then the
 * two read-only questions an operator asks first — plan and precheck — through the real CLI
 * against the real local clusters and S3 emulator. Copying, cutover, validation and evidence join
 * as they land.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Kafka, logLevel } from 'kafkajs';
import { processIO } from '../../cli/io.ts';
import { run } from '../../cli/main.ts';
import { ensureSourceData } from './source-data.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const CONFIG = join(ROOT, 'examples/local.yaml');
const OUT = join(ROOT, '.local/demo');

const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: process.env['AWS_ACCESS_KEY_ID'] ?? 'test',
  AWS_SECRET_ACCESS_KEY: process.env['AWS_SECRET_ACCESS_KEY'] ?? 'test',
  AWS_REGION: process.env['AWS_REGION'] ?? 'us-east-1',
};
const io = { ...processIO(), env };
const say = (line: string) => process.stdout.write(`${line}\n`);

async function ensureBuckets(): Promise<void> {
  const s3 = new S3Client({
    endpoint: 'http://127.0.0.1:24566',
    region: env.AWS_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  });
  for (const [bucket, objectLock] of [
    ['kraft-migrate-segments', false],
    ['kraft-migrate-evidence', true],
  ] as const) {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
      say(`  s3://${bucket}: exists`);
    } catch {
      await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: objectLock }));
      say(`  s3://${bucket}: created${objectLock ? ' with Object Lock' : ''}`);
    }
  }
}

async function main(): Promise<number> {
  await mkdir(OUT, { recursive: true });
  say('\n== 1. buckets on the S3 emulator');
  await ensureBuckets();
  say('\n== 2. source data (Kafka 3.9, ZooKeeper mode)');
  await ensureSourceData(
    new Kafka({ brokers: ['127.0.0.1:19092'], clientId: 'demo', logLevel: logLevel.NOTHING }),
    say,
  );

  say('\n== 3. kraft-migrate plan --format all');
  const planCode = await run(
    ['plan', '--config', CONFIG, '--format', 'all', '--out-dir', join(OUT, 'plan')],
    io,
  );

  say('\n== 4. kraft-migrate precheck');
  const precheckCode = await run(['precheck', '--config', CONFIG], io);

  say('\n== summary');
  say(`  plan:     ${planCode === 0 ? 'written' : `failed (exit ${planCode})`} → ${join(OUT, 'plan')}`);
  say(`  precheck: ${precheckCode === 0 ? 'PASSED (no blockers)' : `BLOCKED (exit ${precheckCode})`}`);
  say('  This demo covers plan and precheck on the local stack. Copying (seed, tail), cutover,');
  say('  offset translation, validation and signed evidence are not built yet (see the open issues).');
  return planCode === 0 && precheckCode === 0 ? 0 : 1;
}

process.exitCode = await main();
