import type { z } from 'zod';
import { canonicalJson, sha256Hex } from '../canonical.ts';
import { InvalidInputError, InvariantError } from '../errors.ts';
import type { JournalEntry } from '../journal/entry.ts';
import { findSecrets } from '../journal/secrets.ts';
import {
  type Artifact,
  type ClusterIdentityEvidence,
  type CutoverEvidence,
  EVIDENCE_SCHEMA_VERSION,
  type EvidenceDocument,
  evidenceSchema,
  type Gap,
  type PhaseSummary,
  type SigningSource,
  type TopologyEvidence,
  type ValidationEvidence,
} from './schema.ts';
import { DEMO_KEY_WARNING, DEMO_PUBLIC_KEY_SHA256, publicKeyFingerprint } from './signing.ts';

/** The signing key as the builder needs it: no private material, only where it is and its public half. */
export interface EvidenceKey {
  readonly source: SigningSource;
  readonly keyId: string;
  /** SPKI PEM (what is written as evidence-public-key.pem). */
  readonly publicKeyPem: string;
}

/** Everything the evidence records; offsets and counts already as decimal strings. */
export interface EvidenceInput {
  readonly migrationId: string;
  readonly attempt: number;
  readonly generatedAt: Date;
  /** name and version of package.json */
  readonly tool: { readonly name: string; readonly version: string };
  /** core/domain/identity.ts resumeFingerprint(config) */
  readonly configFingerprint: string;
  /** identities without secrets: ARN or bootstrap list (core/domain/identity.ts clusterIdentity) + facts */
  readonly source: ClusterIdentityEvidence;
  readonly target: ClusterIdentityEvidence;
  readonly storage: { readonly segments: string; readonly evidence: string };
  /** the verified, hash-chained journal up to now */
  readonly journal: readonly JournalEntry[];
  readonly topology: TopologyEvidence;
  readonly seed: PhaseSummary;
  readonly tail: PhaseSummary;
  readonly gaps: readonly Gap[];
  readonly cutover: CutoverEvidence;
  readonly validation: ValidationEvidence;
  readonly artifacts: readonly Artifact[];
  readonly key: EvidenceKey;
  readonly warnings?: readonly string[];
  /**
   * true when the document is published as evidence-body.json under a signed envelope (a signer that
   * cannot sign it whole, e.g. KMS): recorded as `signing.envelope_file`.
   */
  readonly envelope?: boolean;
}

/**
 * Builds and checks the evidence document. Throws InvalidInputError naming the first bad path
 * (e.g. a JSON number where an offset must be a decimal string) and InvariantError when any part
 * carries something that looks like a secret.
 */
export function buildEvidence(input: EvidenceInput): EvidenceDocument {
  const fingerprint = publicKeyFingerprint(input.key.publicKeyPem);
  const demo = input.key.source === 'demo' || fingerprint === DEMO_PUBLIC_KEY_SHA256;
  const warnings = [...(input.warnings ?? [])];
  if (demo && !warnings.includes(DEMO_KEY_WARNING)) warnings.push(DEMO_KEY_WARNING);
  const candidate = {
    schema_version: EVIDENCE_SCHEMA_VERSION,
    migration_id: input.migrationId,
    attempt: input.attempt,
    generated_at: input.generatedAt.toISOString(),
    tool: input.tool,
    config_fingerprint: input.configFingerprint,
    source: input.source,
    target: input.target,
    storage: input.storage,
    journal: input.journal,
    topology: input.topology,
    seed: input.seed,
    tail: input.tail,
    gaps: input.gaps,
    cutover: input.cutover,
    validation: input.validation,
    artifacts: input.artifacts,
    signing: {
      alg: 'Ed25519',
      key_id: input.key.keyId,
      key_source: input.key.source,
      public_key_sha256: fingerprint,
      public_key_file: 'evidence-public-key.pem',
      signature_file: 'evidence.json.sig',
      demo_key: demo,
      ...(input.envelope ? { envelope_file: 'evidence.json' } : {}),
    },
    warnings,
  };
  const unsafe = unsafeNumbers(candidate);
  if (unsafe.length > 0) {
    throw new InvalidInputError(
      `evidence holds numbers that JSON cannot carry exactly: ${unsafe.join(', ')}`,
      {
        code: 'EVIDENCE_UNSAFE_NUMBER',
        fix: 'Pass 64-bit offsets and counts as decimal strings (bigint.toString()).',
      },
    );
  }
  const parsed = evidenceSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    throw new InvalidInputError(`evidence field ${path || '(root)'}: ${issue?.message ?? 'invalid'}`, {
      code: 'EVIDENCE_INVALID',
      fix: 'This is a bug in the caller that assembles the evidence: see docs/evidence.md for each field.',
    });
  }
  const secrets = findSecrets(parsed.data, 'evidence');
  if (secrets.length > 0) {
    throw new InvariantError(`refusing to write a secret into the evidence: ${secrets.join(', ')}`, {
      code: 'EVIDENCE_SECRET',
      fix: 'Evidence must not carry passwords, tokens or key material: pass ARNs or redacted markers instead.',
    });
  }
  return parsed.data;
}

/** The exact bytes of evidence.json: the RFC 8785 canonical JSON of the document (UTF-8). */
export function serializeEvidence(document: EvidenceDocument): Uint8Array {
  return new TextEncoder().encode(canonicalJson(document));
}

/** SHA-256 hex of bytes (what `sha256sum` prints), for the artifacts list and the journal. */
export function artifactOf(key: string, bytes: Uint8Array): Artifact {
  return { key, sha256: sha256Hex(bytes), bytes: String(bytes.byteLength) };
}

export type ParsedEvidence =
  | { readonly ok: true; readonly document: EvidenceDocument; readonly canonical: boolean }
  | { readonly ok: false; readonly problem: string };

/** Parses evidence.json bytes; `canonical` says whether they are exactly the canonical form. */
export function parseEvidence(bytes: Uint8Array): ParsedEvidence {
  const parsed = parseCanonical(bytes, evidenceSchema, serializeEvidence, 'an evidence document');
  return parsed.ok ? { ok: true, document: parsed.value, canonical: parsed.canonical } : parsed;
}

/**
 * UTF-8 JSON bytes checked against `schema` (`what` names it in the problem), and whether they are
 * exactly `serialize` of the value: the RFC 8785 form that was signed or hashed.
 */
export function parseCanonical<T>(
  bytes: Uint8Array,
  schema: z.ZodType<T>,
  serialize: (value: T) => Uint8Array,
  what: string,
):
  | { readonly ok: true; readonly value: T; readonly canonical: boolean }
  | { readonly ok: false; readonly problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    return { ok: false, problem: `not UTF-8 JSON: ${(e as Error).message}` };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      problem: `not ${what}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    };
  }
  const canonical = Buffer.from(serialize(parsed.data)).equals(Buffer.from(bytes));
  return { ok: true, value: parsed.data, canonical };
}

/** Paths of numbers that are not safe integers (would not survive a round trip exactly). */
function unsafeNumbers(value: unknown, path = 'evidence'): string[] {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? [] : [path];
  if (typeof value === 'bigint') return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => unsafeNumbers(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => unsafeNumbers(v, `${path}.${k}`));
  return [];
}
