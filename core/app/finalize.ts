/**
 * Finalize (SPEC §6.6; the page's FAQ "Can finalize succeed after a validation mismatch is repaired?"):
 * validate, gather the evidence, sign and publish it, and journal the outcome —
 *
 *   validating -> failed     validation failed: counts_and_offsets: 1 partition(s) exceed count_tolerance=1 (evidence at s3://…/evidence.json)
 *   failed -> finalized      evidence signed + uploaded to s3://…/evidence.json (validation=PASSED)
 *   validating -> finalized  evidence signed + uploaded to s3://…/evidence.json (validation=PASSED)
 *
 * Allowed from `validating` (the workflow's Validate/SignEvidence, or `kraft-migrate finalize`) and from
 * `failed` once a validation has run (after a repair). A failed validation still publishes its evidence
 * (each attempt kept); from `failed` it journals nothing more (the migration stays failed). Every
 * repair of the migration is listed in the journal detail and its record is an evidence artifact.
 */
import { mapWithConcurrency } from '../domain/concurrency.ts';
import { parseDuration } from '../domain/config/duration.ts';
import type { MigrationConfig } from '../domain/config/schema.ts';
import { checkpointKey, type PartitionCheckpoint } from '../domain/copy/index.ts';
import {
  type CutoverArtifact,
  cutoverKey,
  type SnapshotJson,
  sentinelsSchema,
  translationsSchema,
} from '../domain/cutover/index.ts';
import { PreconditionError } from '../domain/errors.ts';
import {
  type Artifact,
  clusterEvidence,
  evidenceJournalDetail,
  finalizedReason,
  type Gap,
  type PartitionCopy,
  type PhaseSummary,
  type TopologyEvidence,
  type Translation,
  validationFailedReason,
} from '../domain/evidence/index.ts';
import { resumeFingerprint } from '../domain/identity.ts';
import { currentState } from '../domain/journal/journal.ts';
import { firstReached } from '../domain/journal/rules.ts';
import type { MigrationState } from '../domain/journal/states.ts';
import { joinKey, parseS3Url, s3Url } from '../domain/plan/storage-layout.ts';
import { copiedBelow, type RepairJson, repairKey } from '../domain/validation/index.ts';
import type { Adapters, EvidenceSigner, ObjectStore } from '../ports.ts';
import { loadCheckpoint } from './copy/checkpoint-writer.ts';
import { loadArtifact, requireSnapshot } from './cutover/index.ts';
import { describeArtifacts, type PublishedEvidence, publishEvidence } from './evidence.ts';
import { transition } from './journal.ts';
import { loadRepairs, type ValidateOptions, type ValidationResult, validateMigration } from './validate.ts';

export interface FinalizeOptions extends ValidateOptions {
  /** name and version of the package (the composition root knows them). */
  readonly tool: { readonly name: string; readonly version: string };
  readonly now?: () => Date;
}

export interface FinalizeResult {
  readonly validation: ValidationResult;
  readonly published: PublishedEvidence;
  /** The state the journal is in afterwards. */
  readonly state: MigrationState;
  /** The journal line written (`from -> to reason`), or undefined when none was (failed again from failed). */
  readonly journaled: string | undefined;
  readonly repairs: readonly RepairSummary[];
}

export interface RepairSummary {
  readonly topic: string;
  readonly partition: number;
  readonly source_from: string;
  readonly source_to: string;
  readonly records: string;
  readonly artifact: string;
}

const S3_CONCURRENCY = 64;

export async function finalizeMigration(
  config: MigrationConfig,
  adapters: Adapters,
  migrationId: string,
  signer: EvidenceSigner,
  options: FinalizeOptions,
): Promise<FinalizeResult> {
  const { report } = await validateAndRecord(config, adapters, migrationId, options);
  return signAndFinalize(config, adapters, migrationId, signer, report, options);
}

/** What the workflow's Validate state hands SignEvidence: the stored validation report. */
export interface RecordedValidation {
  readonly validation: ValidationResult;
  /** Key of the validation report in the segments bucket (`<id>/validation/<time>.json`). */
  readonly report: string;
}

