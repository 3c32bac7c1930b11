import { z } from 'zod';
import { configSchema } from './config/schema.ts';
import { MIGRATION_STATES } from './journal/states.ts';

/**
 * The zod contract of every workflow task: what the ASL passes in and what the handler returns.
 * Handlers validate both sides (lambdas/_shared/step.ts). The config travels as the validated
 * document (defaults filled in); re-validating it is idempotent.
 */

export const configEnvelope = z.object({ config: configSchema });

export const validateInputOutput = z.object({ config: configSchema });

const finding = z.object({
  code: z.string(),
  severity: z.enum(['blocker', 'warning', 'info']),
  subject: z.string(),
  message: z.string(),
  fix: z.string(),
});

export const precheckOutput = z.object({
  migration_id: z.string(),
  fingerprint: z.string(),
  overall: z.enum(['PASSED', 'BLOCKED']),
  counts: z.object({ blocker: z.int(), warning: z.int(), info: z.int() }),
  findings: z.array(finding),
  /** one line, e.g. `precheck BLOCKED: 2 blocker(s), 1 warning(s), 3 info` */
  summary: z.string(),
  /** the journal's state after this step */
  state: z.enum(MIGRATION_STATES),
  resumed: z.boolean(),
});
export type PrecheckOutput = z.output<typeof precheckOutput>;

/** What a Catch puts at ResultPath `$.error`. */
export const caughtError = z.object({ Error: z.string(), Cause: z.string().optional() });

export const recordFailureInput = z.object({
  /** Absent when ValidateInput itself failed: then there is no journal to write to. */
  config: z.unknown().optional(),
  precheck: precheckOutput.partial().optional(),
  error: caughtError.optional(),
});

export const recordFailureOutput = z.object({
  journaled: z.boolean(),
  reason: z.string(),
  /** ASL Fail states read these */
  error: z.string(),
  cause: z.string(),
});
