import {
  DEMO_KEY_ID,
  DEMO_PUBLIC_KEY_PEM,
  type EvidenceInput,
  type EvidenceKey,
} from '../../../../core/domain/evidence/index.ts';
import { resumeFingerprint } from '../../../../core/domain/identity.ts';
import { appendEntry, type JournalEntry, plannedEntryInput } from '../../../../core/domain/journal/index.ts';

export const MIGRATION_ID = 'd0efd3c5-src--efffc490-tgt--20260425T061502Z';
export const STORAGE = { segments: 's3://seg-bucket/seeds', evidence: 's3://evidence-bucket' };
export const FINGERPRINT = resumeFingerprint({
  source: { bootstrap_servers: ['127.0.0.1:19092'] },
  target: { bootstrap_servers: ['127.0.0.1:29092'] },
  storage: STORAGE,
});
export const DEMO_KEY: EvidenceKey = {
  source: 'demo',
  keyId: DEMO_KEY_ID,
  publicKeyPem: DEMO_PUBLIC_KEY_PEM,
};

const T0 = Date.parse('2026-04-25T06:15:02.123Z');

/** A journal from planned to validating (what exists when SignEvidence runs). */
export function sampleJournal(): JournalEntry[] {
  const entries: JournalEntry[] = [
    appendEntry([], plannedEntryInput(MIGRATION_ID, FINGERPRINT), new Date(T0)),
  ];
  const path = [
    ['prechecking', 'precheck started'],
    ['copying_topology', 'precheck passed: 0 blockers, 1 warning(s)'],
    ['seeding', 'topology copied: 2 topics'],
    ['tailing', 'seed complete'],
    ['drain_ready', 'lag within 100 for 30s'],
    ['cutting_over', 'cutover approved by ops <alice>'],
    ['awaiting_client_switch', 'READY_FOR_CLIENT_SWITCH'],
    ['validating', 'operator confirmed client cutover'],
  ] as const;
  for (const [to, reason] of path) {
    entries.push(appendEntry(entries, { to, reason }, new Date(T0 + entries.length * 61_000)));
  }
  return entries;
}

/** A complete evidence input: 2 topics, one compacted, a translated group, passed validation. */
export function sampleInput(
  key: EvidenceKey = DEMO_KEY,
  overrides: Partial<EvidenceInput> = {},
): EvidenceInput {
  return {
    migrationId: MIGRATION_ID,
    attempt: 1,
    generatedAt: new Date('2026-04-25T07:19:09.528Z'),
    tool: { name: 'kraft-migrate', version: '0.1.0' },
    configFingerprint: FINGERPRINT,
    source: { bootstrap_servers: ['127.0.0.1:19092'], kafka_version: '3.9', metadata_mode: 'zookeeper' },
    target: { bootstrap_servers: ['127.0.0.1:29092'], kafka_version: '4.1', metadata_mode: 'kraft' },
    storage: STORAGE,
    journal: sampleJournal(),
    topology: {
      topics: [
        { name: 'orders', partitions: 2, replication_factor: 1, cleanup_policy: 'delete' },
        { name: 'customers<script>', partitions: 1, replication_factor: 1, cleanup_policy: 'compact' },
      ],
      acls: { mode: 'merge', bindings: '3' },
    },
    seed: {
      started_at: '2026-04-25T06:18:05.000Z',
      finished_at: '2026-04-25T06:20:05.000Z',
      records: '9007199254740993',
      bytes: '123456789',
      partitions: [
        {
          topic: 'orders',
          partition: 0,
          source_from: '0',
          source_to: '9007199254740993',
          target_from: '0',
          target_to: '9007199254740993',
          records: '9007199254740993',
        },
      ],
    },
    tail: { records: '42', bytes: '4200', partitions: [] },
    gaps: [],
    cutover: {
      freeze_window: { frozen_at: '2026-04-25T06:40:00.000Z', unfrozen_at: null, method: 'webhook' },
      sentinels: [
        {
          topic: 'orders',
          partition: 0,
          source_offset: '9007199254740993',
          target_offset: '9007199254740993',
        },
        { topic: 'orders', partition: 1, source_offset: '17', target_offset: '17' },
      ],
      translations: [
        {
          group: 'billing',
          topic: 'orders',
          partition: 0,
          source_offset: '9007199254740990',
          target_offset: '9007199254740990',
        },
        { group: 'billing', topic: 'orders', partition: 1, source_offset: '12', target_offset: '12' },
      ],
      snapshot: [
        { topic: 'orders', partition: 0, source_end: '9007199254740994', target_end: '9007199254740994' },
      ],
    },
    validation: {
      overall: 'PASSED',
      checks: [
        {
          name: 'counts_and_offsets',
          status: 'passed',
          summary: 'counts_and_offsets: 0 partition(s) exceed count_tolerance=1',
          lines: [],
        },
        {
          name: 'spot_check_records',
          status: 'passed',
          summary: 'spot_check_records: 9 samples compared, 9 matched, 0 mismatched, 0 skipped',
          lines: [],
        },
      ],
    },
    artifacts: [{ key: 'offset-map.json', sha256: 'e'.repeat(64), bytes: '10' }],
    key,
    ...overrides,
  };
}
