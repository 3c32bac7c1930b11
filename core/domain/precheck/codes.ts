import type { Severity } from './types.ts';

/**
 * Every precheck code (SPEC §5) with its severity and one-line meaning. Rules build findings
 * through `finding()`, which takes the severity from here, so a code can never be reported with
 * the wrong severity. docs/precheck-codes.md documents each code; a test keeps the two in step.
 */
export const PRECHECK_CODES = {
  B01: { severity: 'blocker', meaning: 'config invalid, cluster ARN not found, or cluster not ACTIVE' },
  B02: { severity: 'blocker', meaning: 'MSK Serverless cluster (only provisioned supported)' },
  B03: {
    severity: 'blocker',
    meaning: 'source is not in ZooKeeper mode (use `--allow-kraft-source` to migrate KRaft→KRaft)',
  },
  B04: { severity: 'blocker', meaning: 'target is not in KRaft mode' },
  B05: { severity: 'blocker', meaning: 'source and target are the same cluster' },
  B06: { severity: 'blocker', meaning: 'target Kafka version below 3.7' },
  B07: { severity: 'blocker', meaning: 'segments bucket unreachable or not writable' },
  B08: { severity: 'blocker', meaning: 'evidence bucket unreachable or not writable' },
  B09: { severity: 'blocker', meaning: 'source brokers unreachable' },
  B10: { severity: 'blocker', meaning: 'target brokers unreachable' },
  B11: {
    severity: 'blocker',
    meaning:
      "target `message.max.bytes` (or topic `max.message.bytes`) smaller than the largest source topic's",
  },
  B12: {
    severity: 'blocker',
    meaning: 'target `replica.fetch.max.bytes` too small for the largest source messages',
  },
  B13: { severity: 'blocker', meaning: 'a target topic of the same name already holds data' },
  B14: { severity: 'blocker', meaning: 'a target topic exists with fewer partitions than the source' },
  B15: {
    severity: 'blocker',
    meaning:
      'missing permission (describe/read on source, create/write/alter on target, group describe/alter)',
  },
  B16: {
    severity: 'blocker',
    meaning: '`evidence.retention` set but the evidence bucket has no Object Lock',
  },
  B17: { severity: 'blocker', meaning: 'evidence signing key configured but not readable / not Ed25519' },
  B18: {
    severity: 'blocker',
    meaning: 'source Kafka version older than 2.8 (the oldest tested source version)',
  },
  W01: { severity: 'warning', meaning: "target has fewer brokers than a source topic's replication factor" },
  W02: {
    severity: 'warning',
    meaning: 'consumer groups with active members on the source (they keep committing until stopped)',
  },
  W03: {
    severity: 'warning',
    meaning: 'KMS key on the segments bucket; access not verifiable without writing',
  },
  W04: { severity: 'warning', meaning: 'target message-size settings could not be read' },
  W05: {
    severity: 'warning',
    meaning: 'source retention shorter than the estimated seed duration (data may age out during seed)',
  },
  W06: {
    severity: 'warning',
    meaning: 'transactional data present (copied read_committed; markers leave offset gaps)',
  },
  W07: {
    severity: 'warning',
    meaning: 'compacted topics (apparent drift between seed and tail; count mismatches downgraded)',
  },
  W08: {
    severity: 'warning',
    meaning:
      'delete-retention topics with CreateTime timestamps and finite retention.ms: restored old records may age out on the target',
  },
  W09: { severity: 'warning', meaning: 'evidence will be signed with the built-in demo key' },
  W10: { severity: 'warning', meaning: '`auto.create.topics.enable=true` on the target' },
  I01: {
    severity: 'info',
    meaning: 'target uses IAM auth: ACLs are written to `access-map.json` instead of being created',
  },
  I02: { severity: 'info', meaning: 'excluded internal topics' },
  I03: { severity: 'info', meaning: 'estimated bytes, records and seed duration' },
  I04: {
    severity: 'info',
    meaning: 'the in-place MSK ZooKeeper→KRaft upgrade would be possible for this source',
  },
  RULE_ERROR: {
    severity: 'blocker',
    meaning: 'a precheck rule threw instead of returning findings; the other rules still ran',
  },
} as const satisfies Record<string, { readonly severity: Severity; readonly meaning: string }>;

export type PrecheckCode = keyof typeof PRECHECK_CODES;

/** The code a throwing rule is reported under (not one of SPEC §5's codes; the engine emits it). */
export const RULE_ERROR_CODE = 'RULE_ERROR' satisfies PrecheckCode;

export function isPrecheckCode(code: string): code is PrecheckCode {
  return Object.hasOwn(PRECHECK_CODES, code);
}
