import { formatBytes, formatHumanDuration } from '../../format.ts';
import { estimateSeed } from '../estimate.ts';
import { cleanupPolicies, finiteRetentionMs, recordsIn } from '../facts.ts';
import { finding } from '../finding.ts';
import type { Finding, PrecheckRule } from '../types.ts';

/**
 * W05: a source topic that deletes by time (cleanup.policy contains delete, finite retention.ms)
 * and holds records, with retention.ms shorter than the estimated duration of the whole seed
 * (see estimate.ts): its oldest records may be deleted before they are copied.
 */
export const retentionVsSeedRule: PrecheckRule = {
  id: 'W05-retention-vs-seed',
  codes: ['W05'],
  check(s) {
    if (!s.source.reachable) return [];
    const estimate = estimateSeed(s.source, s.options.assumedSeedBytesPerSecond);
    const seedMs = estimate.durationMs;
    if (seedMs === undefined) return [];
    const findings: Finding[] = [];
    for (const topic of s.source.topics) {
      if (!cleanupPolicies(topic)?.includes('delete')) continue;
      const retentionMs = finiteRetentionMs(topic);
      if (retentionMs === undefined || retentionMs >= seedMs) continue;
      if (!topic.partitions.some((p) => recordsIn(p) > 0n)) continue;
      findings.push(
        finding(
          'W05',
          topic.name,
          `source topic ${topic.name} has retention.ms=${retentionMs} (${formatHumanDuration(retentionMs)}), shorter ` +
            `than the estimated seed duration ${formatHumanDuration(seedMs)} (${formatBytes(estimate.bytes)} at ` +
            `${formatBytes(s.options.assumedSeedBytesPerSecond)}/s): its oldest records may be deleted before they ` +
            'are copied',
          'Temporarily raise retention.ms on the source topic above the seed duration (e.g. twice the estimate) for ' +
            'the migration window, or shorten the seed (more seed.max_concurrent_partitions, more copier tasks). ' +
            'Records lost to retention during the seed are recorded as gaps, never skipped silently.',
        ),
      );
    }
    return findings;
  },
};
