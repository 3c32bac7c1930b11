/**
 * SASL for the raw protocol client (kafkajs does its own): SCRAM-SHA-256/512 (RFC 5802/7677) and
 * OAUTHBEARER (RFC 7628, what MSK IAM uses). Secrets never leave this module in an error message.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export type ScramMechanism = 'scram-sha-256' | 'scram-sha-512';

export type SaslSettings =
  | { readonly mechanism: ScramMechanism; readonly username: string; readonly password: string }
  /** `token` returns a fresh (or cached, still valid) bearer token. */
  | { readonly mechanism: 'oauthbearer'; readonly token: () => Promise<string> };

/** Kafka's mechanism names on the wire. */
export function kafkaMechanismName(mechanism: SaslSettings['mechanism']): string {
  return mechanism.toUpperCase();
}

export class SaslError extends Error {
  override readonly name = 'SaslError';
}

/** The OAUTHBEARER initial client response (RFC 7628 §3.1), without authzid. */
export function oauthBearerInitialResponse(token: string): Buffer {
  return Buffer.from(`n,,\u0001auth=Bearer ${token}\u0001\u0001`, 'utf8');
}

const HASHES = { 'scram-sha-256': 'sha256', 'scram-sha-512': 'sha512' } as const;
const KEY_LENGTHS = { 'scram-sha-256': 32, 'scram-sha-512': 64 } as const;

/** One SCRAM conversation: firstMessage → finalMessage(serverFirst) → verifyServerFinal(serverFinal). */
export class ScramConversation {
  private readonly clientFirstBare: string;
  private readonly mechanism: ScramMechanism;
  private readonly password: string;
  private readonly clientNonce: string;
  private expectedServerSignature: Buffer | undefined;

  constructor(
    mechanism: ScramMechanism,
    username: string,
    password: string,
    clientNonce: string = randomBytes(24).toString('base64'),
  ) {
    this.mechanism = mechanism;
    this.password = password;
    this.clientNonce = clientNonce;
    this.clientFirstBare = `n=${saslName(username)},r=${clientNonce}`;
  }

  firstMessage(): string {
    return `n,,${this.clientFirstBare}`;
  }

  finalMessage(serverFirst: string): string {
    const attrs = parseAttributes(serverFirst);
    if (attrs.e !== undefined) throw new SaslError(`SCRAM server error: ${attrs.e}`);
    const nonce = attrs.r;
    const salt = attrs.s;
    const iterations = Number(attrs.i);
    if (!nonce || !salt || !Number.isInteger(iterations) || iterations < 1) {
      throw new SaslError('SCRAM server-first-message is malformed');
    }
    if (!nonce.startsWith(this.clientNonce))
      throw new SaslError('SCRAM server nonce does not extend the client nonce');
    const hash = HASHES[this.mechanism];
    const salted = pbkdf2Sync(
      this.password,
      Buffer.from(salt, 'base64'),
      iterations,
      KEY_LENGTHS[this.mechanism],
      hash,
    );
    const clientKey = hmac(hash, salted, 'Client Key');
    const storedKey = createHash(hash).update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const clientSignature = hmac(hash, storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = (clientKey[i] ?? 0) ^ (clientSignature[i] ?? 0);
    this.expectedServerSignature = hmac(hash, hmac(hash, salted, 'Server Key'), authMessage);
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  verifyServerFinal(serverFinal: string): void {
    const attrs = parseAttributes(serverFinal);
    if (attrs.e !== undefined) throw new SaslError(`SCRAM server error: ${attrs.e}`);
    const got = Buffer.from(attrs.v ?? '', 'base64');
    const want = this.expectedServerSignature;
    if (!want || got.length !== want.length || !timingSafeEqual(got, want)) {
      throw new SaslError(
        'SCRAM server signature does not match: the broker could not prove it knows the password',
      );
    }
  }
}

function hmac(hash: string, key: Buffer, data: string): Buffer {
  return createHmac(hash, key).update(data, 'utf8').digest();
}

/** RFC 5802 §5.1: "=" → "=3D", "," → "=2C". */
function saslName(username: string): string {
  return username.replaceAll('=', '=3D').replaceAll(',', '=2C');
}

function parseAttributes(message: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** The transport the conversation needs: one SaslAuthenticate round trip. */
export type SaslExchange = (clientBytes: Buffer) => Promise<Buffer>;

/** Runs the whole client side of a mechanism over `exchange` (after a successful SaslHandshake). */
export async function runSasl(settings: SaslSettings, exchange: SaslExchange): Promise<void> {
  if (settings.mechanism === 'oauthbearer') {
    await exchange(oauthBearerInitialResponse(await settings.token()));
    return;
  }
  const scram = new ScramConversation(settings.mechanism, settings.username, settings.password);
  const serverFirst = (await exchange(Buffer.from(scram.firstMessage(), 'utf8'))).toString('utf8');
  const serverFinal = (await exchange(Buffer.from(scram.finalMessage(serverFirst), 'utf8'))).toString('utf8');
  scram.verifyServerFinal(serverFinal);
}
