import type { z } from 'zod';
import { causeText } from '../errors.ts';

/**
 * A persisted document given as JSON text or as the parsed object, validated by `schema`. Not JSON
 * or not the shape → `corrupt(detail, cause)` (each document has its own error code and fix).
 */
export function parseJsonDocument<S extends z.ZodType>(
  input: unknown,
  schema: S,
  corrupt: (detail: string, cause: unknown) => Error,
): z.output<S> {
  let json = input;
  if (typeof input === 'string') {
    try {
      json = JSON.parse(input);
    } catch (e) {
      throw corrupt(`not JSON (${causeText(e)})`, e);
    }
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw corrupt(`${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`, parsed.error);
  }
  return parsed.data;
}
