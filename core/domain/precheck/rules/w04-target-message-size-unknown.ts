import { clusterSubject, configValue, intConfig, largestSourceMessage } from '../facts.ts';
import { finding } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

const SIZE_KEYS = ['message.max.bytes', 'replica.fetch.max.bytes'] as const;

/**
 * W04: the target's message-size settings could not be read (DescribeConfigs failed after the
 * gatherer's retries, or returned no message.max.bytes / replica.fetch.max.bytes), so B11/B12
 * could not be checked. Skipped when the target is unreachable (that is B10).
 */
export const targetMessageSizeUnknownRule: PrecheckRule = {
  id: 'W04-target-message-size-unknown',
  codes: ['W04'],
  check(s) {
    const t = s.target;
    if (!t.reachable) return [];
    let problem: string | undefined;
    if (t.brokerConfigError !== undefined) {
      problem = `target broker configs could not be read: ${t.brokerConfigError}`;
    } else if (t.brokerConfigs === undefined) {
      problem = 'target broker configs were not returned';
    } else {
      const missing = SIZE_KEYS.filter((k) => intConfig(t.brokerConfigs, k) === undefined);
      if (missing.length > 0) {
        problem = `target broker configs have no usable ${missing
          .map((k) => `${k} (${configValue(t.brokerConfigs, k) ?? 'unset'})`)
          .join(', ')}`;
      }
    }
    if (problem === undefined) return [];
    const largest = largestSourceMessage(s.source);
    const bound = largest === undefined ? 'the largest source max.message.bytes' : String(largest.bytes);
    return [
      finding(
        'W04',
        clusterSubject(s, t),
        `${problem}; message.max.bytes and replica.fetch.max.bytes (B11, B12) were not checked`,
        'Grant the runner describe-configs on the target cluster (MSK IAM: ' +
          'kafka-cluster:DescribeClusterDynamicConfiguration; Kafka ACL: DESCRIBE_CONFIGS on the cluster) and run ' +
          `precheck again, or check by hand that message.max.bytes and replica.fetch.max.bytes are at least ${bound} ` +
          'on the target.',
      ),
    ];
  },
};