/**
 * The workflow's Validate state (and the first half of `finalize`): checks the journal allows it,
 * runs validateMigration and stores the report in the segments bucket, where SignEvidence reads it.
 */
export async function validateAndRecord(
  config: MigrationConfig,
  adapters: Adapters,
  migrationId: string,
  options: ValidateOptions & { readonly now?: () => Date } = {},
): Promise<RecordedValidation> {
  await requireFinalizable(adapters, migrationId);
  const validation = await validateMigration(config, adapters, migrationId, options);
  const now = options.now?.() ?? new Date();
  const report = joinKey(migrationId, 'validation', `${now.toISOString().replace(/[:.]/g, '')}.json`);
  await adapters
    .objectStore('segments')
    .put(report, JSON.stringify(validation), { contentType: 'application/json' });
  return { validation, report };
}

/**
 * The workflow's SignEvidence state (and the second half of `finalize`): gathers the evidence around
 * the stored validation report, signs and uploads it, and journals `-> finalized` (validation
 * PASSED) or `validating -> failed validation failed: …` (the evidence is written either way).
 */
export async function signAndFinalize(
  config: MigrationConfig,
  adapters: Adapters,
  migrationId: string,
  signer: EvidenceSigner,
  report: string,
  options: FinalizeOptions,
): Promise<FinalizeResult> {
  const state = await requireFinalizable(adapters, migrationId);
  const journal = adapters.journal(migrationId);
  const segments = adapters.objectStore('segments');
  const stored = await segments.get(report);
  if (!stored) {
    throw new PreconditionError(`validation report ${report} not found in the segments bucket`, {
      code: 'FINALIZE_NO_REPORT',
      fix: 'Run `kraft-migrate finalize`: it validates again and writes a new report.',
    });
  }
  const validation = JSON.parse(new TextDecoder().decode(stored)) as ValidationResult;
  const evidence = await gatherEvidence(config, adapters, segments, migrationId, report);
  const published = await publishEvidence(
    { ...evidence, journal: (await journal.load()).entries, validation, tool: options.tool },
    {
      store: adapters.objectStore('evidence'),
      signer,
      retentionMs: config.evidence.retention ? parseDuration(config.evidence.retention)?.ms : undefined,
      ...(options.now ? { now: options.now } : {}),
    },
  );
  const detail = {
    ...evidenceJournalDetail(published),
    validation: validation.overall,
    checks: Object.fromEntries(validation.checks.map((c) => [c.name, c.status])),
    repairs: evidence.repairs,
  };
  let journaled: string | undefined;
  let after: MigrationState = state;
  if (validation.overall === 'PASSED') {
    const reason = finalizedReason(published.url, validation.overall);
    await transition(journal, 'finalized', reason, detail);
    journaled = `${state} -> finalized ${reason}`;
    after = 'finalized';
  } else if (state === 'validating') {
    const reason = validationFailedReason(validation, published.url);
    await transition(journal, 'failed', reason, detail);
    journaled = `validating -> failed ${reason}`;
    after = 'failed';
  }
  return { validation, published, state: after, journaled, repairs: evidence.repairs };
}

/** finalize runs from validating, or from failed after a validation (a repair, then finalize again). */
async function requireFinalizable(adapters: Adapters, migrationId: string): Promise<MigrationState> {
  const { entries } = await adapters.journal(migrationId).load();
  const state = currentState(entries);
  const allowed = state === 'validating' || (state === 'failed' && firstReached(entries, 'validating'));
  if (!allowed || state === undefined) {
    throw new PreconditionError(
      `finalize of ${migrationId}: the migration is ${state ?? 'not started'}; finalize runs from validating, or from failed after a validation`,
      {
        code: 'FINALIZE_STATE',
        fix: 'Run `kraft-migrate cutover-ack` after the client switch first (it moves the migration to validating); see `kraft-migrate status`.',
      },
    );
  }
  return state;
}

/* ------------------------------------------- the evidence ------------------------------------------- */

type Gathered = Omit<Parameters<typeof publishEvidence>[0], 'journal' | 'validation' | 'tool'> & {
  readonly repairs: RepairSummary[];
};

