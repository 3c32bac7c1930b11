// Waits until Kafka brokers of the local stack answer through the protocol, not after a fixed sleep.
// Usage: STACK_DIR=... READY_TIMEOUT=90 node wait-ready.mjs source=127.0.0.1:19092 [target=...]
// Ready means: metadata with a controller, ListGroups, and a group coordinator that answers
// DescribeGroups (this also makes the broker create __consumer_offsets). Creates no topic.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const stackDir = process.env.STACK_DIR ?? '.local/stack';
const timeoutMs = Number(process.env.READY_TIMEOUT ?? 90) * 1000;

function alive(service) {
  try {
    process.kill(Number(readFileSync(`${stackDir}/pids/${service}.pid`, 'utf8')), 0);
    return true;
  } catch {
    return false;
  }
}

async function probe(broker) {
  const kafka = new Kafka({
    clientId: 'kraft-migrate-stack-ready',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.controller === null || cluster.controller < 0) throw new Error('no controller yet');
    await admin.listGroups();
    await admin.describeGroups(['kraft-migrate-stack-ready-probe']);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function waitReady(service, broker) {
  const log = `${stackDir}/logs/${service}.log`;
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    if (!alive(service)) throw new Error(`${service} (${broker}) exited during start-up, see ${log}`);
    try {
      return await probe(broker);
    } catch (err) {
      last = err;
    }
    await sleep(200);
  }
  throw new Error(
    `${service} (${broker}) not ready after ${timeoutMs / 1000}s (last: ${last?.message}), see ${log}`,
  );
}

const targets = process.argv.slice(2).map((arg) => arg.split('='));
const results = await Promise.allSettled(targets.map(([service, broker]) => waitReady(service, broker)));
const failures = results.filter((r) => r.status === 'rejected');
for (const f of failures) console.error(`stack: ${f.reason.message}`);
process.exit(failures.length === 0 ? 0 : 1);
