import type { MigrationConfig } from '../domain/config/schema.ts';
import { PreconditionError } from '../domain/errors.ts';
import {
  FREEZE_HTTP_MESSAGE,
  FREEZE_TIMEOUT_MESSAGE,
  type FreezeRequest,
  type FreezeWebhookBody,
  SIGNATURE_HEADER,
  signBody,
  type UnfreezeRequest,
} from '../domain/freeze.ts';
import type { FreezeAnswer, FreezeService } from '../ports.ts';
import type { SecretsReader } from './secrets.ts';

/**
 * The producer-freeze webhook (cutover.producer_freeze_webhook, contract in docs/cutover.md):
 * POST JSON, signed with HMAC-SHA256 of the exact body in X-Kraft-Migrate-Signature when a secret
 * is set. 200 = frozen now; 202 = the freeze system answers the task token later; any other status
 * or no answer within the deadline fails with the troubleshooting page's texts.
 */
export interface FreezeWebhookOptions {
  readonly url: string;
  /** Resolved secret (producer_freeze_webhook_secret, or the value of ..._secret_arn). */
  readonly secret?: string | undefined;
  readonly fetch?: typeof fetch;
}

export class FreezeWebhook implements FreezeService {
  readonly #url: string;
  readonly #secret: string | undefined;
  readonly #fetch: typeof fetch;

  constructor(options: FreezeWebhookOptions) {
    this.#url = options.url;
    this.#secret = options.secret;
    this.#fetch = options.fetch ?? fetch;
  }

  async freeze(request: FreezeRequest, timeoutMs: number): Promise<FreezeAnswer> {
    let status: number;
    try {
      status = await this.#post(request, timeoutMs);
    } catch (e) {
      throw new PreconditionError(FREEZE_TIMEOUT_MESSAGE, {
        code: 'FREEZE_WEBHOOK_TIMEOUT',
        fix: `Verify the webhook URL ${this.#url} is reachable from the migration runner (${causeOf(e)}); increase cutover.max_producer_freeze if producers need more time; check the webhook service's health and logs. Then run execute again to resume the cutover.`,
        cause: e,
      });
    }
    if (status === 200) return 'frozen';
    if (status >= 200 && status < 300) return 'accepted';
    throw new PreconditionError(FREEZE_HTTP_MESSAGE(status), {
      code: 'FREEZE_WEBHOOK_HTTP',
      fix: 'Check the webhook service logs; it must answer 200 (frozen) or 202 (will answer the task token). Producers are unfrozen (best effort) and the migration is failed: run execute again after fixing the webhook.',
    });
  }

  async unfreeze(request: UnfreezeRequest, timeoutMs: number): Promise<string> {
    try {
      const status = await this.#post(request, timeoutMs);
      return status >= 200 && status < 300 ? `HTTP ${status}` : `failed: HTTP ${status}`;
    } catch (e) {
      return `failed: ${causeOf(e)}`;
    }
  }

  /** The response status; throws when there is no answer in time (or no connection). */
  async #post(body: FreezeWebhookBody, timeoutMs: number): Promise<number> {
    const text = JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.#secret) headers[SIGNATURE_HEADER] = signBody(text, this.#secret);
    const response = await this.#fetch(this.#url, {
      method: 'POST',
      headers,
      body: text,
      signal: AbortSignal.timeout(Math.max(1, timeoutMs)),
    });
    // Drain the body so the connection is released; its content is not part of the contract.
    await response.arrayBuffer().catch(() => undefined);
    return response.status;
  }
}

function causeOf(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') return 'no answer in time';
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
}

/**
 * The webhook of this config, or undefined when none is configured (the operator freezes). The
 * secret comes from producer_freeze_webhook_secret (CLI runs) or, in AWS, from Secrets Manager
 * (producer_freeze_webhook_secret_arn); its value never leaves this adapter.
 */
export async function freezeServiceFor(
  cutover: MigrationConfig['cutover'],
  secrets: Pick<SecretsReader, 'readSecretString'>,
): Promise<FreezeService | undefined> {
  if (!cutover.producer_freeze_webhook) return undefined;
  const secret =
    cutover.producer_freeze_webhook_secret ??
    (cutover.producer_freeze_webhook_secret_arn
      ? (await secrets.readSecretString(cutover.producer_freeze_webhook_secret_arn)).trim()
      : undefined);
  return new FreezeWebhook({ url: cutover.producer_freeze_webhook, secret });
}
