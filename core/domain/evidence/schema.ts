import { z } from 'zod';
import { journalEntrySchema } from '../journal/entry.ts';

/**
 * The evidence document (SPEC §6.6, docs/evidence.md). Every 64-bit offset and count is a decimal
 * string (RFC 8785 renders numbers as IEEE doubles: integers above 2^53 would lose precision); only
 * small integers (partition numbers, partition counts, replication factors) are JSON numbers. The
 * document never holds its own digest nor its signature: `evidence.json.sig` is detached and signs
 * the file's exact bytes, which are the RFC 8785 canonical JSON of the document.
 *
 * The cutover parts (freeze window, sentinels, translations, snapshot) are produced by the cutover
 * steps and accepted as they are shaped there: the fields below are required, more are kept.
 */

export const EVIDENCE_SCHEMA_VERSION = 1;

/** A 64-bit offset or count: `0`, `42`, `-1` (Kafka's "none"), never a JSON number. */
export const decimalString = z
  .string()
  .regex(/^(0|-?[1-9][0-9]*)$/, { message: 'expected a decimal integer string such as "42"' });
export const hex64 = z.string().regex(/^[0-9a-f]{64}$/, { message: 'expected 64 lowercase hex digits' });
export const isoTime = z.iso.datetime({ offset: true });
const partition = z.int().min(0);
const topicPartition = { topic: z.string().min(1), partition };

export const clusterIdentitySchema = z.strictObject({
  cluster_arn: z.string().optional(),
  bootstrap_servers: z.array(z.string()).optional(),
  /** Kafka's own cluster id, when known. */
  kafka_cluster_id: z.string().optional(),
  kafka_version: z.string().optional(),
  metadata_mode: z.enum(['zookeeper', 'kraft']).optional(),
});

export const topologySchema = z.strictObject({
  topics: z.array(
    z.strictObject({
      name: z.string().min(1),
      partitions: z.int().min(1),
      replication_factor: z.int().min(1),
      cleanup_policy: z.string(),
      /** Topic configs set on the target (names → values; no sensitive configs). */
      configs: z.record(z.string(), z.string()).optional(),
    }),
  ),
  acls: z.strictObject({ mode: z.enum(['merge', 'skip', 'access-map']), bindings: decimalString }),
});

export const partitionCopySchema = z.strictObject({
  ...topicPartition,
  /** Source offsets copied: [from, to) */
  source_from: decimalString,
  source_to: decimalString,
  /** Target offsets written: [from, to) */
  target_from: decimalString,
  target_to: decimalString,
  records: decimalString,
});

export const phaseSummarySchema = z.strictObject({
  started_at: isoTime.optional(),
  finished_at: isoTime.optional(),
  records: decimalString,
  bytes: decimalString,
  partitions: z.array(partitionCopySchema),
});

export const gapSchema = z.strictObject({
  ...topicPartition,
  /** Source offsets lost (aged out before they were read): [from, to) */
  from: decimalString,
  to: decimalString,
  reason: z.string(),
});

/** When producers were frozen. `method`: webhook, operator, … */
export const freezeWindowSchema = z.looseObject({
  frozen_at: isoTime,
  unfrozen_at: isoTime.nullable(),
  method: z.string(),
});

/** One sentinel record: where it was written on the source and found on the target. */
export const sentinelSchema = z.looseObject({
  ...topicPartition,
  source_offset: decimalString,
  target_offset: decimalString,
});

/** One translated committed offset of a group. */
export const translationSchema = z.looseObject({
  group: z.string().min(1),
  ...topicPartition,
  source_offset: decimalString,
  target_offset: decimalString,
});

/** Source and target end offsets at the final drain (what validation counts against). */
export const snapshotPartitionSchema = z.looseObject({
  ...topicPartition,
  source_end: decimalString,
  target_end: decimalString,
});

export const cutoverSchema = z.strictObject({
  freeze_window: freezeWindowSchema,
  sentinels: z.array(sentinelSchema),
  translations: z.array(translationSchema),
  snapshot: z.array(snapshotPartitionSchema),
});

