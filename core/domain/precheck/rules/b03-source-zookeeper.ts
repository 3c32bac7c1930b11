import { clusterSubject, metadataModeOf } from '../facts.ts';
import { finding } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

const FIX =
  'kraft-migrate moves ZooKeeper-mode clusters to KRaft. To copy a KRaft cluster to another KRaft cluster ' +
  '(a move across accounts, regions or broker types), run again with `--allow-kraft-source`.';

/** B03: the source is not in ZooKeeper mode (unless --allow-kraft-source). */
export const sourceZookeeperRule: PrecheckRule = {
  id: 'B03-source-zookeeper',
  codes: ['B03'],
  check(s) {
    if (s.options.allowKraftSource) return [];
    const mode = metadataModeOf(s.source);
    const subject = clusterSubject(s, s.source);
    if (mode === 'zookeeper') return [];
    if (mode === 'kraft') {
      return [
        finding('B03', subject, `source cluster ${subject} runs in KRaft mode, not ZooKeeper mode`, FIX),
      ];
    }
    // Unknown: only when the brokers answered (an unreachable source is B09's finding, not ours).
    if (!s.source.reachable) return [];
    return [
      finding(
        'B03',
        subject,
        `could not determine whether source cluster ${subject} runs in ZooKeeper mode (no metadata mode reported)`,
        `Check the source cluster's metadata mode in the MSK console. ${FIX}`,
      ),
    ];
  },
};
