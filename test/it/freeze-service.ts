/**
 * A producer-freeze system for the integration tests, on 127.0.0.1: it receives kraft-migrate's
 * webhook (docs/cutover.md), checks the HMAC signature, really pauses the tests' producers (they
 * stop sending before it answers) and answers 200 (frozen now), 202 (and later the task token,
 * through `answerLater`), 500, or never (a hanging freeze system). Unfreeze resumes the producers.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Producer } from 'kafkajs';
import { SIGNATURE_HEADER, signBody } from '../../core/domain/freeze.ts';
import { kafka } from './fixtures.ts';

export type FreezeBehaviour = 'sync' | 'async' | 'error' | 'hang';

export interface FreezeCall {
  readonly body: Record<string, unknown>;
  readonly signature: string | undefined;
  readonly status: number;
}

/** A producer sending sequence-numbered records round-robin until stopped; honours the freeze unless `rogue`. */
export class TestProducer {
  sent = 0;
  #paused = false;
  #stopped = false;
  #inFlight: Promise<unknown> = Promise.resolve();
  readonly #loop: Promise<void>;
  readonly #producer: Producer;

  readonly topic: string;
  readonly partitions: number;
  readonly rogue: boolean;

  constructor(topic: string, partitions: number, rogue = false) {
    this.topic = topic;
    this.partitions = partitions;
    this.rogue = rogue;
    this.#producer = kafka('source').producer();
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    await this.#producer.connect();
    while (!this.#stopped) {
      if (this.#paused && !this.rogue) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const i = this.sent++;
      this.#inFlight = this.#producer.send({
        topic: this.topic,
        messages: [{ key: `k${i}`, value: `seq-${i}`, partition: i % this.partitions }],
      });
      await this.#inFlight;
      await new Promise((r) => setTimeout(r, 20));
    }
    await this.#producer.disconnect();
  }

  /** Stops sending; resolves once the last send is acknowledged. */
  async pause(): Promise<void> {
    this.#paused = true;
    await this.#inFlight.catch(() => {});
  }

  resume(): void {
    this.#paused = false;
  }

  get paused(): boolean {
    return this.#paused;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop.catch(() => {});
  }
}

export class FreezeService {
  readonly calls: FreezeCall[] = [];
  behaviour: FreezeBehaviour;
  readonly producers: TestProducer[] = [];
  readonly #secret: string | undefined;
  readonly #server: Server;
  /** Task tokens of 202 answers, for `answerLater`. */
  readonly pendingTokens: string[] = [];

  private constructor(server: Server, behaviour: FreezeBehaviour, secret: string | undefined) {
    this.#server = server;
    this.behaviour = behaviour;
    this.#secret = secret;
  }

  static async start(behaviour: FreezeBehaviour, secret?: string): Promise<FreezeService> {
    const server = createServer();
    const service = new FreezeService(server, behaviour, secret);
    server.on('request', (req, res) => {
      void service.#handle(req).then(
        (status) => {
          if (status === undefined) return; // hang: never answer
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status }));
        },
        () => {
          res.writeHead(400);
          res.end();
        },
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return service;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/freeze`;
  }

  actions(): string[] {
    return this.calls.map((c) => String(c.body['action']));
  }

  async #handle(req: IncomingMessage): Promise<number | undefined> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const signature = req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined;
    const body = JSON.parse(text) as Record<string, unknown>;
    const record = (status: number) => {
      this.calls.push({ body, signature, status });
      return status;
    };
    if (this.#secret !== undefined && signature !== signBody(text, this.#secret)) return record(401);
    if (body['action'] === 'unfreeze') {
      for (const p of this.producers) p.resume();
      return record(200);
    }
    if (this.behaviour === 'hang') {
      this.calls.push({ body, signature, status: 0 });
      return undefined;
    }
    if (this.behaviour === 'error') return record(500);
    await Promise.all(this.producers.map((p) => p.pause()));
    if (this.behaviour === 'async') {
      this.pendingTokens.push(String(body['task_token']));
      return record(202);
    }
    return record(200);
  }

  async close(): Promise<void> {
    await Promise.all(this.producers.map((p) => p.stop()));
    await new Promise<void>((r) => {
      this.#server.close(() => r());
      this.#server.closeAllConnections();
    });
  }
}
