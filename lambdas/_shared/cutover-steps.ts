import { finalDrain, logStartGuard, placeSentinels, translateOffsets } from '../../core/app/cutover/index.ts';
import type { CutoverSteps } from '../../core/ports.ts';

/**
 * The one place where the cutover steps after the verified freeze (sentinels, final drain, offset
 * translation + commit, log-start guard: core/app/cutover/index.ts) are wired into the handlers,
 * for AWS and the local runner alike. Tests of the freeze flow inject their own (test/it/cli/cutover.test.ts).
 */
export const CUTOVER_STEPS: CutoverSteps = { placeSentinels, finalDrain, translateOffsets, logStartGuard };
