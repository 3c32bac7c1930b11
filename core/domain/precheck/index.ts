/** The precheck: pure rules over a gathered PrecheckSnapshot. */
export { isPrecheckCode, PRECHECK_CODES, type PrecheckCode, RULE_ERROR_CODE } from './codes.ts';
export { ALL_RULES, runPrecheck, summaryLine } from './engine.ts';
export { DEFAULT_RECORD_BYTES, estimateSeed, type SeedEstimate } from './estimate.ts';
export { configInvalidFinding } from './rules/b01-cluster-state.ts';
export type * from './types.ts';
