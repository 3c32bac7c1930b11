/**
 * One raw Kafka connection over node:net or node:tls: ApiVersions first (which also brings the
 * cluster's finalized features), then SASL when configured, then request/response by correlation
 * id. Used for what kafkajs lacks (see protocol.ts). Not pooled across processes; the admin keeps
 * one per broker and closes them.
 */
import net from 'node:net';
import tls from 'node:tls';
import {
  API_KEYS,
  API_VERSIONS_VERSION,
  type ApiVersionsResult,
  decodeApiVersionsResponse,
  decodeSaslAuthenticateResponse,
  decodeSaslHandshakeResponse,
  encodeApiVersionsRequest,
  encodeSaslAuthenticateRequest,
  encodeSaslHandshakeRequest,
  frameRequest,
  KafkaProtocolError,
  parseResponseFrame,
  responseHeaderIsFlexible,
  SASL_AUTHENTICATE_VERSION,
  SASL_HANDSHAKE_VERSION,
} from './protocol.ts';
import { kafkaMechanismName, runSasl, type SaslSettings } from './sasl.ts';

export interface RawConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** TLS options, or undefined for plaintext. */
  readonly tls?: tls.ConnectionOptions | undefined;
  readonly sasl?: SaslSettings | undefined;
  readonly clientId?: string;
  readonly connectTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

/** A socket-level failure; `code` is the errno-like code (ECONNREFUSED, ETIMEDOUT, ECONNRESET …). */
export class RawConnectionError extends Error {
  override readonly name = 'RawConnectionError';
  readonly code: string;
  readonly broker: string;
  constructor(message: string, code: string, broker: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.broker = broker;
  }
}

/** SASL rejected the credentials (mirrors kafkajs' KafkaJSSASLAuthenticationError). */
export class RawAuthenticationError extends Error {
  override readonly name = 'RawAuthenticationError';
}

interface Pending {
  readonly flexibleHeader: boolean;
  readonly resolve: (body: Buffer) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const SOFTWARE_NAME = 'kraft-migrate';
const SOFTWARE_VERSION = '0.1.0';

export class RawConnection {
  private inbound: Buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private failure: Error | undefined;
  private versions: ApiVersionsResult | undefined;
  private readonly socket: net.Socket;
  private readonly options: RawConnectionOptions;

  private constructor(socket: net.Socket, options: RawConnectionOptions) {
    this.socket = socket;
    this.options = options;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => this.fail(this.socketError(e)));
    socket.on('close', () =>
      this.fail(new RawConnectionError(`connection to ${this.broker} closed`, 'ECONNRESET', this.broker)),
    );
  }

  /** Connects, exchanges ApiVersions and authenticates. */
  static async open(options: RawConnectionOptions): Promise<RawConnection> {
    const socket = await connectSocket(options);
    const connection = new RawConnection(socket, options);
    try {
      connection.versions = await connection.apiVersionsRoundTrip();
      if (options.sasl) await connection.authenticate(options.sasl);
      return connection;
    } catch (e) {
      connection.close();
      throw e;
    }
  }

