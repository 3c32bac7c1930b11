/**
 * Test helpers that drive the local stack started by scripts/stack/up.sh: stop and start one
 * Kafka broker (for "broker unreachable" prechecks) and clear the S3 emulator.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { STACK } from './stack.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type BrokerRole = 'source' | 'target';

/** Runs a script of scripts/stack; on failure the error carries the script's output. */
export async function runStackScript(script: string, args: readonly string[] = []): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('bash', [`scripts/stack/${script}`, ...args], {
      cwd: REPO_ROOT,
      timeout: 180_000,
    });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    const output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    throw new Error(`scripts/stack/${script} ${args.join(' ')} failed: ${e.message}\n${output}`, {
      cause: err,
    });
  }
}

/** Stops one broker by its PID (graceful, KILL after a grace period); its data is kept. */
export async function stopBroker(role: BrokerRole): Promise<void> {
  await runStackScript('broker.sh', ['stop', role]);
}

/** Starts one broker again on its existing data and resolves once it answers Kafka requests. */
export async function startBroker(role: BrokerRole): Promise<void> {
  await runStackScript('broker.sh', ['start', role]);
}

/** Deletes every bucket and object in the S3 emulator (moto's POST /moto-api/reset). */
export async function resetS3(): Promise<void> {
  const res = await fetch(`${STACK.s3Endpoint}/moto-api/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`moto reset answered HTTP ${res.status}: is the stack up (npm run stack:up)?`);
}
