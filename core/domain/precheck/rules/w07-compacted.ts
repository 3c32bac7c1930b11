import { cleanupPolicies, isCompacted } from '../facts.ts';
import { finding } from '../finding.ts';
import type { Finding, PrecheckRule } from '../types.ts';

/** W07: compacted topics (cleanup.policy contains compact): apparent drift between seed and tail. */
export const compactedRule: PrecheckRule = {
  id: 'W07-compacted',
  codes: ['W07'],
  check(s) {
    if (!s.source.reachable) return [];
    const findings: Finding[] = [];
    for (const topic of s.source.topics) {
      if (!isCompacted(topic)) continue;
      findings.push(
        finding(
          'W07',
          topic.name,
          `source topic ${topic.name} is compacted (cleanup.policy=${(cleanupPolicies(topic) ?? []).join(',')}): ` +
            'compaction deletes records between seed and tail, which shows as apparent drift',
          'Expected. Compacted topic drift is reported as W07; validation downgrades count and spot-check ' +
            'mismatches on compacted topics to warnings.',
        ),
      );
    }
    return findings;
  },
};
