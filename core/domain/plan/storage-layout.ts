/**
 * Where a migration keeps its objects (SPEC §4, §6.2, §6.6). URLs are `s3://bucket/prefix`;
 * the configured prefix may be empty and may or may not end with `/`.
 *
 *   segments:  <segments>/<id>/topics/<topic>/partition=<p>/
 *   evidence:  <evidence>/migrations/<id>/evidence.json
 *   journal:   <evidence>/migrations/<id>/journal/
 */

import { InvalidInputError } from '../errors.ts';

export interface S3Location {
  readonly bucket: string;
  /** Without leading or trailing `/`; '' for the whole bucket. */
  readonly prefix: string;
}

/** Tolerant on purpose (CDK tokens are not valid bucket names but must pass through). */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url.trim());
  if (!m?.[1]) {
    throw new InvalidInputError(`not an S3 URL: ${JSON.stringify(url)}`, {
      code: 'S3_BAD_URL',
      fix: 'Use s3://bucket or s3://bucket/prefix (storage.segments, storage.evidence).',
    });
  }
  return { bucket: m[1]!, prefix: trimSlashes(m[2] ?? '') };
}

export function s3Url(loc: S3Location, ...parts: readonly string[]): string {
  const key = joinKey(loc.prefix, ...parts);
  return key ? `s3://${loc.bucket}/${key}` : `s3://${loc.bucket}`;
}

/** Joins key parts with single slashes; keeps a trailing `/` when the last part has one. */
export function joinKey(...parts: readonly string[]): string {
  const trailing = parts.length > 0 && parts[parts.length - 1]!.endsWith('/');
  const joined = parts
    .map(trimSlashes)
    .filter((p) => p !== '')
    .join('/');
  return trailing && joined ? `${joined}/` : joined;
}

function trimSlashes(s: string): string {
  return s.replace(/^\/+|\/+$/g, '');
}

export function segmentsMigrationPrefix(segmentsUrl: string, migrationId: string): string {
  return s3Url(parseS3Url(segmentsUrl), migrationId, '/');
}

export function segmentsTopicPrefix(segmentsUrl: string, migrationId: string, topic: string): string {
  return s3Url(parseS3Url(segmentsUrl), migrationId, 'topics', topic, '/');
}

export function segmentsPartitionPrefix(
  segmentsUrl: string,
  migrationId: string,
  topic: string,
  partition: number,
): string {
  return s3Url(parseS3Url(segmentsUrl), migrationId, 'topics', topic, `partition=${partition}/`);
}

export function evidenceObjectUrl(evidenceUrl: string, migrationId: string): string {
  return s3Url(parseS3Url(evidenceUrl), 'migrations', migrationId, 'evidence.json');
}

export function journalPrefixUrl(evidenceUrl: string, migrationId: string): string {
  return s3Url(parseS3Url(evidenceUrl), 'migrations', migrationId, 'journal/');
}
