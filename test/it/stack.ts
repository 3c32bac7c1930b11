/**
 * Where the local stack listens (scripts/stack/up.sh starts it; test/it/global-setup.ts makes sure
 * it is up before integration tests run). Everything is on 127.0.0.1. These ports are the contract
 * between scripts/stack, examples/local.yaml and the tests.
 */
export const STACK = {
  zookeeper: '127.0.0.1:12181',
  /** Apache Kafka 3.9 in ZooKeeper mode (like an MSK ZooKeeper cluster). */
  source: '127.0.0.1:19092',
  /** Apache Kafka 4.1 in KRaft mode, combined broker+controller; controller listener on 29093. */
  target: '127.0.0.1:29092',
  /** moto server: S3 API with Object Lock, versioning, multipart. */
  s3Endpoint: 'http://127.0.0.1:24566',
  s3Region: 'us-east-1',
} as const;

/** A unique name per test so tests never see each other's topics, groups or buckets. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
