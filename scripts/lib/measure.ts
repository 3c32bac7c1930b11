/**
 * What the measure scripts (measure-width.ts, measure-cutover.ts) share: the local stack's
 * addresses (overridable by KRAFT_MIGRATE_SOURCE / _TARGET / _S3_ENDPOINT), the environment of the
 * CLI and copier processes they start, their option parsing, clients of the stack, and the load.
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import kafkajs from 'kafkajs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const STACK = {
  source: process.env['KRAFT_MIGRATE_SOURCE'] ?? '127.0.0.1:19092',
  target: process.env['KRAFT_MIGRATE_TARGET'] ?? '127.0.0.1:29092',
  s3Endpoint: process.env['KRAFT_MIGRATE_S3_ENDPOINT'] ?? 'http://127.0.0.1:24566',
  region: 'us-east-1',
} as const;
/** Environment of a CLI or copier process against the stack (moto accepts any credentials). */
export const ENV: NodeJS.ProcessEnv = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: STACK.region,
};

/** The value after `--name`, or `fallback`. */
export function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

/** `--name` as an integer ≥ min; anything else exits 2 naming the option. */
export function positive(name: string, fallback: number, min = 1): number {
  const raw = option(name, String(fallback));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`--${name} must be an integer ≥ ${min} (got ${raw})\n`);
    process.exit(2);
  }
  return n;
}

export function stackKafka(role: 'source' | 'target', clientId: string): kafkajs.Kafka {
  return new kafkajs.Kafka({ brokers: [STACK[role]], clientId, logLevel: kafkajs.logLevel.NOTHING });
}

export function stackS3(): S3Client {
  return new S3Client({
    endpoint: STACK.s3Endpoint,
    region: STACK.region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

/** The load averages (1, 5, 15 min), for the figures' context. */
export function load(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}