  get broker(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  /** False once the socket failed or was closed. */
  get isOpen(): boolean {
    return this.failure === undefined;
  }

  /** The broker's ApiVersions v3 answer (api ranges, supported and finalized features). */
  get apiVersions(): ApiVersionsResult {
    if (!this.versions) throw new Error('RawConnection used before ApiVersions completed');
    return this.versions;
  }

  /** Sends one request and resolves with the response body (after the response header). */
  request(apiKey: number, apiVersion: number, body: Buffer, flexible: boolean): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    const correlationId = this.nextCorrelationId++;
    const frame = frameRequest(
      { apiKey, apiVersion, correlationId, clientId: this.options.clientId ?? SOFTWARE_NAME, flexible },
      body,
    );
    return new Promise<Buffer>((resolve, reject) => {
      const timeoutMs = this.options.requestTimeoutMs ?? 35_000;
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(
          new RawConnectionError(
            `request to ${this.broker} timed out after ${timeoutMs} ms`,
            'ETIMEDOUT',
            this.broker,
          ),
        );
      }, timeoutMs);
      this.pending.set(correlationId, {
        flexibleHeader: responseHeaderIsFlexible(apiKey, flexible),
        resolve,
        reject,
        timer,
      });
      this.socket.write(frame);
    });
  }

  close(): void {
    this.fail(
      new RawConnectionError(`connection to ${this.broker} closed by client`, 'ECONNRESET', this.broker),
    );
    this.socket.destroy();
  }

  private async apiVersionsRoundTrip(): Promise<ApiVersionsResult> {
    const body = await this.request(
      API_KEYS.ApiVersions,
      API_VERSIONS_VERSION,
      encodeApiVersionsRequest(SOFTWARE_NAME, SOFTWARE_VERSION),
      true,
    );
    const result = decodeApiVersionsResponse(body);
    if (result.errorCode !== 0 && result.errorCode !== 35) {
      throw new KafkaProtocolError(result.errorCode, `ApiVersions on ${this.broker}`);
    }
    return result;
  }

  private async authenticate(sasl: SaslSettings): Promise<void> {
    const mechanism = kafkaMechanismName(sasl.mechanism);
    const handshake = decodeSaslHandshakeResponse(
      await this.request(
        API_KEYS.SaslHandshake,
        SASL_HANDSHAKE_VERSION,
        encodeSaslHandshakeRequest(mechanism),
        false,
      ),
    );
    if (handshake.errorCode !== 0) {
      throw new RawAuthenticationError(
        `SASL mechanism ${mechanism} not enabled on ${this.broker} (broker offers: ${handshake.mechanisms.join(', ') || 'none'})`,
      );
    }
    await runSasl(sasl, async (clientBytes) => {
      const answer = decodeSaslAuthenticateResponse(
        await this.request(
          API_KEYS.SaslAuthenticate,
          SASL_AUTHENTICATE_VERSION,
          encodeSaslAuthenticateRequest(clientBytes),
          false,
        ),
      );
      if (answer.errorCode !== 0) {
        throw new RawAuthenticationError(
          `SASL ${mechanism} authentication failed on ${this.broker}: ${answer.errorMessage ?? `error ${answer.errorCode}`}`,
        );
      }
      return answer.authBytes;
    });
  }

  private onData(chunk: Buffer): void {
    this.inbound = this.inbound.length === 0 ? chunk : Buffer.concat([this.inbound, chunk]);
    while (this.inbound.length >= 4) {
      const size = this.inbound.readInt32BE(0);
      if (this.inbound.length < 4 + size) return;
      const frame = this.inbound.subarray(4, 4 + size);
      this.inbound = this.inbound.subarray(4 + size);
      this.dispatch(frame);
    }
  }

  private dispatch(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const waiting = this.pending.get(correlationId);
    if (!waiting) return;
    this.pending.delete(correlationId);
    clearTimeout(waiting.timer);
    try {
      waiting.resolve(parseResponseFrame(frame, waiting.flexibleHeader).body);
    } catch (e) {
      waiting.reject(e as Error);
    }
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(e);
      this.pending.delete(id);
    }
  }

  private socketError(e: NodeJS.ErrnoException): RawConnectionError {
    return new RawConnectionError(
      `connection to ${this.broker} failed: ${e.message}`,
      e.code ?? 'ECONNRESET',
      this.broker,
      {
        cause: e,
      },
    );
  }
}

function connectSocket(options: RawConnectionOptions): Promise<net.Socket> {
  const broker = `${options.host}:${options.port}`;
  const timeoutMs = options.connectTimeoutMs ?? 5_000;
  return new Promise((resolve, reject) => {
    const socket = options.tls
      ? tls.connect({
          servername: net.isIP(options.host) ? undefined : options.host,
          ...options.tls,
          host: options.host,
          port: options.port,
        })
      : net.connect({ host: options.host, port: options.port });
    const readyEvent = options.tls ? 'secureConnect' : 'connect';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new RawConnectionError(
          `connection to ${broker} timed out after ${timeoutMs} ms`,
          'ETIMEDOUT',
          broker,
        ),
      );
    }, timeoutMs);
    const onError = (e: NodeJS.ErrnoException): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(
        new RawConnectionError(
          `connection to ${broker} failed: ${e.message}`,
          e.code ?? 'ECONNREFUSED',
          broker,
          { cause: e },
        ),
      );
    };
    socket.once('error', onError);
    socket.once(readyEvent, () => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}
