import { freezeServiceFor } from '../../core/adapters/freeze-webhook.ts';
import { AwsSecretsReader } from '../../core/adapters/secrets.ts';
import { SfnTaskTokens } from '../../core/adapters/task-tokens.ts';
import {
  freezeProducers,
  markCutoverStep,
  startCutover,
  unfreezeProducers,
  verifyFreeze,
} from '../../core/app/freeze.ts';
import { transition } from '../../core/app/journal.ts';
import type { MigrationConfig } from '../../core/domain/config/schema.ts';
import { gateKey } from '../../core/domain/drain.ts';
import {
  awaitClientSwitchOutput,
  clientSwitchAck,
  confirmClientSwitchOutput,
  cutoverStepInput,
  cutoverSummary,
  freezeProducersInput,
  freezeProducersOutput,
  startCutoverOutput,
  unfreezeInput,
  unfreezeOutput,
  verifyFreezeOutput,
} from '../../core/domain/freeze.ts';
import { FREEZE_VERIFY_WINDOW_MS, STATE_NAMES } from '../../core/domain/workflow.ts';
import type { Adapters, CutoverSteps, FreezeService, TaskTokens } from '../../core/ports.ts';
import { adapterCache } from './adapters.ts';
import { CUTOVER_STEPS } from './cutover-steps.ts';
import { defineStep } from './step.ts';

/**
 * The Lambda handlers of the cutover route, built from their dependencies (Temporal's
 * createActivities(deps) style): AWS builds them with SendTaskSuccess and Secrets Manager, the
 * local runner with its token broker — same handler code either way.
 */
export interface CutoverHandlerDeps {
  readonly adaptersFor: (config: MigrationConfig) => Adapters;
  readonly taskTokens: TaskTokens;
  readonly freezeServiceFor: (config: MigrationConfig) => Promise<FreezeService | undefined>;
  readonly steps: CutoverSteps;
  /** VerifyFreeze's window. @default FREEZE_VERIFY_WINDOW_MS */
  readonly verifyWindowMs?: number;
}

/** What AWS Lambda runs: SFN answers tokens, the webhook secret comes from Secrets Manager. */
export function awsCutoverDeps(): CutoverHandlerDeps {
  const secrets = new AwsSecretsReader();
  return {
    adaptersFor: adapterCache(),
    taskTokens: new SfnTaskTokens(),
    freezeServiceFor: (config) => freezeServiceFor(config.cutover, secrets),
    steps: CUTOVER_STEPS,
  };
}

const ack = clientSwitchAck.optional();

