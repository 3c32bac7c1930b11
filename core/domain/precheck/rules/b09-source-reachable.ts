import { finding } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

/** B09: the source brokers could not be reached. Every rule that needs the source's brokers skips then. */
export const sourceReachableRule: PrecheckRule = {
  id: 'B09-source-reachable',
  codes: ['B09'],
  check(s) {
    if (s.source.reachable) return [];
    return [
      finding(
        'B09',
        s.source.identity,
        `source brokers unreachable (${s.source.identity}): ${s.source.unreachableReason ?? 'no reason reported'}`,
        'Check the security groups (the runner must reach the broker port: 9092 plaintext, 9094 TLS, 9096 SASL/SCRAM, ' +
          '9098 IAM), VPC peering or PrivateLink between the runner and the source VPC, and source.bootstrap_servers ' +
          '(or source.cluster_arn) and source.auth in the config.',
      ),
    ];
  },
};
