import { sha256Hex } from '../domain/canonical.ts';
import { InvariantError, isKraftMigrateError, PreconditionError } from '../domain/errors.ts';
import {
  type Artifact,
  artifactOf,
  attemptOfKey,
  attemptsPrefix,
  buildEnvelope,
  buildEvidence,
  EVIDENCE_FILES,
  type EvidenceDocument,
  type EvidenceEnvelope,
  type EvidenceFile,
  type EvidenceInput,
  type EvidenceVerification,
  evidenceFileUrl,
  evidenceKey,
  type FetchedArtifact,
  looksLikeEnvelope,
  parseEnvelope,
  publicKeyFingerprint,
  renderEvidenceReport,
  serializeEnvelope,
  serializeEvidence,
  verifyArtifacts,
  verifyEd25519,
  verifyEnvelopeBytes,
  verifyEvidenceBytes,
} from '../domain/evidence/index.ts';
import { CONDITIONAL_WRITE_CONFLICT, type EvidenceSigner, type ObjectStore } from '../ports.ts';

/**
 * Signing and publishing the evidence (SPEC §6.6), for the SignEvidence step and `finalize`:
 * build the document, sign its exact bytes (detached), render evidence.html, and upload the four
 * files to the evidence location (docs/evidence.md "Where the evidence is"). A signer that cannot
 * sign the whole document (`maxMessageBytes`, KMS) signs an envelope instead: the document is
 * uploaded as evidence-body.json and evidence.json is the small envelope naming its key, SHA-256 and
 * size (core/domain/evidence/envelope.ts) — five files, kept and locked alike:
 *
 * - `migrations/<id>/attempts/<n>/…` — this attempt, each file written with If-None-Match: *, so an
 *   attempt's evidence is never overwritten (a concurrent finalize that took `n` first makes this
 *   one move on to `n+1`);
 * - `migrations/<id>/…` — the latest attempt at the canonical key: on a versioned bucket (Object
 *   Lock implies versioning) a new version, the earlier ones staying (and staying locked); on an
 *   unversioned bucket the canonical copy is replaced, each attempt's own copy staying under attempts/.
 *
 * With `retentionMs` (evidence.retention) every object gets Object Lock COMPLIANCE retention until
 * now + retention; a bucket without Object Lock fails with exactly
 * `PutObject failed: InvalidRequest — bucket does not have Object Lock enabled` (core/adapters/s3).
 */

export interface PublishEvidenceDeps {
  /** The evidence location (storage.evidence). */
  readonly store: ObjectStore;
  readonly signer: EvidenceSigner;
  /** evidence.retention in milliseconds (core/domain/config/duration.ts parseDuration(...).ms). */
  readonly retentionMs?: number | undefined;
  readonly now?: () => Date;
}

/** What SignEvidence gathers; attempt, key and time are filled in here. */
export type PublishEvidenceInput = Omit<EvidenceInput, 'attempt' | 'key' | 'generatedAt'>;

export interface PublishedFile {
  readonly file: EvidenceFile;
  readonly name: string;
  readonly body: Uint8Array;
  readonly sha256: string;
}

export interface PublishedEvidence {
  readonly attempt: number;
  readonly document: EvidenceDocument;
  /** s3://…/migrations/<id>/evidence.json (the canonical key, for the journal line) */
  readonly url: string;
  /** s3://…/migrations/<id>/attempts/<n>/evidence.json */
  readonly attemptUrl: string;
  /** SHA-256 hex of evidence.json (for the journal; never inside the evidence itself) */
  readonly evidenceSha256: string;
  readonly publicKeySha256: string;
  /** The envelope evidence.json is, when the signer could not sign the whole document. */
  readonly envelope: EvidenceEnvelope | undefined;
  readonly retainUntil: Date | undefined;
  /** evidence.json, evidence.json.sig, evidence-public-key.pem, evidence.html with their bytes (and evidence-body.json first under an envelope). */
  readonly files: readonly PublishedFile[];
}

const CONTENT_TYPES: Record<EvidenceFile, string> = {
  evidence: 'application/json',
  signature: 'application/octet-stream',
  publicKey: 'application/x-pem-file',
  report: 'text/html; charset=utf-8',
  body: 'application/json',
};

