import { clusterSubject } from '../facts.ts';
import { finding } from '../finding.ts';
import type { Finding, PrecheckRule } from '../types.ts';

const CONFIG_FIX =
  'Correct the config as the message says (docs/configuration.md lists every key with its default), then run precheck again.';

/**
 * B01 for a config that failed validation. The gatherer produces it before any snapshot exists
 * (there is nothing to check the clusters with), so it is a helper rather than part of a rule.
 */
export function configInvalidFinding(message: string): Finding {
  return finding('B01', 'config', message, CONFIG_FIX);
}

/** B01: the MSK lookup of a configured cluster ARN failed, or the cluster is not ACTIVE. */
export const clusterStateRule: PrecheckRule = {
  id: 'B01-cluster-state',
  codes: ['B01'],
  check(s) {
    const findings: Finding[] = [];
    for (const c of [s.source, s.target]) {
      const subject = clusterSubject(s, c);
      if (c.mskError !== undefined) {
        findings.push(
          finding(
            'B01',
            subject,
            `${c.role} cluster ARN lookup failed for ${subject}: ${c.mskError}`,
            `Check ${c.role}.cluster_arn (region, account, cluster name and UUID) and that the runner may call ` +
              'kafka:DescribeClusterV2 and kafka:GetBootstrapBrokers on it (`kraft-migrate plan --format iam-policy` ' +
              'prints the statements).',
          ),
        );
      } else if (c.msk !== undefined && c.msk.state !== 'ACTIVE') {
        findings.push(
          finding(
            'B01',
            subject,
            `${c.role} cluster ${subject} is ${c.msk.state}, not ACTIVE`,
            'Wait until the cluster is ACTIVE in the MSK console (an update, reboot or maintenance is in progress), ' +
              'then run precheck again. A FAILED or DELETING cluster cannot take part in a migration.',
          ),
        );
      }
    }
    return findings;
  },
};
