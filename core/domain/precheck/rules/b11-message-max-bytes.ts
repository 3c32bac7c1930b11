import {
  clusterSubject,
  intConfig,
  largestSourceMessage,
  readableBrokerConfigs,
  sameNamedTopics,
  sourceTopicMessageBytes,
} from '../facts.ts';
import { finding } from '../finding.ts';
import type { Finding, PrecheckRule } from '../types.ts';

/**
 * B11: the target accepts smaller messages than the source.
 *
 * Broker level: target message.max.bytes < the largest source topic's max.message.bytes (topic
 * config, falling back to the source broker's message.max.bytes). Unreadable target broker configs
 * are W04's finding, not this one.
 *
 * Topic level: an existing target topic whose max.message.bytes is smaller than the same-named
 * source topic's. Only when topology.on_config_drift is not overwrite_with_source: with that
 * (default) setting the topology copy sets max.message.bytes from the source anyway.
 */
export const messageMaxBytesRule: PrecheckRule = {
  id: 'B11-message-max-bytes',
  codes: ['B11'],
  check(s) {
    if (!s.source.reachable || !s.target.reachable) return [];
    const findings: Finding[] = [];
    const largest = largestSourceMessage(s.source);
    const limit = intConfig(readableBrokerConfigs(s.target), 'message.max.bytes');
    if (largest !== undefined && limit !== undefined && limit < largest.bytes) {
      const subject = clusterSubject(s, s.target);
      findings.push(
        finding(
          'B11',
          subject,
          `target message.max.bytes=${limit} is smaller than the largest source message size ${largest.bytes} ` +
            `(topic ${largest.topic}, ${largest.from})`,
          `Increase message.max.bytes on the target brokers to at least ${largest.bytes} (MSK: a new configuration ` +
            'revision applied to the cluster), then run precheck again.',
        ),
      );
    }
    if (s.config.topology.on_config_drift !== 'overwrite_with_source') {
      for (const [src, tgt] of sameNamedTopics(s)) {
        const needed = sourceTopicMessageBytes(src, s.source);
        const has = intConfig(tgt.configs, 'max.message.bytes');
        if (needed === undefined || has === undefined || has >= needed) continue;
        findings.push(
          finding(
            'B11',
            tgt.name,
            `target topic ${tgt.name} has max.message.bytes=${has}, smaller than the source topic's ${needed}`,
            `Set max.message.bytes=${needed} on the target topic (kafka-configs.sh --alter --entity-type topics ` +
              `--entity-name ${tgt.name} --add-config max.message.bytes=${needed}), or set ` +
              'topology.on_config_drift: overwrite_with_source.',
          ),
        );
      }
    }
    return findings;
  },
};