/** Upload order: under an envelope the body goes first, so no envelope ever names a body not yet stored. */
const FILE_ORDER: readonly EvidenceFile[] = ['body', 'evidence', 'signature', 'publicKey', 'report'];

/** How many times a lost race for an attempt number moves on to the next one. */
const ATTEMPT_RACES = 5;

/** Signs the evidence and uploads it (attempt folder, then the canonical key). */
export async function publishEvidence(
  input: PublishEvidenceInput,
  deps: PublishEvidenceDeps,
): Promise<PublishedEvidence> {
  const now = deps.now?.() ?? new Date();
  const retainUntil = deps.retentionMs === undefined ? undefined : new Date(now.getTime() + deps.retentionMs);
  let attempt = await nextAttempt(deps.store, input.migrationId);
  for (let race = 0; ; race++) {
    const signed = await signEvidence({ ...input, attempt, generatedAt: now }, deps.signer);
    try {
      await putFiles(deps.store, input.migrationId, signed.files, { attempt, retainUntil });
    } catch (e) {
      if (race < ATTEMPT_RACES && isKraftMigrateError(e) && e.code === CONDITIONAL_WRITE_CONFLICT) {
        attempt = await nextAttempt(deps.store, input.migrationId);
        continue;
      }
      throw e;
    }
    await putFiles(deps.store, input.migrationId, signed.files, { retainUntil });
    const evidenceUrl = deps.store.url;
    return {
      ...signed,
      attempt,
      url: evidenceFileUrl(evidenceUrl, input.migrationId, 'evidence'),
      attemptUrl: evidenceFileUrl(evidenceUrl, input.migrationId, 'evidence', attempt),
      retainUntil,
    };
  }
}

/**
 * Builds, serializes and signs the document (no upload): the files in memory. When the document is
 * larger than the signer's `maxMessageBytes`, it becomes evidence-body.json and the signature is
 * over the envelope evidence.json (refused only when even the envelope is too large). The signature
 * is checked against the public key before anything leaves (a KMS key that signs otherwise is
 * caught here).
 */
export async function signEvidence(
  input: Omit<EvidenceInput, 'key'>,
  signer: EvidenceSigner,
): Promise<
  Pick<PublishedEvidence, 'document' | 'envelope' | 'evidenceSha256' | 'publicKeySha256' | 'files'>
> {
  const key = { source: signer.source, keyId: signer.keyId, publicKeyPem: signer.publicKeyPem };
  const limit = signer.maxMessageBytes;
  let document = buildEvidence({ ...input, key });
  let bytes = serializeEvidence(document);
  let envelope: EvidenceEnvelope | undefined;
  const bodies: Partial<Record<EvidenceFile, Uint8Array>> = {};
  if (limit !== undefined && bytes.byteLength > limit) {
    document = buildEvidence({ ...input, key, envelope: true });
    bodies.body = serializeEvidence(document);
    envelope = buildEnvelope(document, bodies.body, evidenceKey(input.migrationId, 'body', input.attempt));
    bytes = serializeEnvelope(envelope);
    if (bytes.byteLength > limit) {
      throw new PreconditionError(
        `the evidence envelope of ${bytes.byteLength} bytes is larger than the ${limit} bytes ${signer.keyId} (${signer.source}) can sign`,
        {
          code: 'EVIDENCE_ENVELOPE_TOO_LARGE',
          fix: 'The envelope holds the migration id, the key id and the body key: use a shorter --migration-id, or sign with evidence.signing_key_path or evidence.secret_arn (no size limit).',
        },
      );
    }
  }
  const signature = await signer.sign(bytes);
  if (!verifyEd25519(bytes, signature, signer.publicKeyPem)) {
    throw new InvariantError(
      `the signature made with ${signer.keyId} does not verify under its own public key`,
      {
        code: 'EVIDENCE_SIGNATURE_SELF_CHECK',
        fix: 'The signing key and the public key it reports do not belong together: check the key configuration (evidence.*).',
      },
    );
  }
  bodies.evidence = bytes;
  bodies.signature = signature;
  bodies.publicKey = new TextEncoder().encode(signer.publicKeyPem);
  bodies.report = new TextEncoder().encode(renderEvidenceReport(document));
  return {
    document,
    envelope,
    evidenceSha256: sha256Hex(bytes),
    publicKeySha256: publicKeyFingerprint(signer.publicKeyPem),
    files: FILE_ORDER.flatMap((file) => {
      const body = bodies[file];
      return body === undefined ? [] : [{ file, name: EVIDENCE_FILES[file], body, sha256: sha256Hex(body) }];
    }),
  };
}

