import { InvariantError } from '../../core/domain/errors.ts';
import type { CutoverSteps } from '../../core/ports.ts';

/**
 * The one place where the cutover steps after the verified freeze (sentinels, final drain, offset
 * translation + commit, log-start guard) are wired in, for AWS and the local runner alike.
 *
 * LEAD, AT MERGE: core/app/cutover/index.ts (branch cutover-offsets) provides them. Replace the
 * body of this file below the imports with:
 *
 *   import { finalDrain, logStartGuard, placeSentinels, translateOffsets } from '../../core/app/cutover/index.ts';
 *   export const CUTOVER_STEPS: CutoverSteps = { placeSentinels, finalDrain, translateOffsets, logStartGuard };
 *
 * Until then every step fails with an InvariantError that says so (the ASL's Catch unfreezes the
 * producers and journals `failed`): nothing pretends to have placed sentinels or committed offsets.
 */
const notMerged = (name: string) => async (): Promise<never> => {
  throw new InvariantError(
    `cutover step ${name} is not built into this kraft-migrate yet (core/app/cutover)`,
    {
      code: 'CUTOVER_STEP_MISSING',
      fix: 'Use a kraft-migrate build that includes core/app/cutover; producers were unfrozen.',
    },
  );
};

export const CUTOVER_STEPS: CutoverSteps = {
  placeSentinels: notMerged('placeSentinels'),
  finalDrain: notMerged('finalDrain'),
  translateOffsets: notMerged('translateOffsets'),
  logStartGuard: notMerged('logStartGuard'),
};
