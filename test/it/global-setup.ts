/**
 * vitest globalSetup of the `it` project: makes sure the local stack is up (scripts/stack/up.sh is
 * a no-op for services already running). The stack is left running afterwards so repeated local
 * runs stay fast; set KRAFT_MIGRATE_STACK_DOWN=1 (e.g. in CI) to stop it after the run.
 */
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from './stack-control.ts';

function run(script: string): void {
  const result = spawnSync('bash', [`scripts/stack/${script}`], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) {
    throw new Error(
      `scripts/stack/${script} failed (exit ${result.status ?? result.signal}): see .local/stack/logs/`,
    );
  }
}

export default function setup(): () => void {
  run('up.sh');
  return () => {
    if (process.env.KRAFT_MIGRATE_STACK_DOWN === '1') run('down.sh');
  };
}
