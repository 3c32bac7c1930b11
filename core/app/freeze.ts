import type { MigrationConfig } from '../domain/config/schema.ts';
import { gateKey } from '../domain/drain.ts';
import { PreconditionError } from '../domain/errors.ts';
import {
  type CutoverProgress,
  cutoverProgress,
  cutoverProgressKey,
  type FreezeRecord,
  freezeBypassedMessage,
  freezeRecord,
  freezeRecordKey,
  isFrozen,
  maxFreezeMs,
  maxFreezeSeconds,
  movingPartitions,
} from '../domain/freeze.ts';
import { currentState } from '../domain/journal/journal.ts';
import { selectTopics } from '../domain/selection.ts';
import type { Adapters, FreezeService, PartitionRef, TaskTokens } from '../ports.ts';
import { transition } from './journal.ts';

/**
 * The freeze half of the cutover (SPEC §6.4 steps 2 and 7): StartCutover, FreezeProducers,
 * VerifyFreeze, Unfreeze. What the freeze did is kept in the evidence store
 * (`migrations/<id>/cutover/freeze.json`) so that Unfreeze, `rollback` and `status` know whether
 * producers are frozen and since when, whichever process asks.
 */
export type FreezeAdapters = Pick<Adapters, 'journal' | 'objectStore' | 'kafkaAdmin' | 'recordReader'>;

