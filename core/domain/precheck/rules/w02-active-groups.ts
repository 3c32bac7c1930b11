import { finding } from '../finding.ts';
import type { Finding, PrecheckRule } from '../types.ts';

/** W02: selected consumer groups with active members on the source: they keep committing until stopped. */
export const activeGroupsRule: PrecheckRule = {
  id: 'W02-active-groups',
  codes: ['W02'],
  check(s) {
    if (!s.source.reachable) return [];
    const findings: Finding[] = [];
    for (const g of s.source.groups) {
      if (g.members <= 0) continue;
      findings.push(
        finding(
          'W02',
          g.groupId,
          `consumer group ${g.groupId} has ${g.members} active member(s) on the source (state ${g.state}); it keeps ` +
            'committing offsets until its consumers stop',
          'Expected while the migration runs. At cutover, stop these consumers after the producer freeze and before ' +
            'the offsets are translated, then start them against the target once the migration reports ' +
            'READY_FOR_CLIENT_SWITCH; offsets committed on the source after the translation are not carried over.',
        ),
      );
    }
    return findings;
  },
};