/** 1 + the highest attempt number under migrations/<id>/attempts/ (1 when there is none). */
export async function nextAttempt(store: ObjectStore, migrationId: string): Promise<number> {
  const heads = await store.list(attemptsPrefix(migrationId));
  let max = 0;
  for (const h of heads) max = Math.max(max, attemptOfKey(migrationId, h.key) ?? 0);
  return max + 1;
}

async function putFiles(
  store: ObjectStore,
  migrationId: string,
  files: readonly PublishedFile[],
  options: { readonly attempt?: number; readonly retainUntil: Date | undefined },
): Promise<void> {
  for (const f of files) {
    await store.put(evidenceKey(migrationId, f.file, options.attempt), f.body, {
      contentType: CONTENT_TYPES[f.file],
      sha256: f.sha256,
      ...(options.attempt !== undefined ? { ifNoneMatch: true } : {}),
      ...(options.retainUntil ? { retainUntil: options.retainUntil } : {}),
    });
  }
}

/**
 * Artifacts for the evidence: each object (key relative to `store`) read back and hashed, so the
 * evidence lists exactly what is stored. A missing object is an error naming it.
 */
export async function describeArtifacts(store: ObjectStore, keys: readonly string[]): Promise<Artifact[]> {
  const out: Artifact[] = [];
  for (const key of keys) {
    const bytes = await store.get(key);
    if (bytes === undefined) {
      throw new InvariantError(`artifact ${key} is not in ${store.url}`, {
        code: 'EVIDENCE_ARTIFACT_MISSING',
        fix: 'The step that writes it did not run or its object was deleted: resume the migration.',
      });
    }
    out.push(artifactOf(key, bytes));
  }
  return out;
}

/** Reads one artifact for verification; undefined when it is not reachable from here. */
export type ArtifactFetcher = (key: string) => Promise<FetchedArtifact>;

export interface EvidenceFilesToVerify {
  readonly evidence: Uint8Array;
  readonly signature: Uint8Array | undefined;
  readonly publicKeyPem: string | undefined;
  /** The body of an envelope as given (`--body`); otherwise looked for by its key with the fetchers. */
  readonly body?: FetchedArtifact;
  /** Tried in order for each artifact (and an envelope's body); the first that finds it wins. */
  readonly fetchers: readonly ArtifactFetcher[];
}

/**
 * verify-evidence: the pure checks, then every artifact that one of the fetchers can reach. An
 * envelope's body is the one given, or found by its key (beside the envelope, or in the bucket).
 */
export async function verifyEvidenceFiles(files: EvidenceFilesToVerify): Promise<EvidenceVerification> {
  let result: EvidenceVerification;
  if (looksLikeEnvelope(files.evidence)) {
    const parsed = parseEnvelope(files.evidence);
    const body =
      files.body ?? (parsed.ok ? await fetchFirst(files.fetchers, parsed.envelope.body.key) : undefined);
    result = verifyEnvelopeBytes({ ...files, body });
  } else {
    result = verifyEvidenceBytes(files);
  }
  const artifacts = result.document?.artifacts ?? [];
  const fetched = new Map<string, FetchedArtifact>();
  for (const a of artifacts) {
    const got = await fetchFirst(files.fetchers, a.key);
    if (got) fetched.set(a.key, got);
  }
  const checks = [...result.checks, ...verifyArtifacts(artifacts, fetched)];
  return { ...result, checks, ok: checks.every((c) => c.outcome !== 'failed') };
}

/** The first fetcher's answer that finds `key` (a fetcher that throws finds nothing). */
async function fetchFirst(fetchers: readonly ArtifactFetcher[], key: string): Promise<FetchedArtifact> {
  for (const fetch of fetchers) {
    try {
      const got = await fetch(key);
      if (got) return got;
    } catch {
      // not reachable through this one: try the next
    }
  }
  return undefined;
}
