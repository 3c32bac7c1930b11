/**
 * What the measure scripts (measure-width.ts, measure-cutover.ts) share: the local stack's
 * addresses (overridable by KRAFT_MIGRATE_SOURCE / _TARGET / _S3_ENDPOINT), the environment of the
 * CLI and copier processes they start, their option parsing, clients of the stack, and the load.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

/** A copier process (`node fargate-copier/main.ts`) started by a measure script. */
export interface CopierProcess {
  readonly child: ChildProcess;
  /** The copier's JSON log lines whose `event` is `resources` or `copier_started`. */
  readonly lines: Record<string, unknown>[];
  readonly exited: Promise<number | null>;
  readonly stderr: () => string;
  /** The process's VmHWM (peak RSS, bytes) as last read from /proc, polled every 250 ms until exit. */
  readonly peakRssBytes: () => number;
}

/** Starts a copier with `env`; `onWarn` gets its warn lines (the first 10,000). */
export function startCopierProcess(env: NodeJS.ProcessEnv, onWarn?: (line: string) => void): CopierProcess {
  const child = spawn(process.execPath, ['fargate-copier/main.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let partial = '';
  let err = '';
  let warned = 0;
  child.stdout!.on('data', (c: Buffer) => {
    const parts = (partial + c.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    for (const l of parts) {
      try {
        const parsed = JSON.parse(l) as Record<string, unknown>;
        if (parsed['event'] === 'resources' || parsed['event'] === 'copier_started') lines.push(parsed);
        if (parsed['level'] === 'warn' && onWarn && warned++ < 10_000) onWarn(l.slice(0, 300));
      } catch {}
    }
  });
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  let peak = 0;
  const poll = setInterval(() => {
    try {
      peak = Math.max(peak, procStats(child.pid!).hwm);
    } catch {} // exited between two polls
  }, 250);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      clearInterval(poll);
      resolve(code);
    }),
  );
  return { child, lines, exited, stderr: () => err, peakRssBytes: () => peak };
}

/** utime+stime (clock ticks → ms) and VmRSS / VmHWM (bytes) of a process, from /proc. */
export function procStats(pid: number): { cpuMs: number; rss: number; hwm: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return { cpuMs: ticks * 10, rss: kb('VmRSS'), hwm: kb('VmHWM') };
}
