import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { parseDuration } from './config/duration.ts';
import { configSchema, type MigrationConfig } from './config/schema.ts';

/**
 * The producer freeze of the cutover (SPEC §6.4, docs/cutover.md): the freeze system's contract
 * (payloads, signature, messages), the freeze record the steps and `status` share, and the
 * VerifyFreeze decision. Pure: the webhook adapter does the HTTP, the handlers the clock.
 */

/** The header carrying HMAC-SHA256 (hex) of the exact request body, when a secret is configured. */
export const SIGNATURE_HEADER = 'X-Kraft-Migrate-Signature';

export interface FreezeRequest {
  readonly action: 'freeze';
  readonly migration_id: string;
  readonly task_token: string;
  /** ISO time by which the freeze must be confirmed (now + max_producer_freeze). */
  readonly deadline: string;
  readonly topics: readonly string[];
}

export interface UnfreezeRequest {
  readonly action: 'unfreeze';
  readonly migration_id: string;
  readonly reason: string;
}

export type FreezeWebhookBody = FreezeRequest | UnfreezeRequest;

/** Lowercase hex HMAC-SHA256 of `body` (the bytes sent, not a re-serialisation). */
export function signBody(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

// --- the troubleshooting page's texts (exact) ------------------------------------------------------

export const FREEZE_HTTP_MESSAGE = (status: number) => `producer freeze webhook returned HTTP ${status}`;
export const FREEZE_TIMEOUT_MESSAGE = 'producer freeze webhook did not respond within max_producer_freeze';
export const FREEZE_NO_TTY_MESSAGE =
  'Cutover failed: producer-freeze freeze: stdin is not a TTY — configure cutover.producer_freeze_webhook or run in an interactive shell';
/** What `kraft-migrate cutover` prints before a failure's message. */
export const CUTOVER_FAILED_PREFIX = 'cutover failed: ';

export const READY_FOR_CLIENT_SWITCH = 'READY_FOR_CLIENT_SWITCH';

/** The operator's next steps at READY_FOR_CLIENT_SWITCH (printed by execute, cutover and status). */
export function clientSwitchSteps(config: MigrationConfig): string[] {
  const target = config.target.bootstrap_servers?.join(',') ?? config.target.cluster_arn ?? 'the target';
  return [
    READY_FOR_CLIENT_SWITCH,
    `  1. point producers and consumers at the target's bootstrap servers: ${target}`,
    '  2. then confirm with: kraft-migrate cutover-ack',
    '  (before cutover-ack, `kraft-migrate rollback` unfreezes the source producers instead)',
  ];
}

export function maxFreezeMs(config: MigrationConfig): number {
  return parseDuration(config.cutover.max_producer_freeze)?.ms ?? 60_000;
}

export function maxFreezeSeconds(config: MigrationConfig): number {
  return Math.max(1, Math.ceil(maxFreezeMs(config) / 1000));
}

// --- the freeze record (evidence store) -------------------------------------------------------------

/** `migrations/<id>/cutover/freeze.json`: what the freeze did; read by status, Unfreeze and rollback. */
export function freezeRecordKey(migrationId: string): string {
  return `migrations/${migrationId}/cutover/freeze.json`;
}

/** `migrations/<id>/cutover/progress.json`: the cutover step running now (for `status`). */
export function cutoverProgressKey(migrationId: string): string {
  return `migrations/${migrationId}/cutover/progress.json`;
}

export const freezeRecord = z.object({
  migration_id: z.string(),
  mode: z.enum(['webhook', 'operator']),
  requested_at: z.iso.datetime(),
  deadline: z.iso.datetime(),
  /** HTTP status of the freeze call (webhook mode). */
  http_status: z.int().optional(),
  /** When the freeze was reported done: 200 answer, callback, or operator confirmation. */
  frozen_at: z.iso.datetime().optional(),
  unfrozen_at: z.iso.datetime().optional(),
  unfreeze_reason: z.string().optional(),
  /** The unfreeze call's outcome (best effort: a failed unfreeze is recorded, not thrown). */
  unfreeze_result: z.string().optional(),
});
export type FreezeRecord = z.output<typeof freezeRecord>;

export const cutoverProgress = z.object({
  step: z.string(),
  started_at: z.iso.datetime(),
});
export type CutoverProgress = z.output<typeof cutoverProgress>;

/** Whether producers are frozen now according to the record (frozen or requested, never unfrozen). */
export function isFrozen(record: FreezeRecord | undefined): boolean {
  return record !== undefined && record.unfrozen_at === undefined;
}

/** `frozen for 12s (since …)` for status; undefined when not frozen. */
export function frozenFor(record: FreezeRecord | undefined, now: Date): number | undefined {
  if (!record || record.unfrozen_at) return undefined;
  return now.getTime() - Date.parse(record.frozen_at ?? record.requested_at);
}

// --- VerifyFreeze ---------------------------------------------------------------------------------

export interface EndOffset {
  readonly topic: string;
  readonly partition: number;
  readonly end: bigint;
}

/** Partitions whose end offset differs between two reads (`topic/p: a → b`), in input order. */
export function movingPartitions(before: readonly EndOffset[], after: readonly EndOffset[]): string[] {
  const was = new Map(before.map((o) => [`${o.topic}/${o.partition}`, o.end]));
  const out: string[] = [];
  for (const o of after) {
    const key = `${o.topic}/${o.partition}`;
    const b = was.get(key);
    if (b === undefined || b !== o.end) out.push(`${key}: ${b ?? '?'} → ${o.end}`);
  }
  return out;
}

export function freezeBypassedMessage(moving: readonly string[], windowMs: number): string {
  const shown = moving.slice(0, 20).join(', ');
  const more = moving.length > 20 ? ` and ${moving.length - 20} more` : '';
  return `producer freeze not effective: source end offsets still moved within ${windowMs} ms on ${moving.length} partition(s): ${shown}${more}`;
}

// --- step contracts -------------------------------------------------------------------------------

export const cutoverStepInput = z.object({ config: configSchema, migration_id: z.string().min(1) });

export const startCutoverOutput = z.object({
  /** FreezeProducers' TimeoutSecondsPath: max_producer_freeze in whole seconds. */
  freeze_timeout_seconds: z.int().min(1),
  started_at: z.iso.datetime(),
  /** The journal's state after this step. */
  state: z.string(),
});

export const freezeProducersInput = cutoverStepInput.extend({ task_token: z.string().min(1) });
export const freezeProducersOutput = z.object({
  mode: z.enum(['webhook', 'operator']),
  /** `frozen` (200: the handler answered its token), `accepted` (202: the freeze system answers), `waiting` (operator) */
  outcome: z.enum(['frozen', 'accepted', 'waiting']),
  deadline: z.iso.datetime(),
});

/** What answers the FreezeProducers token: the handler (200), the freeze system, or the operator. */
export const freezeResult = z.looseObject({ frozen_by: z.string(), frozen_at: z.iso.datetime() });

export const verifyFreezeOutput = z.object({
  partitions: z.int().min(0),
  window_ms: z.int().min(0),
  verified_at: z.iso.datetime(),
  summary: z.string(),
});

/** The summaries of the cutover-offsets steps (sentinels, drain, translation, guard): small JSON. */
export const cutoverSummary = z.record(z.string(), z.unknown());

export const unfreezeInput = cutoverStepInput.extend({
  error: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
});
export const unfreezeOutput = z.object({ unfrozen: z.boolean(), detail: z.string() });

export const awaitClientSwitchOutput = z.object({ gate: z.string(), registered_at: z.iso.datetime() });
export const clientSwitchAck = z.looseObject({ acked_by: z.string(), acked_at: z.iso.datetime() });
export const confirmClientSwitchOutput = z.object({ state: z.string(), translation: cutoverSummary });
