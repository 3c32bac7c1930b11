import { sha256Hex } from '../canonical.ts';
import { isKraftMigrateError } from '../errors.ts';
import { journalFingerprint } from '../journal/fingerprint.ts';
import { verifyChain } from '../journal/journal.ts';
import { parseEvidence } from './document.ts';
import { type EvidenceEnvelope, envelopeMismatches, parseEnvelope } from './envelope.ts';
import { EVIDENCE_FILES } from './layout.ts';
import type { Artifact, EvidenceDocument, SigningInfo } from './schema.ts';
import { DEMO_PUBLIC_KEY_SHA256, publicKeyFingerprint, verifyEd25519 } from './signing.ts';

/**
 * What `verify-evidence` checks, as pure functions over bytes already read: the document's format,
 * the detached signature over the exact bytes, the public key against the fingerprint inside, the
 * journal's hash chain, and each artifact's size and SHA-256. One result per check; nothing throws.
 * A signed envelope (envelope.ts) gets the same checks: format, signature and key on the envelope,
 * then `body` (the body's size and SHA-256 against the envelope, its format, its agreement with the
 * envelope), then the journal and the artifacts of the verified body.
 */

export type CheckOutcome = 'ok' | 'failed' | 'warning' | 'unchecked';

export interface VerifyCheck {
  readonly name: string;
  readonly outcome: CheckOutcome;
  readonly detail: string;
}

export interface EvidenceVerification {
  /** true when no check failed (warnings and unchecked artifacts do not fail). */
  readonly ok: boolean;
  /** true when the evidence was signed with the built-in demo key: a valid signature proves nothing. */
  readonly demoKey: boolean;
  readonly checks: readonly VerifyCheck[];
  /** The evidence document: the file itself, or the body of an envelope once it verified. */
  readonly document: EvidenceDocument | undefined;
  /** The parsed envelope, when the file is one. */
  readonly envelope?: EvidenceEnvelope | undefined;
}

export interface VerifyInput {
  readonly evidence: Uint8Array;
  /** evidence.json.sig (64 raw bytes); undefined when it could not be read. */
  readonly signature: Uint8Array | undefined;
  /** SPKI PEM; undefined when it could not be read. */
  readonly publicKeyPem: string | undefined;
}

/** Format, signature, public key, signing key and journal checks (artifacts: verifyArtifacts). */
export function verifyEvidenceBytes(input: VerifyInput): EvidenceVerification {
  const checks: VerifyCheck[] = [];
  const parsed = parseEvidence(input.evidence);
  const document = parsed.ok ? parsed.document : undefined;
  checks.push(
    formatCheck(
      parsed,
      'document',
      () => `evidence schema ${document?.schema_version}, RFC 8785 canonical JSON`,
    ),
  );

  checks.push(
    document?.signing.envelope_file === undefined
      ? signatureCheck(input)
      : {
          name: 'signature',
          outcome: 'failed',
          detail: `this is the body of a signed envelope: the signature is over ${document.signing.envelope_file}, which holds this body's SHA-256 — verify that file instead`,
        },
  );
  const keyCheck = publicKeyChecks(input.publicKeyPem, document?.signing);
  checks.push(...keyCheck.checks);
  checks.push(...journalChecks(document));
  return {
    ok: checks.every((c) => c.outcome !== 'failed'),
    demoKey: keyCheck.demo,
    checks,
    document,
  };
}

function formatCheck(
  parsed:
    | { readonly ok: true; readonly canonical: boolean }
    | { readonly ok: false; readonly problem: string },
  what: 'document' | 'envelope',
  ok: () => string,
): VerifyCheck {
  const name = 'format';
  if (!parsed.ok) return { name, outcome: 'failed', detail: parsed.problem };
  if (!parsed.canonical)
    return {
      name,
      outcome: 'failed',
      detail: `the bytes are not the RFC 8785 canonical JSON of the ${what} (the file was rewritten)`,
    };
  return { name, outcome: 'ok', detail: ok() };
}

