import { finding } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

/**
 * B16: evidence.retention is set but the evidence bucket has no Object Lock, so the upload would
 * fail with `PutObject failed: InvalidRequest — bucket does not have Object Lock enabled`.
 * Skipped when the bucket is unreachable (B08 reports that; its Object Lock state is unknown).
 */
export const evidenceObjectLockRule: PrecheckRule = {
  id: 'B16-evidence-object-lock',
  codes: ['B16'],
  check(s) {
    const retention = s.config.evidence.retention;
    if (retention === undefined || !s.evidence.reachable || s.evidence.objectLockEnabled) return [];
    return [
      finding(
        'B16',
        s.evidence.url,
        `evidence.retention is ${retention} but the evidence bucket ${s.evidence.url} does not have Object Lock enabled`,
        'Object Lock cannot be added retroactively. Either create a new bucket with Object Lock enabled and update ' +
          'storage.evidence in the config, or remove evidence.retention from the config (evidence uploads without ' +
          'retention).',
      ),
    ];
  },
};