export function createCutoverHandlers(deps: () => CutoverHandlerDeps) {
  const summaryStep = (
    name: string,
    call: (d: CutoverHandlerDeps, config: MigrationConfig, adapters: Adapters, id: string) => Promise<object>,
  ) =>
    defineStep({
      name,
      input: cutoverStepInput,
      output: cutoverSummary,
      deps,
      run: async ({ config, migration_id }, d) => {
        const adapters = d.adaptersFor(config);
        await markCutoverStep(adapters, migration_id, name);
        return (await call(d, config, adapters, migration_id)) as Record<string, unknown>;
      },
    });

  return {
    [STATE_NAMES.startCutover]: defineStep({
      name: STATE_NAMES.startCutover,
      input: cutoverStepInput,
      output: startCutoverOutput,
      deps,
      run: ({ config, migration_id }, d) => startCutover(config, d.adaptersFor(config), migration_id),
    }),
    [STATE_NAMES.freezeProducers]: defineStep({
      name: STATE_NAMES.freezeProducers,
      input: freezeProducersInput,
      output: freezeProducersOutput,
      deps,
      run: async ({ config, migration_id, task_token }, d) =>
        freezeProducers(
          config,
          d.adaptersFor(config),
          { freezeService: await d.freezeServiceFor(config), taskTokens: d.taskTokens },
          migration_id,
          task_token,
        ),
    }),
    [STATE_NAMES.verifyFreeze]: defineStep({
      name: STATE_NAMES.verifyFreeze,
      input: cutoverStepInput,
      output: verifyFreezeOutput,
      deps,
      run: ({ config, migration_id }, d) =>
        verifyFreeze(config, d.adaptersFor(config), migration_id, {
          windowMs: d.verifyWindowMs ?? FREEZE_VERIFY_WINDOW_MS,
        }),
    }),
    [STATE_NAMES.placeSentinels]: summaryStep(STATE_NAMES.placeSentinels, (d, c, a, id) =>
      d.steps.placeSentinels(c, a, id),
    ),
    [STATE_NAMES.finalDrain]: summaryStep(STATE_NAMES.finalDrain, (d, c, a, id) =>
      d.steps.finalDrain(c, a, id),
    ),
    [STATE_NAMES.translateOffsets]: summaryStep(STATE_NAMES.translateOffsets, (d, c, a, id) =>
      d.steps.translateOffsets(c, a, id, 'cutover'),
    ),
    [STATE_NAMES.logStartGuard]: summaryStep(STATE_NAMES.logStartGuard, (d, c, a, id) =>
      d.steps.logStartGuard(c, a, id),
    ),
    [STATE_NAMES.awaitClientSwitch]: defineStep({
      name: STATE_NAMES.awaitClientSwitch,
      input: freezeProducersInput,
      output: awaitClientSwitchOutput,
      deps,
      run: async ({ config, migration_id, task_token }, d) => {
        const adapters = d.adaptersFor(config);
        const registeredAt = new Date();
        await markCutoverStep(adapters, migration_id, STATE_NAMES.awaitClientSwitch, registeredAt);
        await adapters.objectStore('evidence').put(
          gateKey(migration_id, 'cutover-ack'),
          JSON.stringify({
            gate: 'cutover-ack',
            migration_id,
            task_token,
            registered_at: registeredAt.toISOString(),
          }),
          { contentType: 'application/json' },
        );
        await transition(
          adapters.journal(migration_id),
          'awaiting_client_switch',
          'READY_FOR_CLIENT_SWITCH: consumer offsets committed on the target',
        );
        return { gate: 'cutover-ack', registered_at: registeredAt.toISOString() };
      },
    }),
    [STATE_NAMES.confirmClientSwitch]: defineStep({
      name: STATE_NAMES.confirmClientSwitch,
      input: cutoverStepInput.extend({ ack }),
      output: confirmClientSwitchOutput,
      deps,
      run: async ({ config, migration_id, ack: answer }, d) => {
        const adapters = d.adaptersFor(config);
        await markCutoverStep(adapters, migration_id, STATE_NAMES.confirmClientSwitch);
        const translation = await d.steps.translateOffsets(config, adapters, migration_id, 'ack');
        await transition(adapters.journal(migration_id), 'validating', 'operator confirmed client cutover', {
          ...(answer ? { acked_by: answer.acked_by, acked_at: answer.acked_at } : {}),
        });
        return { state: 'validating', translation: translation as Record<string, unknown> };
      },
    }),
    [STATE_NAMES.unfreeze]: defineStep({
      name: STATE_NAMES.unfreeze,
      input: unfreezeInput,
      output: unfreezeOutput,
      deps,
      run: async ({ config, migration_id, error }, d) => {
        const reason = error ? `${error.Error}: ${causeMessage(error.Cause)}` : 'cutover failed';
        let service: FreezeService | undefined;
        try {
          service = await d.freezeServiceFor(config);
        } catch (e) {
          return { unfrozen: false, detail: `unfreeze not sent: ${(e as Error).message}` };
        }
        return unfreezeProducers(
          config,
          d.adaptersFor(config),
          { freezeService: service },
          migration_id,
          reason,
        );
      },
    }),
  } as const;
}

/** The message of a Lambda-style cause `{"errorType","errorMessage"}`, first line only. */
export function causeMessage(cause: string | undefined): string {
  if (!cause) return 'no cause given';
  let text = cause;
  try {
    text = (JSON.parse(cause) as { errorMessage?: string }).errorMessage ?? cause;
  } catch {
    // a plain cause
  }
  return text.split('\n')[0] ?? text;
}
