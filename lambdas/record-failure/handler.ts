import { transition } from '../../core/app/journal.ts';
import { configSchema } from '../../core/domain/config/schema.ts';
import { recordFailureInput, recordFailureOutput } from '../../core/domain/contracts.ts';
import { causeText } from '../../core/domain/errors.ts';
import { adapterCache } from '../_shared/adapters.ts';
import { defineStep } from '../_shared/step.ts';

/**
 * RecordFailure: the end of every failure path. Journals `<state> -> failed` with the reason and
 * hands the error to the Fail state. It must not fail itself: a journal that cannot be written is
 * reported in the output (journaled: false) and the original error still ends the execution.
 */
export const handler = defineStep({
  name: 'RecordFailure',
  input: recordFailureInput,
  output: recordFailureOutput,
  deps: () => ({ adaptersFor: adapterCache() }),
  run: async ({ config, precheck, error }, { adaptersFor }) => {
    const blockers = precheck?.findings?.filter((f) => f.severity === 'blocker') ?? [];
    const reason = error
      ? `${error.Error}: ${firstLine(error.Cause)}`
      : `precheck found ${blockers.length} blocker(s): ${blockers.map((f) => f.code).join(', ')}`;
    const errorName = error?.Error ?? 'PreconditionError';
    const cause = error?.Cause ?? blockers.map((f) => `${f.code} ${f.subject}: ${f.message}`).join('\n');
    const parsed = configSchema.safeParse(config);
    const migrationId = precheck?.migration_id ?? (parsed.success ? parsed.data.migration_id : undefined);
    if (!parsed.success || !migrationId) return { journaled: false, reason, error: errorName, cause };
    try {
      await transition(adaptersFor(parsed.data).journal(migrationId), 'failed', reason, { error: errorName });
      return { journaled: true, reason, error: errorName, cause };
    } catch (e) {
      return {
        journaled: false,
        reason: `${reason} (journal not written: ${causeText(e)})`,
        error: errorName,
        cause,
      };
    }
  },
});

function firstLine(text: string | undefined): string {
  if (!text) return 'no cause given';
  const message = causeText(text);
  return message.split('\n')[0] ?? message;
}
