import { randomBytes } from 'node:crypto';
import { causeText } from '../../domain/errors.ts';
import type { BucketSnapshot } from '../../domain/precheck/types.ts';
import type { ObjectStore } from '../../ports.ts';

/** What precheck (B07, B08, B16, W03) needs to know about a bucket: BucketSnapshot without the role. */
export interface BucketProbe extends Omit<BucketSnapshot, 'role'> {
  readonly versioningEnabled: boolean;
}

export const PROBE_PREFIX = '_kraft-migrate-probe/';

/**
 * Reachable = the bucket exists and its facts can be read. Writable = a small object under
 * `_kraft-migrate-probe/` could be put AND deleted (the role needs both). On an Object Lock bucket
 * with default retention the delete only adds a delete marker; the probe version stays until its
 * retention ends. Never throws: a failure is `error` (the first problem's message).
 */
export async function probeBucket(store: ObjectStore): Promise<BucketProbe> {
  const unreachable = {
    url: store.url,
    reachable: false,
    writable: false,
    objectLockEnabled: false,
    versioningEnabled: false,
  };
  let facts: Awaited<ReturnType<ObjectStore['bucketFacts']>>;
  try {
    facts = await store.bucketFacts();
  } catch (e) {
    return { ...unreachable, error: causeText(e) };
  }
  if (!facts.exists) return { ...unreachable, error: `bucket of ${store.url} does not exist` };
  const base = {
    url: store.url,
    reachable: true,
    objectLockEnabled: facts.objectLockEnabled,
    versioningEnabled: facts.versioningEnabled,
    kmsKeyArn: facts.kmsKeyArn,
  };
  const writeProblem = await probeWrite(store);
  return writeProblem === undefined
    ? { ...base, writable: true }
    : { ...base, writable: false, error: writeProblem };
}

async function probeWrite(store: ObjectStore): Promise<string | undefined> {
  const key = `${PROBE_PREFIX}${Date.now()}-${randomBytes(4).toString('hex')}.txt`;
  try {
    await store.put(key, 'kraft-migrate precheck write probe; safe to delete\n', {
      contentType: 'text/plain',
    });
  } catch (e) {
    return causeText(e);
  }
  try {
    await store.delete(key);
  } catch (e) {
    return causeText(e);
  }
  return undefined;
}
