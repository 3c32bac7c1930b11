import { formatHumanDuration } from '../../format.ts';
import { cleanupPolicies, finiteRetentionMs, timestampType } from '../facts.ts';
import { finding } from '../finding.ts';
import type { Finding, PrecheckRule } from '../types.ts';

/**
 * W08: cleanup.policy=delete (not compact), message.timestamp.type=CreateTime (or unset) and a
 * finite retention.ms. Records are restored with their original CreateTime, so the target's
 * retention may delete the oldest restored records before the client switch (the troubleshooting
 * page's count-mismatch cause 3; the cutover log-start guard then blocks the switch).
 */
export const createTimeRetentionRule: PrecheckRule = {
  id: 'W08-create-time-retention',
  codes: ['W08'],
  check(s) {
    if (!s.source.reachable) return [];
    const findings: Finding[] = [];
    for (const topic of s.source.topics) {
      const policies = cleanupPolicies(topic);
      if (policies === undefined || !policies.includes('delete') || policies.includes('compact')) continue;
      if (timestampType(topic).toLowerCase() !== 'createtime') continue;
      const retentionMs = finiteRetentionMs(topic);
      if (retentionMs === undefined) continue;
      findings.push(
        finding(
          'W08',
          topic.name,
          `source topic ${topic.name} has cleanup.policy=delete, message.timestamp.type=CreateTime and ` +
            `retention.ms=${retentionMs} (${formatHumanDuration(retentionMs)}): records are restored with their ` +
            "original timestamps, so the target's retention may delete the oldest ones before the client switch",
          'Temporarily extend retention.ms on the target topic for the migration window (e.g. -1, or the source ' +
            'retention plus the expected migration duration) once the topology copy has created it, and restore the ' +
            'source value after the client switch. Otherwise the cutover log-start guard blocks the switch and the ' +
            'affected partitions need `kraft-migrate repair`.',
        ),
      );
    }
    return findings;
  },
};
