import { fileURLToPath } from 'node:url';
import { STATE_NAMES } from '../../core/domain/workflow.ts';
import { handler as awaitCutoverApproval } from '../../lambdas/await-cutover-approval/handler.ts';
import { handler as checkDrain } from '../../lambdas/check-drain/handler.ts';
import { handler as copyTopology } from '../../lambdas/copy-topology/handler.ts';
import { handler as precheck } from '../../lambdas/precheck/handler.ts';
import { handler as recordFailure } from '../../lambdas/record-failure/handler.ts';
import { handler as validateInput } from '../../lambdas/validate-input/handler.ts';
import type { TaskHandlers } from './local-runner.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Every Task state of the workflow mapped to the code AWS runs for it: the same Lambda handlers
 * (called in-process) and, for the ECS tasks, the copier entry point as a child process with the
 * container's environment (the task's ContainerOverrides). The local runner is the one place
 * where the CLI imports lambdas/: it plays the Lambda service.
 */
export function localHandlers(env: NodeJS.ProcessEnv = process.env): TaskHandlers {
  const copier = {
    kind: 'container' as const,
    command: [process.execPath, 'fargate-copier/main.ts'],
    cwd: REPO_ROOT,
    env: pick(env, [
      'PATH',
      'HOME',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_REGION',
      'AWS_PROFILE',
    ]),
  };
  return {
    [STATE_NAMES.validateInput]: validateInput,
    [STATE_NAMES.precheck]: precheck,
    [STATE_NAMES.recordFailure]: recordFailure,
    [STATE_NAMES.copyTopology]: copyTopology,
    [STATE_NAMES.checkDrain]: checkDrain,
    [STATE_NAMES.awaitCutoverApproval]: awaitCutoverApproval,
    [STATE_NAMES.seedShard]: copier,
    [STATE_NAMES.startTail]: copier,
    [STATE_NAMES.restartTail]: copier,
  };
}

function pick(env: NodeJS.ProcessEnv, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (env[k] !== undefined) out[k] = env[k] as string;
  return out;
}
