import { clusterSubject } from '../facts.ts';
import { finding } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

/** B05: source and target are the same cluster (same cluster id, same ARN, or shared bootstrap brokers). */
export const sameClusterRule: PrecheckRule = {
  id: 'B05-same-cluster',
  codes: ['B05'],
  check(s) {
    const reasons: string[] = [];
    const { source, target, config } = s;
    if (
      source.reachable &&
      target.reachable &&
      source.clusterId !== undefined &&
      source.clusterId === target.clusterId
    ) {
      reasons.push(`both report cluster id ${source.clusterId}`);
    }
    const sourceArn = config.source.cluster_arn ?? source.msk?.arn;
    const targetArn = config.target.cluster_arn ?? target.msk?.arn;
    if (sourceArn !== undefined && sourceArn === targetArn) reasons.push(`both use cluster ARN ${sourceArn}`);
    const sourceBrokers = new Set((config.source.bootstrap_servers ?? []).map(normalise));
    const shared = (config.target.bootstrap_servers ?? []).map(normalise).filter((b) => sourceBrokers.has(b));
    if (shared.length > 0) reasons.push(`both bootstrap lists contain ${[...new Set(shared)].join(', ')}`);
    if (reasons.length === 0) return [];
    const subject = clusterSubject(s, target);
    return [
      finding(
        'B05',
        subject,
        `source and target are the same cluster: ${reasons.join('; ')}`,
        'Point target at a separate, new KRaft cluster: kraft-migrate copies from one cluster to another. To convert ' +
          "a cluster in place, use MSK's ZooKeeper→KRaft upgrade instead (see I04).",
      ),
    ];
  },
};

function normalise(hostPort: string): string {
  return hostPort.trim().toLowerCase();
}
