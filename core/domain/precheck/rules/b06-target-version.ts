import { parseKafkaVersion, versionAtLeast } from '../../kafka-version.ts';
import { clusterSubject, kafkaVersionOf } from '../facts.ts';
import { finding } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

/**
 * B06: the target's Kafka version is below 3.7 (compared numerically: 3.10 > 3.9). An unknown or
 * unparsable version gives no finding: B04 already decides whether the target is KRaft, and an
 * unreachable target is B10's finding.
 */
export const targetVersionRule: PrecheckRule = {
  id: 'B06-target-version',
  codes: ['B06'],
  check(s) {
    const text = kafkaVersionOf(s.target);
    const version = parseKafkaVersion(text);
    if (version === undefined || versionAtLeast(version, 3, 7)) return [];
    const subject = clusterSubject(s, s.target);
    return [
      finding(
        'B06',
        subject,
        `target cluster ${subject} runs Kafka ${text}, below 3.7`,
        'Create the target with Kafka 3.7 or later in KRaft mode (MSK: 3.7.x, 3.8.x, 3.9.x or 4.x with KRaft ' +
          'metadata mode), or upgrade it, then run precheck again.',
      ),
    ];
  },
};
