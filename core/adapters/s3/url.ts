import { InvalidInputError } from '../../domain/errors.ts';

export interface S3Location {
  readonly bucket: string;
  /** Without leading or trailing slashes; '' for the bucket root. */
  readonly prefix: string;
}

/** `s3://bucket/some/prefix/` → `{bucket: 'bucket', prefix: 'some/prefix'}` */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!match?.[1]) {
    throw new InvalidInputError(`not an S3 URL: ${JSON.stringify(url)}`, {
      code: 'S3_BAD_URL',
      fix: 'Use s3://bucket or s3://bucket/prefix (storage.segments, storage.evidence).',
    });
  }
  return { bucket: match[1], prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

export function formatS3Url(location: S3Location, key = ''): string {
  const path = [location.prefix, key].filter((p) => p !== '').join('/');
  return path === '' ? `s3://${location.bucket}` : `s3://${location.bucket}/${path}`;
}

/** The object key of `key` (relative to the location's prefix). */
export function objectKey(location: S3Location, key: string): string {
  const relative = key.replace(/^\/+/, '');
  return location.prefix === '' ? relative : `${location.prefix}/${relative}`;
}
