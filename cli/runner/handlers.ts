import { STATE_NAMES } from '../../core/domain/workflow.ts';
import { handler as precheck } from '../../lambdas/precheck/handler.ts';
import { handler as recordFailure } from '../../lambdas/record-failure/handler.ts';
import { handler as validateInput } from '../../lambdas/validate-input/handler.ts';
import type { TaskHandlers } from './local-runner.ts';

/**
 * Every Task state of the workflow mapped to the code AWS runs for it: the same Lambda handlers
 * (called in-process) and, for ECS tasks, the copier entry point as a child process. The local
 * runner is the one place where the CLI imports lambdas/: it plays the Lambda service.
 */
export function localHandlers(): TaskHandlers {
  return {
    [STATE_NAMES.validateInput]: validateInput,
    [STATE_NAMES.precheck]: precheck,
    [STATE_NAMES.recordFailure]: recordFailure,
  };
}
