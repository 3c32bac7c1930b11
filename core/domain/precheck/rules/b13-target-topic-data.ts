import { formatCount, listNames } from '../../format.ts';
import { recordsIn } from '../facts.ts';
import { finding } from '../finding.ts';
import type { Finding, PrecheckRule } from '../types.ts';

/**
 * B13: a target topic with the name of a selected source topic already holds data: some partition
 * has end > log-start. A topic whose records were all deleted (end > 0 but log-start = end) holds
 * no data: the copy appends after its end and the offset map records the shift.
 */
export const targetTopicDataRule: PrecheckRule = {
  id: 'B13-target-topic-data',
  codes: ['B13'],
  check(s) {
    if (!s.target.reachable) return [];
    const selected = new Set(s.source.topics.map((t) => t.name));
    const findings: Finding[] = [];
    for (const topic of s.target.topics) {
      if (s.source.reachable && !selected.has(topic.name)) continue;
      const holding = topic.partitions.filter((p) => p.end > p.logStart);
      if (holding.length === 0) continue;
      const records = holding.reduce((sum, p) => sum + recordsIn(p), 0n);
      const where = listNames(holding.map((p) => `partition ${p.partition} offsets ${p.logStart}..${p.end}`));
      findings.push(
        finding(
          'B13',
          topic.name,
          `target topic ${topic.name} already holds ${formatCount(records)} record(s) in ${holding.length} ` +
            `partition(s): ${where}`,
          'kraft-migrate copies into empty topics only, so that every record and consumer offset maps exactly. ' +
            'Delete the topic on the target (or empty it with kafka-delete-records.sh), exclude it with ' +
            'topics.exclude, or use a fresh target cluster.',
        ),
      );
    }
    return findings;
  },
};
