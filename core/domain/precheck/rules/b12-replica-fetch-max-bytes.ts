import {
  clusterSubject,
  intConfig,
  LOG_OVERHEAD_BYTES,
  largestSourceMessage,
  readableBrokerConfigs,
} from '../facts.ts';
import { finding } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

/**
 * B12: target replica.fetch.max.bytes too small for the largest source messages (the same figure
 * as B11). message.max.bytes counts the 12-byte log overhead and replica.fetch.max.bytes does not,
 * so Kafka's defaults (1048588 and 1048576) are compatible: the check allows those 12 bytes.
 * Unreadable target broker configs are W04's finding (NOT_CONTROLLER is retried by the gatherer).
 */
export const replicaFetchMaxBytesRule: PrecheckRule = {
  id: 'B12-replica-fetch-max-bytes',
  codes: ['B12'],
  check(s) {
    if (!s.source.reachable || !s.target.reachable) return [];
    const largest = largestSourceMessage(s.source);
    const limit = intConfig(readableBrokerConfigs(s.target), 'replica.fetch.max.bytes');
    if (largest === undefined || limit === undefined || limit + LOG_OVERHEAD_BYTES >= largest.bytes)
      return [];
    const subject = clusterSubject(s, s.target);
    return [
      finding(
        'B12',
        subject,
        `target replica.fetch.max.bytes=${limit} is too small for the largest source message size ${largest.bytes} ` +
          `(topic ${largest.topic}, ${largest.from}): followers could not replicate the copied batches`,
        `Increase replica.fetch.max.bytes on the target brokers to at least ${largest.bytes} (and message.max.bytes ` +
          'to match; MSK: a new configuration revision applied to the cluster), then run precheck again.',
      ),
    ];
  },
};
