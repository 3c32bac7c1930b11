import { bucketAccessFindings } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

/** B07: the segments bucket (seed staging) is unreachable or not writable. */
export const segmentsBucketRule: PrecheckRule = {
  id: 'B07-segments-bucket',
  codes: ['B07'],
  check: (s) => bucketAccessFindings('B07', s.segments),
};
