import { listNames } from '../../format.ts';
import { brokerCountOf, clusterSubject, intConfig, replicationFactor } from '../facts.ts';
import { finding } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

/**
 * W01: the target has fewer brokers than some source topic's replication factor, and no
 * topology.replication_factor was configured. The topology copy then uses min(source RF, target
 * brokers): the topics lose durability. A configured replication_factor that fits is the
 * operator's explicit choice (no finding); one that does not fit is B01.
 */
export const replicationFactorRule: PrecheckRule = {
  id: 'W01-replication-factor',
  codes: ['W01'],
  check(s) {
    if (s.config.topology.replication_factor !== undefined || !s.source.reachable) return [];
    const brokers = brokerCountOf(s.target);
    if (brokers === undefined) return [];
    const over = s.source.topics.filter((t) => replicationFactor(t) > brokers);
    if (over.length === 0) return [];
    const maxRf = over.reduce((m, t) => Math.max(m, replicationFactor(t)), 0);
    const isrTooHigh = over.filter((t) => (intConfig(t.configs, 'min.insync.replicas') ?? 1) > brokers);
    const isrNote =
      isrTooHigh.length === 0
        ? ''
        : `; min.insync.replicas is above ${brokers} for ${listNames(isrTooHigh.map((t) => t.name))}, so acks=all ` +
          'writes to them would fail on the target';
    return [
      finding(
        'W01',
        clusterSubject(s, s.target),
        `target has ${brokers} broker(s), fewer than the replication factor of ${over.length} source topic(s) ` +
          `(${listNames(over.map((t) => `${t.name} RF=${replicationFactor(t)}`))}); they will be created with ` +
          `replication factor ${brokers}${isrNote}`,
        `Add brokers to the target (at least ${maxRf}) to keep the source's durability, or set ` +
          `topology.replication_factor to at most ${brokers} to accept it explicitly (and lower min.insync.replicas ` +
          'below it).',
      ),
    ];
  },
};
