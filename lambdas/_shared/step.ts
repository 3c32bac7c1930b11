import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import {
  InvalidInputError,
  InvariantError,
  isKraftMigrateError,
  TransientError,
} from '../../core/domain/errors.ts';

/**
 * The one way a workflow step becomes a Lambda handler: validate the input with the step's zod
 * contract, build the dependencies once per cold start, call the core, validate the output, and
 * make every error one of the catalogue's names — Step Functions Retry/Catch route on `name`.
 * The same handler runs in AWS and, in-process, under the local runner.
 */
export interface StepDefinition<I extends z.ZodType, O extends z.ZodType, D> {
  readonly name: string;
  readonly input: I;
  readonly output: O;
  /** Builds adapters; called once per cold start (or once per runner process). */
  readonly deps: () => D;
  readonly run: (input: z.output<I>, deps: D, context: Context) => Promise<z.input<O>>;
}

export type StepHandler<O> = ((event: unknown, context?: Partial<Context>) => Promise<O>) & {
  readonly stepName: string;
};

export function defineStep<I extends z.ZodType, O extends z.ZodType, D>(
  step: StepDefinition<I, O, D>,
): StepHandler<z.output<O>> {
  let deps: D | undefined;
  const base = async (event: unknown, context: Context): Promise<z.output<O>> => {
    const parsed = step.input.safeParse(event);
    if (!parsed.success) {
      throw new InvalidInputError(`${step.name}: invalid input: ${summarizeIssues(parsed.error)}`, {
        code: 'STEP_INPUT',
        fix: 'The execution input must be the migration config as JSON (see docs/configuration.md).',
      });
    }
    deps ??= step.deps();
    const result = await step.run(parsed.data, deps, context);
    const out = step.output.safeParse(result);
    if (!out.success) {
      throw new InvariantError(`${step.name}: produced an invalid result: ${summarizeIssues(out.error)}`, {
        code: 'STEP_OUTPUT',
      });
    }
    return out.data;
  };
  const handler = middy(base).onError(async (request) => {
    request.error = toCatalogueError(request.error, step.name);
  });
  const callable = (event: unknown, context: Partial<Context> = {}) =>
    handler(event, { ...LOCAL_CONTEXT, ...context } as Context) as Promise<z.output<O>>;
  return Object.assign(callable, { stepName: step.name });
}

const LOCAL_CONTEXT: Partial<Context> = {
  functionName: 'kraft-migrate-local',
  awsRequestId: 'local',
  getRemainingTimeInMillis: () => 900_000,
};

function summarizeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`)
    .join('; ');
}

const TRANSIENT_PATTERNS =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|socket hang up|Throttl|SlowDown|ServiceUnavailable/i;

/** Anything not already in the catalogue becomes Transient (network-ish) or Invariant (a bug). */
function toCatalogueError(e: unknown, stepName: string): Error {
  if (isKraftMigrateError(e)) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  const text = `${err.name} ${err.message}`;
  if (TRANSIENT_PATTERNS.test(text)) {
    return new TransientError(`${stepName}: ${err.message}`, { cause: err, code: 'UNCLASSIFIED_TRANSIENT' });
  }
  return new InvariantError(`${stepName}: unexpected ${err.name}: ${err.message}`, {
    cause: err,
    code: 'UNEXPECTED',
    fix: 'This is a bug in kraft-migrate: keep the execution history and report it.',
  });
}
