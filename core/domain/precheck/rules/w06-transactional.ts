import { finding } from '../finding.ts';
import type { Finding, PrecheckRule } from '../types.ts';

/** W06: topics holding transactional data: copied read_committed, markers leave offset gaps. */
export const transactionalRule: PrecheckRule = {
  id: 'W06-transactional',
  codes: ['W06'],
  check(s) {
    if (!s.source.reachable) return [];
    const isolation = s.config.seed.isolation_level;
    const findings: Finding[] = [];
    for (const topic of s.source.transactionalTopics) {
      findings.push(
        finding(
          'W06',
          topic,
          `source topic ${topic} holds transactional data; it is copied with isolation_level=${isolation}` +
            (isolation === 'read_committed' ? ' (aborted records are not copied)' : '') +
            ': transaction markers leave offset gaps on the source, so target offsets differ from source offsets',
          'No action needed for groups migrated by kraft-migrate: their offsets are translated through the offset ' +
            'map. Do not compare raw offsets between source and target, and do not copy offsets by hand.',
        ),
      );
    }
    return findings;
  },
};
