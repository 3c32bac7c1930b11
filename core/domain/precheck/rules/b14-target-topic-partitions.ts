import { sameNamedTopics } from '../facts.ts';
import { finding } from '../finding.ts';
import type { Finding, PrecheckRule } from '../types.ts';

/** B14: a target topic exists with fewer partitions than the same-named source topic. */
export const targetTopicPartitionsRule: PrecheckRule = {
  id: 'B14-target-topic-partitions',
  codes: ['B14'],
  check(s) {
    if (!s.source.reachable || !s.target.reachable) return [];
    const findings: Finding[] = [];
    for (const [src, tgt] of sameNamedTopics(s)) {
      const want = src.partitions.length;
      const have = tgt.partitions.length;
      if (have >= want) continue;
      findings.push(
        finding(
          'B14',
          tgt.name,
          `target topic ${tgt.name} has ${have} partition(s), the source topic has ${want}`,
          `Records are copied to the same partition number, so the target needs at least ${want}. Increase the ` +
            `partitions (kafka-topics.sh --alter --topic ${tgt.name} --partitions ${want}) or delete the target ` +
            'topic so that the topology copy creates it.',
        ),
      );
    }
    return findings;
  },
};
