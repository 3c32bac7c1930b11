import { canonicalSha256 } from './canonical.ts';
import type { MigrationConfig } from './config/schema.ts';
import { InvalidInputError } from './errors.ts';

/**
 * Migration identity (SPEC §3): the migration id and the resume fingerprint. Pure.
 *
 * - Migration id: `<srcClusterUuid>--<tgtClusterUuid>--<UTC yyyymmddThhmmssZ>` unless the config pins
 *   `migration_id`. The cluster uuid is the last segment of the MSK cluster ARN when there is one
 *   (e.g. `d0efd3c5-5308-48ff-b5a6-5ea8d4b24708-3`), otherwise Kafka's own cluster id.
 * - Resume fingerprint: SHA-256 hex of the RFC 8785 canonical JSON of
 *   `{source, target, segments, evidence}` where a cluster is its ARN when given, else its sorted,
 *   de-duplicated, lower-cased bootstrap list, and a bucket location is its `s3://` URL without
 *   trailing slashes. Auth, endpoint, region and tuning knobs are deliberately not part of it:
 *   changing them does not make the journal describe a different migration.
 */

/** Characters a derived migration id may contain (it becomes part of S3 keys and file names). */
const ID_PART = /^[A-Za-z0-9._-]+$/;

/**
 * A migration id, pinned or derived: at most 255 letters, digits, `.`, `_`, `-`, not starting with
 * `.`. A derived id starts with Kafka's cluster id, base64url, which may begin with `_` or `-`; every
 * check of an id (config, copier environment, segment keys) uses this one pattern, so an id the tool
 * derives is one it accepts.
 */
export const MIGRATION_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}$/;
export const MIGRATION_ID_RULE = 'expected letters, digits, ".", "_" or "-" (it becomes part of S3 keys)';

/** `2026-04-25T06:15:02.123Z` → `20260425T061502Z`. */
function compactUtc(date: Date): string {
  if (Number.isNaN(date.getTime())) {
    throw new InvalidInputError('cannot build a migration id from an invalid date', {
      code: 'IDENTITY_INVALID_DATE',
      fix: 'Pass the start time of the migration as a valid Date (the Clock port).',
    });
  }
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** The uuid part of an MSK cluster ARN (`arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>`). */
function clusterUuidFromArn(arn: string): string | undefined {
  const match = /:cluster\/[^/]+\/([^/]+)$/.exec(arn);
  return match?.[1];
}

/** The cluster part of a migration id: the ARN's uuid when there is an ARN, else Kafka's cluster id. */
export function clusterIdPart(clusterArn: string | undefined, kafkaClusterId: string): string {
  return (clusterArn === undefined ? undefined : clusterUuidFromArn(clusterArn)) ?? kafkaClusterId;
}

/** `<srcClusterUuid>--<tgtClusterUuid>--<yyyymmddThhmmssZ>` */
function defaultMigrationId(sourceClusterId: string, targetClusterId: string, startedAt: Date): string {
  for (const [role, id] of [
    ['source', sourceClusterId],
    ['target', targetClusterId],
  ] as const) {
    if (!ID_PART.test(id)) {
      throw new InvalidInputError(
        `${role} cluster id ${JSON.stringify(id)} cannot be part of a migration id`,
        {
          code: 'IDENTITY_BAD_CLUSTER_ID',
          fix: 'Set migration_id in the config (letters, digits, ".", "_" or "-").',
        },
      );
    }
  }
  return `${sourceClusterId}--${targetClusterId}--${compactUtc(startedAt)}`;
}

/** The configured `migration_id` when pinned, else the default one. */
export function migrationId(
  config: Pick<MigrationConfig, 'migration_id'>,
  sourceClusterId: string,
  targetClusterId: string,
  startedAt: Date,
): string {
  return config.migration_id ?? defaultMigrationId(sourceClusterId, targetClusterId, startedAt);
}

export interface ClusterIdentityInput {
  readonly cluster_arn?: string | undefined;
  readonly bootstrap_servers?: readonly string[] | undefined;
}

export type ClusterIdentity =
  | { readonly cluster_arn: string }
  | { readonly bootstrap_servers: readonly string[] };

/** The ARN when given; otherwise the sorted, de-duplicated, lower-cased bootstrap list. */
export function clusterIdentity(cluster: ClusterIdentityInput): ClusterIdentity {
  if (cluster.cluster_arn !== undefined) return { cluster_arn: cluster.cluster_arn };
  const servers = cluster.bootstrap_servers ?? [];
  if (servers.length === 0) {
    throw new InvalidInputError('a cluster needs cluster_arn or bootstrap_servers to have an identity', {
      code: 'IDENTITY_NO_CLUSTER',
      fix: 'Give source/target cluster_arn or bootstrap_servers in the config.',
    });
  }
  return { bootstrap_servers: [...new Set(servers.map((s) => s.trim().toLowerCase()))].sort() };
}

/** `s3://bucket/prefix/` → `s3://bucket/prefix` */
export function normalizeBucketUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

export interface FingerprintInput {
  readonly source: ClusterIdentityInput;
  readonly target: ClusterIdentityInput;
  readonly storage: { readonly segments: string; readonly evidence: string };
}

/** What the fingerprint hashes; exported so `status --json` and evidence can show it. */
function fingerprintDocument(config: FingerprintInput): Record<string, unknown> {
  return {
    source: clusterIdentity(config.source),
    target: clusterIdentity(config.target),
    segments: normalizeBucketUrl(config.storage.segments),
    evidence: normalizeBucketUrl(config.storage.evidence),
  };
}

/** SHA-256 hex of the canonical JSON of the source/target identities and both bucket locations. */
export function resumeFingerprint(config: FingerprintInput): string {
  return canonicalSha256(fingerprintDocument(config));
}
