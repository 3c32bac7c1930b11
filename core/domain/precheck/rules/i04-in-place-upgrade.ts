import { parseKafkaVersion } from '../../kafka-version.ts';
import { clusterSubject } from '../facts.ts';
import { finding } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

/**
 * I04: MSK's in-place ZooKeeper→KRaft upgrade may be possible for this source: MSK provisioned,
 * Kafka 3.9.x, 3 availability zones, ZooKeeper mode. Otherwise no finding.
 */
export const inPlaceUpgradeRule: PrecheckRule = {
  id: 'I04-in-place-upgrade',
  codes: ['I04'],
  check(s) {
    const msk = s.source.msk;
    const version = parseKafkaVersion(msk?.kafkaVersion);
    if (
      msk === undefined ||
      msk.type !== 'PROVISIONED' ||
      version?.major !== 3 ||
      version.minor !== 9 ||
      msk.availabilityZones !== 3 ||
      msk.zookeeperMode !== true
    ) {
      return [];
    }
    const subject = clusterSubject(s, s.source);
    return [
      finding(
        'I04',
        subject,
        `source ${subject} is an MSK provisioned Kafka ${msk.kafkaVersion} cluster in 3 availability zones running ` +
          "ZooKeeper: MSK's in-place ZooKeeper→KRaft upgrade may be possible for it",
        'Informational. The in-place upgrade cannot be reversed and keeps the cluster, its account, region and ' +
          "broker type; check MSK's remaining conditions for it. kraft-migrate remains the path with a rollback " +
          'option, a fresh target and signed evidence.',
      ),
    ];
  },
};