function signatureCheck(input: VerifyInput): VerifyCheck {
  const name = 'signature';
  if (input.signature === undefined)
    return { name, outcome: 'failed', detail: 'no signature file (evidence.json.sig) to check' };
  if (input.publicKeyPem === undefined)
    return { name, outcome: 'failed', detail: 'no public key (evidence-public-key.pem) to check with' };
  if (input.signature.byteLength !== 64)
    return {
      name,
      outcome: 'failed',
      detail: `the signature has ${input.signature.byteLength} bytes; an Ed25519 signature has 64`,
    };
  try {
    return verifyEd25519(input.evidence, input.signature, input.publicKeyPem)
      ? { name, outcome: 'ok', detail: `Ed25519 signature valid over all ${input.evidence.byteLength} bytes` }
      : {
          name,
          outcome: 'failed',
          detail: 'Ed25519 signature does NOT match the file under this public key',
        };
  } catch (e) {
    return { name, outcome: 'failed', detail: e instanceof Error ? e.message : String(e) };
  }
}

export interface EnvelopeVerifyInput extends VerifyInput {
  /** evidence-body.json as found beside the envelope, given, or read from the evidence bucket (undefined: not found). */
  readonly body: FetchedArtifact;
}

/** Format, signature and key checks of an envelope, then the body's, then journal checks on the body. */
export function verifyEnvelopeBytes(input: EnvelopeVerifyInput): EvidenceVerification {
  const checks: VerifyCheck[] = [];
  const parsed = parseEnvelope(input.evidence);
  const envelope = parsed.ok ? parsed.envelope : undefined;
  checks.push(
    formatCheck(
      parsed,
      'envelope',
      () =>
        `evidence envelope ${envelope?.envelope_version}, RFC 8785 canonical JSON, over ${envelope?.body.file} (${envelope?.body.bytes} bytes)`,
    ),
  );
  checks.push(signatureCheck(input));
  const keyCheck = publicKeyChecks(input.publicKeyPem, envelope?.signing);
  checks.push(...keyCheck.checks);
  const body = bodyCheck(envelope, input.body);
  checks.push(body.check);
  checks.push(...journalChecks(body.document, 'no verified body'));
  return {
    ok: checks.every((c) => c.outcome !== 'failed'),
    demoKey: keyCheck.demo,
    checks,
    document: body.document,
    envelope,
  };
}

function bodyCheck(
  envelope: EvidenceEnvelope | undefined,
  found: FetchedArtifact,
): { check: VerifyCheck; document: EvidenceDocument | undefined } {
  const name = 'body';
  const fail = (detail: string) => ({
    check: { name, outcome: 'failed', detail } as VerifyCheck,
    document: undefined,
  });
  if (envelope === undefined)
    return {
      check: { name, outcome: 'unchecked', detail: 'the envelope could not be parsed' },
      document: undefined,
    };
  const want = envelope.body;
  if (found === undefined)
    return fail(
      `${want.file} not found: download it (${want.key}) beside ${EVIDENCE_FILES.evidence}, or pass --body FILE`,
    );
  const sha = sha256Hex(found.bytes);
  if (String(found.bytes.byteLength) !== want.bytes || sha !== want.sha256)
    return fail(
      `${found.where}: ${found.bytes.byteLength} bytes sha256 ${sha}, the envelope says ${want.bytes} bytes sha256 ${want.sha256}`,
    );
  const parsed = parseEvidence(found.bytes);
  if (!parsed.ok) return fail(`${found.where}: ${parsed.problem}`);
  if (!parsed.canonical)
    return fail(`${found.where}: the bytes are not the RFC 8785 canonical JSON of the document`);
  const mismatches = envelopeMismatches(envelope, parsed.document);
  if (mismatches.length > 0)
    return fail(`${found.where} does not belong to this envelope: ${mismatches.join('; ')}`);
  return {
    check: {
      name,
      outcome: 'ok',
      detail: `${found.where}: ${want.bytes} bytes, sha256 ${want.sha256} as in the envelope; evidence schema ${parsed.document.schema_version}, RFC 8785 canonical JSON`,
    },
    document: parsed.document,
  };
}