async function gatherEvidence(
  config: MigrationConfig,
  adapters: Adapters,
  segments: ObjectStore,
  migrationId: string,
  reportKey: string,
): Promise<Gathered> {
  const snapshot = await requireSnapshot(segments, migrationId);
  const [sentinels, cutoverRound, ackRound] = await Promise.all([
    loadArtifact(segments, migrationId, 'sentinels', sentinelsSchema),
    loadArtifact(segments, migrationId, 'translations-cutover', translationsSchema),
    loadArtifact(segments, migrationId, 'translations-ack', translationsSchema),
  ]);
  const checkpoints = await mapWithConcurrency(snapshot.partitions, S3_CONCURRENCY, async (p) => {
    const cp = await loadCheckpoint(segments, migrationId, p);
    if (!cp)
      throw new PreconditionError(`finalize: ${p.topic}/${p.partition} has no checkpoint`, {
        code: 'FINALIZE_NO_CHECKPOINT',
        fix: 'Restore the checkpoint object from its versions, then finalize again.',
      });
    return cp;
  });
  const repairs = [...(await loadRepairs(segments, migrationId)).values()].flatMap((docs) =>
    docs.map((d, i) => repairSummary(segments, migrationId, d, i + 1)),
  );

  const translations: Translation[] = [];
  const latest = new Map<string, { round: string; doc: NonNullable<typeof cutoverRound> }>();
  for (const doc of [cutoverRound, ackRound]) {
    for (const g of doc?.groups ?? []) latest.set(g.group_id, { round: doc!.round, doc: doc! });
  }
  for (const [group, { round, doc }] of latest) {
    for (const p of doc.groups.find((g) => g.group_id === group)!.partitions) {
      translations.push({
        group,
        topic: p.topic,
        partition: p.partition,
        source_offset: p.source_committed,
        target_offset: p.target,
        case: p.case,
        round,
      });
    }
  }

  const cutoverArtifacts = (
    ['sentinels', 'snapshot', 'translations-cutover', 'translations-ack'] as CutoverArtifact[]
  ).filter((a) => (a === 'translations-cutover' ? cutoverRound : a === 'translations-ack' ? ackRound : true));
  const keys = [
    ...cutoverArtifacts.map((a) => cutoverKey(migrationId, a)),
    ...snapshot.partitions.map((p) => checkpointKey(migrationId, p)),
    ...repairs.map((r) => r.key),
    reportKey,
  ];
  const artifacts = await artifactsOf(segments, keys);

  return {
    migrationId,
    configFingerprint: resumeFingerprint(config),
    source: clusterEvidence(config.source),
    target: clusterEvidence(config.target),
    storage: { segments: config.storage.segments, evidence: config.storage.evidence },
    topology: await topologyOf(config, adapters, snapshot),
    seed: phaseOf(checkpoints, 'seed'),
    tail: phaseOf(checkpoints, 'tail'),
    gaps: checkpoints.flatMap((cp): Gap[] =>
      cp.gaps.map((g) => ({
        topic: cp.topic,
        partition: cp.partition,
        from: g.from.toString(),
        to: g.to.toString(),
        reason: g.reason,
      })),
    ),
    cutover: {
      freeze_window: {
        // The sentinels are written right after the verified freeze.
        frozen_at: sentinels?.written_at ?? snapshot.taken_at,
        unfrozen_at: null,
        method: config.cutover.producer_freeze_webhook ? 'webhook' : 'operator',
      },
      sentinels: snapshot.partitions.map((p) => ({
        topic: p.topic,
        partition: p.partition,
        source_offset: p.sentinel_source,
        target_offset: p.sentinel_target,
      })),
      translations,
      snapshot: snapshot.partitions.map((p) => ({
        ...p,
        first_copied_target: p.first_copied_target ?? '-1',
      })),
    },
    artifacts,
    repairs: repairs.map(({ key: _k, ...r }) => r),
  };
}

function repairSummary(store: ObjectStore, migrationId: string, d: RepairJson, n: number) {
  const key = repairKey(migrationId, d, n);
  return {
    key,
    topic: d.topic,
    partition: d.partition,
    source_from: d.source_from,
    source_to: d.source_to,
    records: d.records,
    artifact: s3Url(parseS3Url(store.url), key),
  };
}

