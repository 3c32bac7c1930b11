import type { S3Location } from '../../domain/plan/storage-layout.ts';

/** One parser for `s3://bucket/prefix` URLs: the domain's (storage layout). */
export { parseS3Url, type S3Location } from '../../domain/plan/storage-layout.ts';

export function formatS3Url(location: S3Location, key = ''): string {
  const path = [location.prefix, key].filter((p) => p !== '').join('/');
  return path === '' ? `s3://${location.bucket}` : `s3://${location.bucket}/${path}`;
}

/** The object key of `key` (relative to the location's prefix). */
export function objectKey(location: S3Location, key: string): string {
  const relative = key.replace(/^\/+/, '');
  return location.prefix === '' ? relative : `${location.prefix}/${relative}`;
}
