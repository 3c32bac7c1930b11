import { z } from 'zod';
import { canonicalJson } from '../canonical.ts';
import { artifactOf, parseCanonical } from './document.ts';
import { EVIDENCE_FILES } from './layout.ts';
import { decimalString, type EvidenceDocument, hex64, isoTime, signingSchema } from './schema.ts';

/**
 * The signed envelope, for signers that cannot sign the whole document (KMS signs at most 4096 bytes
 * of RAW message with plain Ed25519, core/adapters/kms-signer.ts). The full document is published as
 * `evidence-body.json`, and `evidence.json` becomes this small RFC 8785 canonical object naming the
 * body's key, SHA-256 and size; the detached signature `evidence.json.sig` is over the envelope's
 * exact bytes, so the auditor's openssl command stays the same, followed by `sha256sum
 * evidence-body.json` against `body.sha256` (docs/evidence.md). Neither document holds its own digest:
 * the envelope holds the body's, the body holds none.
 */

export const ENVELOPE_FORMAT = 'kraft-migrate-evidence-envelope';
export const ENVELOPE_VERSION = 1;

export const envelopeSchema = z.strictObject({
  /** The marker that tells an envelope from an evidence document. */
  format: z.literal(ENVELOPE_FORMAT),
  envelope_version: z.literal(ENVELOPE_VERSION),
  migration_id: z.string().min(1),
  attempt: z.int().min(1),
  /** The body's `generated_at`. */
  created_at: isoTime,
  validation: z.strictObject({ overall: z.enum(['PASSED', 'FAILED']) }),
  body: z.strictObject({
    /** The body's file name beside the envelope. */
    file: z.literal(EVIDENCE_FILES.body),
    /** Its object key relative to the evidence location: the attempt's own copy, never overwritten. */
    key: z.string().min(1),
    sha256: hex64,
    bytes: decimalString,
  }),
  /** The body's `signing`, without `envelope_file` (the envelope is what the signature covers). */
  signing: signingSchema.omit({ envelope_file: true }),
});

export type EvidenceEnvelope = z.infer<typeof envelopeSchema>;

/** The envelope of a body document and its exact bytes (serializeEvidence), stored at `bodyKey`. */
export function buildEnvelope(
  body: EvidenceDocument,
  bodyBytes: Uint8Array,
  bodyKey: string,
): EvidenceEnvelope {
  const { envelope_file: _e, ...signing } = body.signing;
  return {
    format: ENVELOPE_FORMAT,
    envelope_version: ENVELOPE_VERSION,
    migration_id: body.migration_id,
    attempt: body.attempt,
    created_at: body.generated_at,
    validation: { overall: body.validation.overall },
    body: { file: EVIDENCE_FILES.body, ...artifactOf(bodyKey, bodyBytes) },
    signing,
  };
}

/** The exact bytes of the envelope's evidence.json: its RFC 8785 canonical JSON (UTF-8). */
export function serializeEnvelope(envelope: EvidenceEnvelope): Uint8Array {
  return new TextEncoder().encode(canonicalJson(envelope));
}

/**
 * Whether evidence.json bytes are meant as an envelope: its `format` says so, or, when the bytes no
 * longer parse (a damaged envelope), they still carry the marker — so a damaged envelope is reported
 * as a damaged envelope, not as a malformed evidence document.
 */
export function looksLikeEnvelope(bytes: Uint8Array): boolean {
  const text = new TextDecoder().decode(bytes);
  try {
    const json = JSON.parse(text) as unknown;
    return (
      json !== null && typeof json === 'object' && (json as { format?: unknown }).format === ENVELOPE_FORMAT
    );
  } catch {
    return text.includes(`"format":"${ENVELOPE_FORMAT}"`);
  }
}

export type ParsedEnvelope =
  | { readonly ok: true; readonly envelope: EvidenceEnvelope; readonly canonical: boolean }
  | { readonly ok: false; readonly problem: string };

/** Parses envelope bytes; `canonical` says whether they are exactly its canonical form. */
export function parseEnvelope(bytes: Uint8Array): ParsedEnvelope {
  const parsed = parseCanonical(bytes, envelopeSchema, serializeEnvelope, 'an evidence envelope');
  return parsed.ok ? { ok: true, envelope: parsed.value, canonical: parsed.canonical } : parsed;
}

/**
 * Where the body disagrees with the envelope that carries its digest (empty when it agrees): a body
 * whose bytes match the digest but whose migration, attempt, verdict, time or key differ from the
 * signed envelope's was not written by the same finalize.
 */
export function envelopeMismatches(envelope: EvidenceEnvelope, body: EvidenceDocument): string[] {
  const pairs: [string, unknown, unknown][] = [
    ['migration_id', envelope.migration_id, body.migration_id],
    ['attempt', envelope.attempt, body.attempt],
    ['created_at / generated_at', envelope.created_at, body.generated_at],
    ['validation.overall', envelope.validation.overall, body.validation.overall],
    ...Object.entries(envelope.signing).map(
      ([k, v]) =>
        [`signing.${k}`, v, (body.signing as Record<string, unknown>)[k]] as [string, unknown, unknown],
    ),
    ['signing.envelope_file', EVIDENCE_FILES.evidence, body.signing.envelope_file],
  ];
  return pairs
    .filter(([, a, b]) => a !== b)
    .map(([name, a, b]) => `${name}: envelope ${JSON.stringify(a)}, body ${JSON.stringify(b ?? null)}`);
}