/** Each object hashed as stored, named by its s3:// URL (verify-evidence --config reaches it there). */
async function artifactsOf(store: ObjectStore, keys: readonly string[]): Promise<Artifact[]> {
  const loc = parseS3Url(store.url);
  const chunks: string[][] = [];
  for (let i = 0; i < keys.length; i += 16) chunks.push(keys.slice(i, i + 16));
  const described = await mapWithConcurrency(chunks, S3_CONCURRENCY / 16, (chunk) =>
    describeArtifacts(store, chunk),
  );
  return described.flat().map((a) => ({ ...a, key: s3Url(loc, a.key) }));
}

/** Seed: source offsets [seedStart, boundary); tail: [boundary, next). Bytes are the copy's total in the tail's row when a partition went on to tail. */
function phaseOf(checkpoints: readonly PartitionCheckpoint[], phase: 'seed' | 'tail'): PhaseSummary {
  let records = 0n;
  let bytes = 0n;
  const partitions: PartitionCopy[] = [];
  for (const cp of checkpoints) {
    const map = cp.offsetMap;
    const first = map.firstTarget ?? cp.nextTargetOffset;
    const seedRecords = copiedBelow(map, cp.boundary);
    const [sFrom, sTo, tFrom, n] =
      phase === 'seed'
        ? [cp.seedStart, cp.boundary, first, seedRecords]
        : [cp.boundary, cp.nextSourceOffset, first + seedRecords, map.copied - seedRecords];
    records += n;
    if (phase === 'seed') bytes += cp.bytesCopied;
    partitions.push({
      topic: cp.topic,
      partition: cp.partition,
      source_from: sFrom.toString(),
      source_to: (sTo > sFrom ? sTo : sFrom).toString(),
      target_from: tFrom.toString(),
      target_to: (tFrom + n).toString(),
      records: n.toString(),
    });
  }
  return { records: records.toString(), bytes: bytes.toString(), partitions };
}

async function topologyOf(
  config: MigrationConfig,
  adapters: Adapters,
  snapshot: SnapshotJson,
): Promise<TopologyEvidence> {
  const names = [...new Set(snapshot.partitions.map((p) => p.topic))].sort();
  const admin = await adapters.kafkaAdmin('target');
  try {
    const [topics, configs, acls] = await Promise.all([
      admin.listTopics(),
      admin.describeTopicConfigs(names),
      config.topology.acls === 'skip' ? Promise.resolve([]) : admin.describeAcls(),
    ]);
    return {
      topics: names.map((name) => {
        const t = topics.find((x) => x.name === name);
        const entries = configs.get(name) ?? [];
        const explicit = entries.filter((c) => !c.isDefault && !c.isSensitive && c.value !== null);
        return {
          name,
          partitions: Math.max(1, t?.partitions.length ?? 1),
          replication_factor: Math.max(1, t?.partitions[0]?.replicas.length ?? 1),
          cleanup_policy: entries.find((c) => c.name === 'cleanup.policy')?.value ?? 'delete',
          configs: Object.fromEntries(explicit.map((c) => [c.name, c.value!])),
        };
      }),
      acls: { mode: config.topology.acls, bindings: String(acls?.length ?? 0) },
    };
  } finally {
    await admin.close();
  }
}

/**
 * What a workflow state (or `--json` consumer) needs of a finalize, small enough for a Step Functions
 * state output (no per-partition lists, no evidence bytes): the state, each check's status and summary,
 * where the evidence is.
 */
export function finalizeSummary(result: FinalizeResult) {
  return {
    state: result.state,
    validation: result.validation.overall,
    checks: result.validation.checks.map((c) => ({ name: c.name, status: c.status, summary: c.summary })),
    evidence_url: result.published.url,
    evidence_attempt: result.published.attempt,
    evidence_attempt_url: result.published.attemptUrl,
    evidence_sha256: result.published.evidenceSha256,
    journaled: result.journaled ?? null,
    repairs: result.repairs.length,
  };
}
