/**
 * Counts the requests this process sends, for the measure scripts (measure-width.ts,
 * measure-cutover.ts): Kafka requests by API — kafkajs requests (its Connection.send, wrapped here)
 * and @platformatic/kafka requests (its diagnostics channel `plt:kafka:connections:api`) — and HTTP
 * requests to the S3 endpoint (node's `http.client.request.start` channel). Counts of the whole
 * process: measure one step at a time.
 */
import { subscribe } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';

const counts = new Map<string, number>();
const PLT_API_NAMES: Readonly<Record<number, string>> = {
  0: 'Produce',
  1: 'Fetch',
  2: 'ListOffsets',
  3: 'Metadata',
  8: 'OffsetCommit',
  9: 'OffsetFetch',
  10: 'FindCoordinator',
  15: 'DescribeGroups',
  16: 'ListGroups',
  17: 'SaslHandshake',
  18: 'ApiVersions',
  19: 'CreateTopics',
  29: 'DescribeAcls',
  32: 'DescribeConfigs',
  35: 'DescribeLogDirs',
  36: 'SaslAuthenticate',
  44: 'IncrementalAlterConfigs',
  60: 'DescribeCluster',
};

const bump = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);

let installed = false;

/** Starts counting (once per process); `s3Host` (host:port) tells S3 requests from others. */
export function countRequests(s3Host?: string): void {
  if (installed) return;
  installed = true;
  subscribe('tracing:plt:kafka:connections:api:start', (message) => {
    const key = (message as { apiKey?: number }).apiKey ?? -1;
    bump(PLT_API_NAMES[key] ?? `api${key}`);
  });
  // kafkajs has no global hook: count at its Connection (the same module instance kafkajs loads).
  const require = createRequire(import.meta.url);
  const Connection = require('kafkajs/src/network/connection.js') as {
    prototype: { send: (this: unknown, r: { request: { apiName: string } }) => Promise<unknown> };
  };
  const send = Connection.prototype.send;
  Connection.prototype.send = function (this: unknown, r) {
    bump(r.request.apiName);
    return send.call(this, r);
  };
  if (s3Host !== undefined) {
    subscribe('http.client.request.start', (message) => {
      const req = (message as { request?: { host?: string; getHeader?: (h: string) => unknown } }).request;
      const host = String(req?.getHeader?.('host') ?? req?.host ?? '');
      if (host === s3Host || host === s3Host.split(':')[0]) bump('S3');
    });
  }
}

/** The counts since the last call, and resets them. */
export function takeCounts(): Map<string, number> {
  const out = new Map(counts);
  counts.clear();
  return out;
}

/** Kafka requests in `m` (every API but S3). */
export const kafkaTotal = (m: ReadonlyMap<string, number>) =>
  [...m].reduce((a, [name, n]) => (name === 'S3' ? a : a + n), 0);
