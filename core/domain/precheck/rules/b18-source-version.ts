import { OLDEST_TESTED_SOURCE, parseKafkaVersion, versionAtLeast } from '../../kafka-version.ts';
import { clusterSubject, kafkaVersionOf } from '../facts.ts';
import { finding } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

const OLDEST = `${OLDEST_TESTED_SOURCE.major}.${OLDEST_TESTED_SOURCE.minor}`;

/**
 * B18: the source runs a Kafka release older than the oldest one kraft-migrate is tested with
 * (2.8). The release comes from the brokers' ApiVersions answer (what the software speaks, even
 * when inter.broker.protocol.version is pinned lower); without one (brokers unreachable: B09's
 * finding), from what the brokers' configs or MSK say. An unknown version gives no finding.
 */
export const sourceVersionRule: PrecheckRule = {
  id: 'B18-source-version',
  codes: ['B18'],
  check(s) {
    const fromApis = s.source.reachable ? s.source.apiRelease : undefined;
    const text = fromApis ?? kafkaVersionOf(s.source);
    const version = parseKafkaVersion(text);
    if (
      version === undefined ||
      versionAtLeast(version, OLDEST_TESTED_SOURCE.major, OLDEST_TESTED_SOURCE.minor)
    ) {
      return [];
    }
    const subject = clusterSubject(s, s.source);
    const seen =
      fromApis === undefined
        ? `runs Kafka ${text}`
        : `answers ApiVersions like Kafka ${fromApis}–${previousOf(OLDEST_TESTED_SOURCE)}`;
    return [
      finding(
        'B18',
        subject,
        `source cluster ${subject} ${seen}, older than ${OLDEST}, the oldest source version kraft-migrate is tested with`,
        `Upgrade the source to Kafka ${OLDEST} or later (MSK: 3.8.x or 3.9.x, which still run ZooKeeper mode), ` +
          'then run precheck again.',
      ),
    ];
  },
};

/** "2.7" for 2.8: the newest release below the oldest tested one, for "2.4–2.7". */
function previousOf(v: { major: number; minor: number }): string {
  return v.minor > 0 ? `${v.major}.${v.minor - 1}` : `${v.major - 1}.x`;
}
