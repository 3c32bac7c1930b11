import { redact } from '../../core/adapters/kafka/logging.ts';
import { transition } from '../../core/app/journal.ts';
import { configSchema } from '../../core/domain/config/schema.ts';
import { recordFailureInput, recordFailureOutput } from '../../core/domain/contracts.ts';
import { causeText } from '../../core/domain/errors.ts';
import { secretValues } from '../../core/domain/journal/secrets.ts';
import { adapterCache } from '../_shared/adapters.ts';
import { defineStep } from '../_shared/step.ts';

/**
 * RecordFailure: the end of every failure path. Journals `<state> -> failed` with the reason and
 * hands the error to the Fail state. It must not fail itself: a journal that cannot be written is
 * reported in the output (journaled: false) and the original error still ends the execution.
 * A cause may quote a task, a request or the config: every secret of the config is redacted from
 * the reason and the cause before they are journaled or handed on.
 */
export const handler = defineStep({
  name: 'RecordFailure',
  input: recordFailureInput,
  output: recordFailureOutput,
  deps: () => ({ adaptersFor: adapterCache() }),
  run: async ({ config, precheck, error }, { adaptersFor }) => {
    const secrets = secretValues(config);
    const blockers = precheck?.findings?.filter((f) => f.severity === 'blocker') ?? [];
    const reason = redact(
      error
        ? `${error.Error}: ${firstLine(error.Cause)}`
        : `precheck found ${blockers.length} blocker(s): ${blockers.map((f) => f.code).join(', ')}`,
      secrets,
    );
    const errorName = error?.Error ?? 'PreconditionError';
    const cause = redact(
      error?.Cause ?? blockers.map((f) => `${f.code} ${f.subject}: ${f.message}`).join('\n'),
      secrets,
    );
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
  try {
    const parsed = JSON.parse(text) as {
      errorMessage?: string;
      Containers?: { Name?: string; ExitCode?: number; Reason?: string }[];
    };
    if (parsed.errorMessage) return parsed.errorMessage.split('\n')[0] ?? parsed.errorMessage;
    // An ECS task (a failed copier): its container's reason, not the whole task document.
    const container = parsed.Containers?.find((c) => c.Reason);
    if (container?.Reason) {
      const last = container.Reason.trim().split('\n').at(-1) ?? container.Reason;
      return `container ${container.Name ?? ''} exited with ${container.ExitCode ?? 'no code'}: ${last}`;
    }
  } catch {
    // not JSON: a plain cause
  }
  return text.split('\n')[0] ?? text;
}
