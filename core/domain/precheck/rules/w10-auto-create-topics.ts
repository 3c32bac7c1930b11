import { clusterSubject, configValue, readableBrokerConfigs } from '../facts.ts';
import { finding } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

/** W10: auto.create.topics.enable=true on the target. */
export const autoCreateTopicsRule: PrecheckRule = {
  id: 'W10-auto-create-topics',
  codes: ['W10'],
  check(s) {
    const value = configValue(readableBrokerConfigs(s.target), 'auto.create.topics.enable');
    if (value?.toLowerCase() !== 'true') return [];
    return [
      finding(
        'W10',
        clusterSubject(s, s.target),
        'auto.create.topics.enable=true on the target: a client that touches a topic before the topology copy ' +
          "creates it with the broker's default partition count and configs",
        'Set auto.create.topics.enable=false on the target (MSK: a configuration revision) for the migration: ' +
          'kraft-migrate creates every topic itself with the source partition count and configs.',
      ),
    ];
  },
};
