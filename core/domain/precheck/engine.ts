import { RULE_ERROR_CODE } from './codes.ts';
import { finding } from './finding.ts';
import { clusterStateRule } from './rules/b01-cluster-state.ts';
import { replicationFactorFitsRule } from './rules/b01-replication-factor.ts';
import { serverlessRule } from './rules/b02-serverless.ts';
import { sourceZookeeperRule } from './rules/b03-source-zookeeper.ts';
import { targetKraftRule } from './rules/b04-target-kraft.ts';
import { sameClusterRule } from './rules/b05-same-cluster.ts';
import { targetVersionRule } from './rules/b06-target-version.ts';
import { segmentsBucketRule } from './rules/b07-segments-bucket.ts';
import { evidenceBucketRule } from './rules/b08-evidence-bucket.ts';
import { sourceReachableRule } from './rules/b09-source-reachable.ts';
import { targetReachableRule } from './rules/b10-target-reachable.ts';
import { messageMaxBytesRule } from './rules/b11-message-max-bytes.ts';
import { replicaFetchMaxBytesRule } from './rules/b12-replica-fetch-max-bytes.ts';
import { targetTopicDataRule } from './rules/b13-target-topic-data.ts';
import { targetTopicPartitionsRule } from './rules/b14-target-topic-partitions.ts';
import { permissionsRule } from './rules/b15-permissions.ts';
import { evidenceObjectLockRule } from './rules/b16-evidence-object-lock.ts';
import { signingKeyRule } from './rules/b17-signing-key.ts';
import { sourceVersionRule } from './rules/b18-source-version.ts';
import { iamAccessMapRule } from './rules/i01-iam-access-map.ts';
import { internalTopicsRule } from './rules/i02-internal-topics.ts';
import { seedEstimateRule } from './rules/i03-seed-estimate.ts';
import { inPlaceUpgradeRule } from './rules/i04-in-place-upgrade.ts';
import { replicationFactorRule } from './rules/w01-replication-factor.ts';
import { activeGroupsRule } from './rules/w02-active-groups.ts';
import { segmentsKmsRule } from './rules/w03-segments-kms.ts';
import { targetMessageSizeUnknownRule } from './rules/w04-target-message-size-unknown.ts';
import { retentionVsSeedRule } from './rules/w05-retention-vs-seed.ts';
import { transactionalRule } from './rules/w06-transactional.ts';
import { compactedRule } from './rules/w07-compacted.ts';
import { createTimeRetentionRule } from './rules/w08-create-time-retention.ts';
import { demoSigningKeyRule } from './rules/w09-demo-signing-key.ts';
import { autoCreateTopicsRule } from './rules/w10-auto-create-topics.ts';
import type { Finding, PrecheckResult, PrecheckRule, PrecheckSnapshot, Severity } from './types.ts';

/** Every rule, in code order. */
export const ALL_RULES: readonly PrecheckRule[] = [
  clusterStateRule,
  replicationFactorFitsRule,
  serverlessRule,
  sourceZookeeperRule,
  targetKraftRule,
  sameClusterRule,
  targetVersionRule,
  segmentsBucketRule,
  evidenceBucketRule,
  sourceReachableRule,
  targetReachableRule,
  messageMaxBytesRule,
  replicaFetchMaxBytesRule,
  targetTopicDataRule,
  targetTopicPartitionsRule,
  permissionsRule,
  evidenceObjectLockRule,
  signingKeyRule,
  sourceVersionRule,
  replicationFactorRule,
  activeGroupsRule,
  segmentsKmsRule,
  targetMessageSizeUnknownRule,
  retentionVsSeedRule,
  transactionalRule,
  compactedRule,
  createTimeRetentionRule,
  demoSigningKeyRule,
  autoCreateTopicsRule,
  iamAccessMapRule,
  internalTopicsRule,
  seedEstimateRule,
  inPlaceUpgradeRule,
];

const SEVERITY_ORDER: Record<Severity, number> = { blocker: 0, warning: 1, info: 2 };

/**
 * Runs every rule over the snapshot. A rule that throws (or returns something other than an array)
 * becomes a RULE_ERROR blocker with the rule id as subject; the other rules still run. Findings
 * are sorted blockers, warnings, infos, then by code, then by subject. BLOCKED when any blocker.
 */
export function runPrecheck(
  snapshot: PrecheckSnapshot,
  rules: readonly PrecheckRule[] = ALL_RULES,
): PrecheckResult {
  const findings = rules.flatMap((rule) => runRule(rule, snapshot));
  const sorted = findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => compareFindings(a.f, b.f) || a.i - b.i)
    .map(({ f }) => f);
  const counts = { blocker: 0, warning: 0, info: 0 };
  for (const f of sorted) counts[f.severity] += 1;
  return { overall: counts.blocker > 0 ? 'BLOCKED' : 'PASSED', findings: sorted, counts };
}

/** One line for the end of the findings table: `precheck BLOCKED: 2 blocker(s), 1 warning(s), 3 info`. */
export function summaryLine(result: PrecheckResult): string {
  const { blocker, warning, info } = result.counts;
  return `precheck ${result.overall}: ${blocker} blocker(s), ${warning} warning(s), ${info} info`;
}

function runRule(rule: PrecheckRule, snapshot: PrecheckSnapshot): readonly Finding[] {
  try {
    const out: unknown = rule.check(snapshot);
    if (!Array.isArray(out))
      throw new TypeError(`check() returned ${describe(out)} instead of an array of findings`);
    return out as readonly Finding[];
  } catch (e) {
    const id = typeof rule.id === 'string' && rule.id !== '' ? rule.id : '(unnamed rule)';
    return [
      finding(
        RULE_ERROR_CODE,
        id,
        `precheck rule ${id} failed: ${errorText(e)}; its checks (${(rule.codes ?? []).join(', ') || 'none'}) were ` +
          'not evaluated',
        'This is a bug in kraft-migrate or an unexpected cluster answer, not a problem with your clusters. The ' +
          'other checks ran. Report the message; until it is fixed the migration cannot be prechecked completely.',
      ),
    ];
  }
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    compareText(a.code, b.code) ||
    compareText(a.subject, b.subject)
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return describe(e);
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object') return Array.isArray(v) ? 'an array' : 'an object';
  return `${typeof v} ${String(v)}`;
}
