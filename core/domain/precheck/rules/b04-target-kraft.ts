import { clusterSubject, metadataModeOf } from '../facts.ts';
import { finding } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

const FIX =
  'Create the target as an MSK provisioned cluster with KRaft metadata mode (Kafka 3.7 or later) and point ' +
  'target.cluster_arn / target.bootstrap_servers at it.';

/** B04: the target is not in KRaft mode. */
export const targetKraftRule: PrecheckRule = {
  id: 'B04-target-kraft',
  codes: ['B04'],
  check(s) {
    const mode = metadataModeOf(s.target);
    const subject = clusterSubject(s, s.target);
    if (mode === 'kraft') return [];
    if (mode === 'zookeeper') {
      return [
        finding('B04', subject, `target cluster ${subject} runs in ZooKeeper mode, not KRaft mode`, FIX),
      ];
    }
    if (!s.target.reachable) return [];
    return [
      finding(
        'B04',
        subject,
        `could not determine whether target cluster ${subject} runs in KRaft mode (no metadata mode reported)`,
        `Check the target cluster's metadata mode in the MSK console. ${FIX}`,
      ),
    ];
  },
};
