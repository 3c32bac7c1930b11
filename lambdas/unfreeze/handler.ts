import { STATE_NAMES } from '../../core/domain/workflow.ts';
import { awsCutoverDeps, createCutoverHandlers } from '../_shared/cutover.ts';

/** Unfreeze: see lambdas/_shared/cutover.ts and core/app/freeze.ts (docs/cutover.md). */
export const handler = createCutoverHandlers(awsCutoverDeps)[STATE_NAMES.unfreeze];
