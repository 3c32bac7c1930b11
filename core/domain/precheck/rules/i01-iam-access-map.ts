import { clusterSubject } from '../facts.ts';
import { finding } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

/**
 * I01: the target uses IAM access control, so the source's ACLs cannot be created there and are
 * written to access-map.json. No finding with topology.acls=skip (no ACLs are handled at all).
 */
export const iamAccessMapRule: PrecheckRule = {
  id: 'I01-iam-access-map',
  codes: ['I01'],
  check(s) {
    const iam = s.target.msk?.iamAuth === true || s.config.target.auth.mode === 'iam';
    if (!iam || s.config.topology.acls === 'skip') return [];
    return [
      finding(
        'I01',
        clusterSubject(s, s.target),
        'target uses IAM access control: the source ACLs are written to access-map.json instead of being created ' +
          'on the target',
        'Translate access-map.json into IAM policies for the client roles (kafka-cluster:* actions on the topic and ' +
          'group ARNs) before the client switch.',
      ),
    ];
  },
};
