import { finding } from '../finding.ts';
import type { Finding, PrecheckRule } from '../types.ts';

const FIX = {
  source:
    'Grant the runner on the source: describe on the cluster, describe, describe-configs and read on the selected ' +
    'topics, write on them for the cutover sentinels (one record per partition), describe on the consumer groups ' +
    '(MSK IAM: kafka-cluster:Connect, DescribeCluster, DescribeTopic, DescribeTopicDynamicConfiguration, ReadData, ' +
    'WriteData, DescribeGroup; Kafka ACLs: DESCRIBE, DESCRIBE_CONFIGS, READ, WRITE). ' +
    '`kraft-migrate plan --format iam-policy` writes the statements.',
  target:
    'Grant the runner on the target: create, write, alter and alter-configs on the topics, describe and alter on ' +
    'the consumer groups, alter on the cluster to merge ACLs (MSK IAM: kafka-cluster:Connect, CreateTopic, ' +
    'DescribeTopic, WriteData, WriteDataIdempotently, AlterTopic, AlterTopicDynamicConfiguration, DescribeGroup, ' +
    'AlterGroup; Kafka ACLs: CREATE, WRITE, IDEMPOTENT_WRITE, ALTER, ALTER_CONFIGS, DESCRIBE, READ on groups). ' +
    '`kraft-migrate plan --format iam-policy` writes the statements.',
} as const;

/** B15: one finding per operation the gatherer was refused. */
export const permissionsRule: PrecheckRule = {
  id: 'B15-permissions',
  codes: ['B15'],
  check(s) {
    const findings: Finding[] = [];
    for (const c of [s.source, s.target]) {
      for (const p of c.permissionProblems) {
        findings.push(
          finding(
            'B15',
            p.resource,
            `${c.role}: ${p.operation} on ${p.resource} was refused: ${p.error}`,
            FIX[c.role],
          ),
        );
      }
    }
    return findings;
  },
};
