import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { freezeServiceFor } from '../../core/adapters/freeze-webhook.ts';
import { AwsSecretsReader } from '../../core/adapters/secrets.ts';
import { STATE_NAMES } from '../../core/domain/workflow.ts';
import { adapterCache } from '../../lambdas/_shared/adapters.ts';
import { type CutoverHandlerDeps, createCutoverHandlers } from '../../lambdas/_shared/cutover.ts';
import { CUTOVER_STEPS } from '../../lambdas/_shared/cutover-steps.ts';
import { handler as awaitCutoverApproval } from '../../lambdas/await-cutover-approval/handler.ts';
import { handler as checkDrain } from '../../lambdas/check-drain/handler.ts';
import { createCopyTopologyHandler } from '../../lambdas/copy-topology/handler.ts';
import { handler as precheck } from '../../lambdas/precheck/handler.ts';
import { handler as recordFailure } from '../../lambdas/record-failure/handler.ts';
import { handler as signEvidence } from '../../lambdas/sign-evidence/handler.ts';
import { handler as validate } from '../../lambdas/validate/handler.ts';
import { handler as validateInput } from '../../lambdas/validate-input/handler.ts';
import { sendTaskFailure, sendTaskSuccess } from './broker-client.ts';
import type { TaskHandlers } from './local-runner.ts';
import { resolveStateDir } from './state-dir.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Every Task state of the workflow mapped to the code AWS runs for it: the same Lambda handlers
 * (called in-process) and, for the ECS tasks, the copier entry point as a child process with the
 * container's environment (the task's ContainerOverrides). The local runner is the one place
 * where the CLI imports lambdas/: it plays the Lambda service.
 */
export interface LocalHandlerOptions {
  /** The runner's state dir: handlers answer their own task tokens through its broker. */
  readonly stateDir?: string;
  /** Replaces parts of the cutover handlers' dependencies (tests: a short VerifyFreeze window). */
  readonly cutover?: Partial<CutoverHandlerDeps>;
}

/** The cutover handlers' dependencies in the local runner: the broker answers task tokens. */
export function localCutoverDeps(stateDir: string, overrides: Partial<CutoverHandlerDeps> = {}) {
  const secrets = new AwsSecretsReader();
  return (): CutoverHandlerDeps => ({
    adaptersFor: adapterCache(),
    taskTokens: {
      sendSuccess: async (token, output) => {
        await sendTaskSuccess(stateDir, token, output);
      },
      sendFailure: async (token, error, cause) => {
        await sendTaskFailure(stateDir, token, error, cause);
      },
    },
    freezeServiceFor: (config) => freezeServiceFor(config.cutover, secrets),
    steps: CUTOVER_STEPS,
    ...overrides,
  });
}

export function localHandlers(
  env: NodeJS.ProcessEnv = process.env,
  options: LocalHandlerOptions = {},
): TaskHandlers {
  const cutover = createCutoverHandlers(
    localCutoverDeps(options.stateDir ?? resolveStateDir(undefined, env), options.cutover),
  );
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
    [STATE_NAMES.validate]: validate,
    [STATE_NAMES.signEvidence]: signEvidence,
    [STATE_NAMES.precheck]: precheck,
    [STATE_NAMES.recordFailure]: recordFailure,
    [STATE_NAMES.copyTopology]: createCopyTopologyHandler({ defaultCopierLimit: localCopierLimit() }),
    [STATE_NAMES.checkDrain]: checkDrain,
    [STATE_NAMES.awaitCutoverApproval]: awaitCutoverApproval,
    ...cutover,
    [STATE_NAMES.seedShard]: copier,
    [STATE_NAMES.startTail]: copier,
    [STATE_NAMES.restartTail]: copier,
  };
}

/**
 * The default `seed.copiers` of a local execution is at most one copier per two CPUs (at least one):
 * in AWS every copier is a Fargate task with its own CPUs, here they are processes sharing the
 * machine with both brokers and the S3 emulator, and each pays its start-up (about 1.3 CPU-s) on the
 * same cores. Measured at 1,000 partitions on 2 CPUs (docs/performance.md, "The seed at width"): one
 * copier seeds faster than two, and far faster than the 16 of the AWS default.
 */
export function localCopierLimit(cpus: number = availableParallelism()): number {
  return Math.max(1, Math.floor(cpus / 2));
}

function pick(env: NodeJS.ProcessEnv, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (env[k] !== undefined) out[k] = env[k] as string;
  return out;
}
