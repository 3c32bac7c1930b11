import { finding } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

/** B10: the target brokers could not be reached. Every rule that needs the target's brokers skips then. */
export const targetReachableRule: PrecheckRule = {
  id: 'B10-target-reachable',
  codes: ['B10'],
  check(s) {
    if (s.target.reachable) return [];
    return [
      finding(
        'B10',
        s.target.identity,
        `target brokers unreachable (${s.target.identity}): ${s.target.unreachableReason ?? 'no reason reported'}`,
        'Check the security groups (the runner must reach the broker port: 9092 plaintext, 9094 TLS, 9096 SASL/SCRAM, ' +
          '9098 IAM), VPC peering or PrivateLink between the runner and the target VPC, and target.bootstrap_servers ' +
          '(or target.cluster_arn) and target.auth in the config.',
      ),
    ];
  },
};
