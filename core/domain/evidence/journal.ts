import { type ClusterIdentityInput, clusterIdentity } from '../identity.ts';
import type { ClusterIdentityEvidence, ValidationEvidence } from './schema.ts';

/**
 * What the Validate / SignEvidence steps journal about the evidence, in the troubleshooting page's
 * words (FAQ "Example repair/finalize journal path"):
 *
 *   validating -> failed validation failed: counts_and_offsets: 1 partition(s) exceed count_tolerance=1 (evidence at s3://…/evidence.json)
 *   failed -> finalized evidence signed + uploaded to s3://…/evidence.json (validation=PASSED)
 */

/** Reason of `validating -> finalized` and `failed -> finalized`. */
export function finalizedReason(evidenceUrl: string, overall: ValidationEvidence['overall']): string {
  return `evidence signed + uploaded to ${evidenceUrl} (validation=${overall})`;
}

/**
 * Reason of `validating -> failed`: the first failed check's summary (in check order), then where the
 * evidence is — as in the page's FAQ, whose run also had a spot-check mismatch (the evidence holds
 * every check).
 */
export function validationFailedReason(validation: ValidationEvidence, evidenceUrl: string): string {
  const failed = validation.checks.find((c) => c.status === 'failed')?.summary;
  return `validation failed: ${failed ?? 'overall=FAILED'} (evidence at ${evidenceUrl})`;
}

/** The journal detail of either entry: where the evidence is and what identifies its bytes and key. */
export function evidenceJournalDetail(published: {
  readonly url: string;
  readonly attemptUrl: string;
  readonly attempt: number;
  readonly evidenceSha256: string;
  readonly publicKeySha256: string;
  readonly document: { readonly signing: { readonly key_source: string; readonly demo_key: boolean } };
  /** Under a signed envelope: the body's SHA-256 goes into the journal too. */
  readonly envelope?: { readonly body: { readonly sha256: string } } | undefined;
}): Record<string, unknown> {
  return {
    ...(published.envelope ? { evidence_body_sha256: published.envelope.body.sha256 } : {}),
    evidence_url: published.url,
    evidence_attempt_url: published.attemptUrl,
    evidence_attempt: published.attempt,
    evidence_sha256: published.evidenceSha256,
    signing_public_key_sha256: published.publicKeySha256,
    signing_key_source: published.document.signing.key_source,
    signing_demo_key: published.document.signing.demo_key,
  };
}

/**
 * A cluster as the evidence names it: its identity (ARN, or the normalized bootstrap list) and the
 * facts given — never its auth block, so no credential can reach the evidence from the config.
 */
export function clusterEvidence(
  cluster: ClusterIdentityInput,
  facts: {
    readonly kafkaClusterId?: string | undefined;
    readonly kafkaVersion?: string | undefined;
    readonly metadataMode?: 'zookeeper' | 'kraft' | undefined;
  } = {},
): ClusterIdentityEvidence {
  return {
    ...clusterIdentity(cluster),
    ...(facts.kafkaClusterId !== undefined ? { kafka_cluster_id: facts.kafkaClusterId } : {}),
    ...(facts.kafkaVersion !== undefined ? { kafka_version: facts.kafkaVersion } : {}),
    ...(facts.metadataMode !== undefined ? { metadata_mode: facts.metadataMode } : {}),
  } as ClusterIdentityEvidence;
}