export const CHECK_STATUSES = ['passed', 'warning', 'failed', 'skipped'] as const;

/** One validation check: `summary` and `lines` are the output lines of the troubleshooting page. */
export const validationCheckSchema = z.strictObject({
  name: z.string().min(1),
  status: z.enum(CHECK_STATUSES),
  /** e.g. `counts_and_offsets: 1 partition(s) exceed count_tolerance=1` */
  summary: z.string(),
  /** e.g. `orders/2 source_span=330 target_span=295 diff=35` */
  lines: z.array(z.string()),
  /** Machine-readable details (offsets and counts as decimal strings). */
  details: z.unknown().optional(),
});

export const validationSchema = z.strictObject({
  overall: z.enum(['PASSED', 'FAILED']),
  checks: z.array(validationCheckSchema),
});

export const artifactSchema = z.strictObject({
  /** Object key relative to the evidence location (`migrations/<id>/…`) or a file name beside the evidence. */
  key: z.string().min(1),
  sha256: hex64,
  bytes: decimalString,
});

export const SIGNING_SOURCES = ['path', 'secret', 'kms', 'demo'] as const;

export const signingSchema = z.strictObject({
  alg: z.literal('Ed25519'),
  /** Where the key is: the PEM path, the secret ARN, the KMS key ARN, or `built-in demo key`. */
  key_id: z.string().min(1),
  key_source: z.enum(SIGNING_SOURCES),
  /** SHA-256 hex of the public key's DER SPKI (`openssl pkey -pubin -in evidence-public-key.pem -outform DER | sha256sum`). */
  public_key_sha256: hex64,
  public_key_file: z.literal('evidence-public-key.pem'),
  signature_file: z.literal('evidence.json.sig'),
  demo_key: z.boolean(),
  /**
   * Present when this document is the body of a signed envelope (evidence-body.json): the signature
   * is over the envelope `evidence.json`, which holds this body's SHA-256 and size
   * (core/domain/evidence/envelope.ts). Absent when the signature is over this document itself.
   */
  envelope_file: z.literal('evidence.json').optional(),
});

export const evidenceSchema = z.strictObject({
  schema_version: z.literal(EVIDENCE_SCHEMA_VERSION),
  migration_id: z.string().min(1),
  /** 1, 2, …: one evidence per finalize attempt, each kept. */
  attempt: z.int().min(1),
  generated_at: isoTime,
  tool: z.strictObject({ name: z.string().min(1), version: z.string().min(1) }),
  config_fingerprint: hex64,
  source: clusterIdentitySchema,
  target: clusterIdentitySchema,
  storage: z.strictObject({ segments: z.string(), evidence: z.string() }),
  journal: z.array(journalEntrySchema),
  topology: topologySchema,
  seed: phaseSummarySchema,
  tail: phaseSummarySchema,
  gaps: z.array(gapSchema),
  cutover: cutoverSchema,
  validation: validationSchema,
  artifacts: z.array(artifactSchema),
  signing: signingSchema,
  warnings: z.array(z.string()),
});

export type EvidenceDocument = z.infer<typeof evidenceSchema>;
export type ClusterIdentityEvidence = z.infer<typeof clusterIdentitySchema>;
export type TopologyEvidence = z.infer<typeof topologySchema>;
export type PhaseSummary = z.infer<typeof phaseSummarySchema>;
export type PartitionCopy = z.infer<typeof partitionCopySchema>;
export type Gap = z.infer<typeof gapSchema>;
export type CutoverEvidence = z.infer<typeof cutoverSchema>;
export type Sentinel = z.infer<typeof sentinelSchema>;
export type Translation = z.infer<typeof translationSchema>;
export type ValidationEvidence = z.infer<typeof validationSchema>;
export type ValidationCheck = z.infer<typeof validationCheckSchema>;
export type Artifact = z.infer<typeof artifactSchema>;
export type SigningInfo = z.infer<typeof signingSchema>;
export type SigningSource = (typeof SIGNING_SOURCES)[number];
