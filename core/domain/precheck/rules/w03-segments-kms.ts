import { finding } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

/**
 * W03: the segments bucket encrypts with a KMS key (the bucket's default, or storage.kms_key_arn):
 * kms:GenerateDataKey / kms:Decrypt cannot be verified without writing an object.
 */
export const segmentsKmsRule: PrecheckRule = {
  id: 'W03-segments-kms',
  codes: ['W03'],
  check(s) {
    const key = s.segments.kmsKeyArn ?? s.config.storage.kms_key_arn;
    if (key === undefined) return [];
    return [
      finding(
        'W03',
        s.segments.url,
        `segments bucket ${s.segments.url} is encrypted with KMS key ${key}; access to the key cannot be verified ` +
          'without writing',
        'Make sure the runner role has kms:GenerateDataKey and kms:Decrypt on the key (and the key policy allows ' +
          'it); `kraft-migrate plan --format iam-policy` includes the statements.',
      ),
    ];
  },
};
