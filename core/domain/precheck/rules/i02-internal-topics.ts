import { listNames } from '../../format.ts';
import { clusterSubject } from '../facts.ts';
import { finding } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

/** I02: internal topics the selection excluded (never copied). */
export const internalTopicsRule: PrecheckRule = {
  id: 'I02-internal-topics',
  codes: ['I02'],
  check(s) {
    const names = s.excludedInternalTopics;
    if (names.length === 0) return [];
    return [
      finding(
        'I02',
        clusterSubject(s, s.source),
        `${names.length} internal topic(s) excluded: ${listNames(names, 10)}`,
        'Nothing to do: internal topics are never copied. Consumer offsets are translated at cutover, transaction ' +
          'state is not needed on the target, and MSK maintains its own internal topics.',
      ),
    ];
  },
};
