import { clusterSubject } from '../facts.ts';
import { finding } from '../finding.ts';
import type { Finding, PrecheckRule } from '../types.ts';

/** B02: an MSK Serverless cluster on either side; only provisioned clusters are supported. */
export const serverlessRule: PrecheckRule = {
  id: 'B02-serverless',
  codes: ['B02'],
  check(s) {
    const findings: Finding[] = [];
    for (const c of [s.source, s.target]) {
      if (c.msk?.type !== 'SERVERLESS') continue;
      const subject = clusterSubject(s, c);
      findings.push(
        finding(
          'B02',
          subject,
          `${c.role} cluster ${subject} is MSK Serverless; only MSK provisioned clusters are supported`,
          c.role === 'target'
            ? 'Create the target as an MSK provisioned cluster (Standard or Express brokers) in KRaft mode and point ' +
                'target.cluster_arn at it.'
            : 'kraft-migrate migrates MSK provisioned clusters; MSK Serverless manages its metadata mode itself and ' +
                'needs no ZooKeeper→KRaft migration.',
        ),
      );
    }
    return findings;
  },
};
