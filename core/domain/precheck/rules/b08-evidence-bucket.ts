import { bucketAccessFindings } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

/** B08: the evidence bucket (journal, evidence.json) is unreachable or not writable. */
export const evidenceBucketRule: PrecheckRule = {
  id: 'B08-evidence-bucket',
  codes: ['B08'],
  check: (s) => bucketAccessFindings('B08', s.evidence),
};