function publicKeyChecks(
  pem: string | undefined,
  signing: Pick<SigningInfo, 'public_key_sha256' | 'key_source' | 'key_id'> | undefined,
): { checks: VerifyCheck[]; demo: boolean } {
  const name = 'public_key';
  if (pem === undefined)
    return { checks: [{ name, outcome: 'failed', detail: 'no public key given' }], demo: false };
  let fingerprint: string;
  try {
    fingerprint = publicKeyFingerprint(pem);
  } catch (e) {
    return { checks: [{ name, outcome: 'failed', detail: (e as Error).message }], demo: false };
  }
  const demo = fingerprint === DEMO_PUBLIC_KEY_SHA256;
  const checks: VerifyCheck[] = [];
  if (signing === undefined) checks.push({ name, outcome: 'unchecked', detail: `key sha256 ${fingerprint}` });
  else if (signing.public_key_sha256 !== fingerprint)
    checks.push({
      name,
      outcome: 'failed',
      detail: `key sha256 ${fingerprint} is not the key named in the evidence (${signing.public_key_sha256})`,
    });
  else
    checks.push({
      name,
      outcome: 'ok',
      detail: `key sha256 ${fingerprint} (${signing.key_source}: ${signing.key_id}) — compare it with the fingerprint you trust`,
    });
  if (demo)
    checks.push({
      name: 'signing_key',
      outcome: 'warning',
      detail:
        'signed with the built-in demo key, whose private key is public: the signature proves nothing about who wrote this evidence',
    });
  return { checks, demo };
}

function journalChecks(
  document: EvidenceDocument | undefined,
  missing = 'evidence could not be parsed',
): VerifyCheck[] {
  const name = 'journal_chain';
  if (document === undefined) return [{ name, outcome: 'unchecked', detail: missing }];
  const entries = document.journal;
  try {
    verifyChain(entries);
  } catch (e) {
    return [{ name, outcome: 'failed', detail: isKraftMigrateError(e) ? e.message : String(e) }];
  }
  const recorded = journalFingerprint(entries);
  if (recorded !== document.config_fingerprint) {
    return [
      {
        name,
        outcome: 'failed',
        detail: `the journal's config fingerprint ${recorded ?? '(none)'} is not the evidence's ${document.config_fingerprint}`,
      },
    ];
  }
  const last = entries.at(-1);
  return [
    {
      name,
      outcome: 'ok',
      detail: `${entries.length} entries, hash chain intact${last ? ` (last ${last.from ?? '(new)'} -> ${last.to}, hash ${last.hash.slice(0, 16)}…)` : ''}`,
    },
  ];
}

/** Artifact bytes as fetched: undefined = not reachable from here (reported, not failed). */
export type FetchedArtifact = { readonly bytes: Uint8Array; readonly where: string } | undefined;

/** Each artifact's size and SHA-256 against the bytes that could be fetched. */
export function verifyArtifacts(
  artifacts: readonly Artifact[],
  fetched: ReadonlyMap<string, FetchedArtifact>,
): VerifyCheck[] {
  return artifacts.map((a) => {
    const name = `artifact ${a.key}`;
    const got = fetched.get(a.key);
    if (got === undefined) return { name, outcome: 'unchecked', detail: 'not reachable from here' };
    const sha = sha256Hex(got.bytes);
    if (String(got.bytes.byteLength) !== a.bytes || sha !== a.sha256) {
      return {
        name,
        outcome: 'failed',
        detail: `${got.where}: ${got.bytes.byteLength} bytes sha256 ${sha}, evidence says ${a.bytes} bytes sha256 ${a.sha256}`,
      };
    }
    return { name, outcome: 'ok', detail: `${got.where}: ${a.bytes} bytes, sha256 ${a.sha256}` };
  });
}

/** One line per check: `signature: OK Ed25519 signature valid …`. */
export function renderVerification(checks: readonly VerifyCheck[]): string[] {
  return checks.map((c) => `${c.name}: ${c.outcome.toUpperCase()} ${c.detail}`);
}
