import { z } from 'zod';
import { validateConfig } from '../../core/domain/config/parse.ts';
import { validateInputOutput } from '../../core/domain/contracts.ts';
import { defineStep } from '../_shared/step.ts';

/** ValidateInput: the execution input is the migration config; validated exactly as the CLI does. */
export const handler = defineStep({
  name: 'ValidateInput',
  input: z.unknown(),
  output: validateInputOutput,
  deps: () => ({ env: process.env }),
  run: async (input, { env }) => ({ config: validateConfig(input, env, 'execution input') }),
});