export interface FreezeDeps {
  /** The webhook, when cutover.producer_freeze_webhook is set. */
  readonly freezeService?: FreezeService | undefined;
  readonly taskTokens: TaskTokens;
  readonly now?: () => Date;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export async function readFreezeRecord(
  adapters: Pick<Adapters, 'objectStore'>,
  migrationId: string,
): Promise<FreezeRecord | undefined> {
  const bytes = await adapters.objectStore('evidence').get(freezeRecordKey(migrationId));
  return bytes ? freezeRecord.parse(JSON.parse(new TextDecoder().decode(bytes))) : undefined;
}

async function writeFreezeRecord(adapters: Pick<Adapters, 'objectStore'>, record: FreezeRecord) {
  await adapters
    .objectStore('evidence')
    .put(freezeRecordKey(record.migration_id), json(freezeRecord.parse(record)), {
      contentType: 'application/json',
    });
}

export async function readCutoverProgress(
  adapters: Pick<Adapters, 'objectStore'>,
  migrationId: string,
): Promise<CutoverProgress | undefined> {
  const bytes = await adapters.objectStore('evidence').get(cutoverProgressKey(migrationId));
  return bytes ? cutoverProgress.parse(JSON.parse(new TextDecoder().decode(bytes))) : undefined;
}

/** Records the cutover step that runs now (for `status`). */
export async function markCutoverStep(
  adapters: Pick<Adapters, 'objectStore'>,
  migrationId: string,
  step: string,
  now = new Date(),
): Promise<void> {
  await adapters
    .objectStore('evidence')
    .put(cutoverProgressKey(migrationId), json({ step, started_at: now.toISOString() }), {
      contentType: 'application/json',
    });
}

/** StartCutover: `drain_ready -> cutting_over` (or a resume `failed -> cutting_over`). */
export async function startCutover(
  config: MigrationConfig,
  adapters: FreezeAdapters,
  migrationId: string,
  now = new Date(),
): Promise<{ freeze_timeout_seconds: number; started_at: string; state: string }> {
  const journal = adapters.journal(migrationId);
  const state = currentState((await journal.load()).entries);
  const reason = config.cutover.auto_approve ? 'cutover started (auto_approve)' : 'cutover approved';
  await transition(journal, 'cutting_over', reason, {
    migration_id: migrationId,
    resumed: state === 'failed',
  });
  await markCutoverStep(adapters, migrationId, 'StartCutover', now);
  return {
    freeze_timeout_seconds: maxFreezeSeconds(config),
    started_at: now.toISOString(),
    state: 'cutting_over',
  };
}

/** The selected source partitions, by topic then partition. */
export async function selectedSourcePartitions(
  config: MigrationConfig,
  adapters: Pick<Adapters, 'kafkaAdmin'>,
): Promise<{ topics: string[]; partitions: PartitionRef[] }> {
  const admin = await adapters.kafkaAdmin('source');
  try {
    const all = await admin.listTopics();
    const { selected } = selectTopics(
      all.map((t) => t.name),
      config.topics,
    );
    const topics = [...selected].sort();
    const byName = new Map(all.map((t) => [t.name, t]));
    const partitions = topics.flatMap((topic) =>
      (byName.get(topic)?.partitions ?? [])
        .map((p) => p.partition)
        .sort((a, b) => a - b)
        .map((partition) => ({ topic, partition })),
    );
    return { topics, partitions };
  } finally {
    await admin.close().catch(() => {});
  }
}

/**
 * FreezeProducers: with a webhook, POSTs `{action:"freeze", …}`; on 200 the producers are frozen now
 * and this answers its own task token; on 202 the freeze system answers it later. Without a
 * webhook, the operator answers it (`kraft-migrate cutover` in a terminal): the token is recorded
 * at `migrations/<id>/gates/freeze.json` for AWS runs.
 */
export async function freezeProducers(
  config: MigrationConfig,
  adapters: FreezeAdapters,
  deps: FreezeDeps,
  migrationId: string,
  taskToken: string,
): Promise<{ mode: 'webhook' | 'operator'; outcome: 'frozen' | 'accepted' | 'waiting'; deadline: string }> {
  const now = deps.now ?? (() => new Date());
  // The topics first: the deadline (and the state's timeout) already runs, listing must not eat it.
  const topics = deps.freezeService ? (await selectedSourcePartitions(config, adapters)).topics : [];
  const requestedAt = now();
  const deadline = new Date(requestedAt.getTime() + maxFreezeMs(config)).toISOString();
  await markCutoverStep(adapters, migrationId, 'FreezeProducers', requestedAt);
  const mode = deps.freezeService ? 'webhook' : 'operator';
  const record: FreezeRecord = {
    migration_id: migrationId,
    mode,
    requested_at: requestedAt.toISOString(),
    deadline,
  };
  // Recorded before the request: if the freeze system freezes and then the call fails, Unfreeze
  // still knows to call it.
  await writeFreezeRecord(adapters, record);
  if (!deps.freezeService) {
    await adapters.objectStore('evidence').put(
      gateKey(migrationId, 'freeze'),
      json({
        gate: 'freeze',
        migration_id: migrationId,
        task_token: taskToken,
        registered_at: record.requested_at,
      }),
      { contentType: 'application/json' },
    );
    return { mode, outcome: 'waiting', deadline };
  }
  const answer = await deps.freezeService.freeze(
    { action: 'freeze', migration_id: migrationId, task_token: taskToken, deadline, topics },
    webhookWaitMs(Date.parse(deadline) - now().getTime()),
  );
  if (answer === 'accepted') {
    await writeFreezeRecord(adapters, { ...record, http_status: 202 });
    return { mode, outcome: 'accepted', deadline };
  }
  const frozenAt = now().toISOString();
  await writeFreezeRecord(adapters, { ...record, http_status: 200, frozen_at: frozenAt });
  await deps.taskTokens.sendSuccess(taskToken, { frozen_by: 'webhook', frozen_at: frozenAt });
  return { mode, outcome: 'frozen', deadline };
}

/**
 * How long to wait for the webhook: until the deadline, less a margin so that the webhook's own
 * timeout (with the troubleshooting page's message) fires before the state's States.Timeout.
 */
function webhookWaitMs(untilDeadlineMs: number): number {
  const margin = Math.min(1_000, untilDeadlineMs / 4);
  return Math.max(1, Math.min(untilDeadlineMs - margin, 14 * 60_000));
}

/**
 * VerifyFreeze: reads the source end offsets (high watermark, read_uncommitted) of every selected
 * partition, waits `windowMs`, reads them again; any partition that moved has a producer that
 * bypasses the freeze — the cutover fails naming them (the ASL's Catch unfreezes).
 */
export async function verifyFreeze(
  config: MigrationConfig,
  adapters: FreezeAdapters,
  migrationId: string,
  options: {
    readonly windowMs: number;
    readonly sleep?: (ms: number) => Promise<void>;
    readonly now?: () => Date;
  },
): Promise<{ partitions: number; window_ms: number; verified_at: string; summary: string }> {
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  await markCutoverStep(adapters, migrationId, 'VerifyFreeze', now());
  const record = await readFreezeRecord(adapters, migrationId);
  if (record && !record.frozen_at)
    await writeFreezeRecord(adapters, { ...record, frozen_at: now().toISOString() });
  const { partitions } = await selectedSourcePartitions(config, adapters);
  const reader = await adapters.recordReader('source');
  try {
    const read = async () =>
      [...(await reader.offsets(partitions)).values()].map((o) => ({
        topic: o.topic,
        partition: o.partition,
        end: o.highWatermark,
      }));
    const before = await read();
    await sleep(options.windowMs);
    const moving = movingPartitions(before, await read());
    if (moving.length > 0) {
      throw new PreconditionError(freezeBypassedMessage(moving, options.windowMs), {
        code: 'FREEZE_BYPASSED',
        fix: 'A producer still writes to the source: stop it (or make the freeze system cover it), then run execute again to resume the cutover. Producers are unfrozen meanwhile.',
      });
    }
  } finally {
    await reader.close().catch(() => {});
  }
  return {
    partitions: partitions.length,
    window_ms: options.windowMs,
    verified_at: now().toISOString(),
    summary: `freeze verified: ${partitions.length} partition(s) without new records for ${options.windowMs} ms`,
  };
}

/**
 * Unfreeze (failure route, `rollback`): best effort — calls the webhook's `{action:"unfreeze"}` when
 * the freeze record says producers may be frozen, records the outcome, never throws.
 */
export async function unfreezeProducers(
  config: MigrationConfig,
  adapters: Pick<Adapters, 'objectStore'>,
  deps: Pick<FreezeDeps, 'freezeService' | 'now'>,
  migrationId: string,
  reason: string,
): Promise<{ unfrozen: boolean; detail: string }> {
  const now = deps.now ?? (() => new Date());
  let record: FreezeRecord | undefined;
  try {
    record = await readFreezeRecord(adapters, migrationId);
  } catch (e) {
    return { unfrozen: false, detail: `freeze record unreadable: ${(e as Error).message}` };
  }
  if (!isFrozen(record) || !record) return { unfrozen: false, detail: 'producers were not frozen' };
  let result: string;
  if (record.mode === 'webhook' && deps.freezeService) {
    result = await deps.freezeService.unfreeze(
      { action: 'unfreeze', migration_id: migrationId, reason },
      Math.min(maxFreezeMs(config), 30_000),
    );
  } else {
    result = 'operator: restart the producers on the source';
  }
  const ok = !result.startsWith('failed');
  try {
    // A failed unfreeze leaves the record frozen: `rollback` (or the operator) tries again.
    await writeFreezeRecord(adapters, {
      ...record,
      ...(ok ? { unfrozen_at: now().toISOString() } : {}),
      unfreeze_reason: reason,
      unfreeze_result: result,
    });
  } catch {
    // best effort: the unfreeze call itself is what matters
  }
  return { unfrozen: ok, detail: `unfreeze ${result}` };
}
