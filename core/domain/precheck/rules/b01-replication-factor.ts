import { brokerCountOf } from '../facts.ts';
import { finding } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

/**
 * B01: topology.replication_factor is larger than the target's broker count. Every topic creation
 * would fail with INVALID_REPLICATION_FACTOR, so the config is invalid for this target.
 * (A fitting replication_factor silences W01; a missing one lets W01 warn.)
 */
export const replicationFactorFitsRule: PrecheckRule = {
  id: 'B01-replication-factor',
  codes: ['B01'],
  check(s) {
    const rf = s.config.topology.replication_factor;
    const brokers = brokerCountOf(s.target);
    if (rf === undefined || brokers === undefined || rf <= brokers) return [];
    return [
      finding(
        'B01',
        'topology.replication_factor',
        `topology.replication_factor is ${rf} but the target has ${brokers} broker(s): creating topics would fail ` +
          'with INVALID_REPLICATION_FACTOR',
        `Set topology.replication_factor to at most ${brokers}, remove it (default: min(source replication factor, ` +
          'target brokers)), or add brokers to the target.',
      ),
    ];
  },
};
