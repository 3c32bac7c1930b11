import { formatBytes, formatCount, formatHumanDuration } from '../../format.ts';
import { estimateSeed } from '../estimate.ts';
import { clusterSubject } from '../facts.ts';
import { finding } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

/** I03: estimated bytes, records and seed duration (see estimate.ts for how). */
export const seedEstimateRule: PrecheckRule = {
  id: 'I03-seed-estimate',
  codes: ['I03'],
  check(s) {
    if (!s.source.reachable) return [];
    const rate = s.options.assumedSeedBytesPerSecond;
    const e = estimateSeed(s.source, rate);
    const duration =
      e.durationMs === undefined
        ? 'seed duration unknown (no assumed throughput)'
        : `seed ≈ ${formatHumanDuration(e.durationMs)} at an assumed ${formatBytes(rate)}/s`;
    const fromOffsets =
      e.partitionsEstimatedFromOffsets === 0
        ? ''
        : `; the size of ${e.partitionsEstimatedFromOffsets} partition(s) is estimated from offsets at ` +
          `${formatCount(e.averageRecordBytes)} bytes per record`;
    return [
      finding(
        'I03',
        clusterSubject(s, s.source),
        `estimated ${formatBytes(e.bytes)} (${formatCount(e.bytes)} bytes), ${formatCount(e.records)} record(s) in ` +
          `${e.partitions} partition(s) of ${e.topics} topic(s); ${duration}${fromOffsets}`,
        'Informational. Plan the seed for an off-peak window (`kraft-migrate schedule --at …`); raise ' +
          'seed.max_concurrent_partitions for a faster seed if the source can take the load.',
      ),
    ];
  },
};
