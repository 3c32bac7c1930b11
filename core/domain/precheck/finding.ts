import { PRECHECK_CODES, type PrecheckCode } from './codes.ts';
import type { BucketSnapshot, Finding } from './types.ts';

/** Builds a finding; the severity comes from the code catalogue. */
export function finding(code: PrecheckCode, subject: string, message: string, fix: string): Finding {
  return { code, severity: PRECHECK_CODES[code].severity, subject, message, fix };
}

const BUCKET_FIX =
  'Create the bucket or fix the IAM policy: the runner needs s3:PutObject, s3:GetObject, s3:ListBucket and ' +
  's3:DeleteObject on both the segments and evidence buckets. `kraft-migrate plan --format iam-policy` writes ' +
  'the policy (iam-policy-concrete.json). With an S3-compatible store, also check storage.endpoint.';

/** B07/B08: a bucket that is unreachable or not writable. */
export function bucketAccessFindings(code: 'B07' | 'B08', bucket: BucketSnapshot): readonly Finding[] {
  const detail = bucket.error ?? 'no error detail';
  if (!bucket.reachable) {
    return [
      finding(code, bucket.url, `${bucket.role} bucket ${bucket.url} is unreachable: ${detail}`, BUCKET_FIX),
    ];
  }
  if (!bucket.writable) {
    return [
      finding(code, bucket.url, `${bucket.role} bucket ${bucket.url} is not writable: ${detail}`, BUCKET_FIX),
    ];
  }
  return [];
}
