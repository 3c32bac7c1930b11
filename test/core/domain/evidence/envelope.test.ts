/**
 * The signed envelope (core/domain/evidence/envelope.ts) and its checks (verifyEnvelopeBytes), pure:
 * a local Ed25519 key signs; the KMS path and openssl are in test/cli/verify-evidence.test.ts.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../../core/domain/canonical.ts';
import {
  buildEnvelope,
  buildEvidence,
  type EvidenceKey,
  looksLikeEnvelope,
  parseEnvelope,
  serializeEnvelope,
  serializeEvidence,
  verifyEnvelopeBytes,
} from '../../../../core/domain/evidence/index.ts';
import { MIGRATION_ID, sampleInput } from './fixtures.ts';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
const KEY: EvidenceKey = { source: 'kms', keyId: 'arn:aws:kms:eu-west-2:123456789012:key/k', publicKeyPem };
const BODY_KEY = `migrations/${MIGRATION_ID}/attempts/1/evidence-body.json`;
const signBytes = (b: Uint8Array) => new Uint8Array(sign(null, b, privateKey));

/** verifyEnvelopeBytes of an envelope signed with the key and the body found as `where`. */
const verifySigned = (envelope: Uint8Array, bodyBytes: Uint8Array, where = 'evidence-body.json') =>
  verifyEnvelopeBytes({
    evidence: envelope,
    signature: signBytes(envelope),
    publicKeyPem,
    body: { bytes: bodyBytes, where },
  });

function body(attempt = 1) {
  const document = buildEvidence(sampleInput(KEY, { attempt, envelope: true }));
  return { document, bytes: serializeEvidence(document) };
}

describe('the evidence envelope', () => {
  it('names the body’s key, SHA-256 and size and the key, and is its own canonical JSON without a digest of itself', () => {
    const b = body();

    const envelope = buildEnvelope(b.document, b.bytes, BODY_KEY);
    const bytes = serializeEnvelope(envelope);
    const parsed = parseEnvelope(bytes);

    expect(envelope.body).toEqual({
      file: 'evidence-body.json',
      key: BODY_KEY,
      sha256: sha256Hex(b.bytes),
      bytes: String(b.bytes.byteLength),
    });
    expect(envelope.signing).not.toHaveProperty('envelope_file');
    expect(envelope.signing.public_key_sha256).toBe(b.document.signing.public_key_sha256);
    expect(parsed).toEqual({ ok: true, envelope, canonical: true });
    expect(new TextDecoder().decode(bytes)).not.toContain(sha256Hex(bytes));
    expect(looksLikeEnvelope(bytes)).toBe(true);
    expect(looksLikeEnvelope(b.bytes)).toBe(false);
    // a damaged envelope that no longer parses is still told apart from a document
    expect(looksLikeEnvelope(bytes.slice(0, -1))).toBe(true);
  });

  it('verifies: format, signature, key, body, then the body’s journal', () => {
    const b = body();
    const envelope = serializeEnvelope(buildEnvelope(b.document, b.bytes, BODY_KEY));

    const result = verifySigned(envelope, b.bytes);

    expect(result.checks.map((c) => [c.name, c.outcome])).toEqual([
      ['format', 'ok'],
      ['signature', 'ok'],
      ['public_key', 'ok'],
      ['body', 'ok'],
      ['journal_chain', 'ok'],
    ]);
    expect(result.ok).toBe(true);
    expect(result.document?.migration_id).toBe(MIGRATION_ID);
  });

  it('fails the body whose digest matches but which disagrees with the signed envelope, naming the fields', () => {
    // the signer's own mistake or forgery: an envelope carrying attempt 1 over attempt 2's body bytes
    const one = body(1);
    const two = body(2);
    const envelope = serializeEnvelope(buildEnvelope(one.document, two.bytes, BODY_KEY));

    const result = verifySigned(envelope, two.bytes);

    expect(result.ok).toBe(false);
    expect(result.checks.find((c) => c.name === 'body')).toEqual({
      name: 'body',
      outcome: 'failed',
      detail: 'evidence-body.json does not belong to this envelope: attempt: envelope 1, body 2',
    });
  });

  it('fails the format of an envelope rewritten with whitespace, and of a body that is not canonical', () => {
    const b = body();
    const pretty = new TextEncoder().encode(
      JSON.stringify(JSON.parse(new TextDecoder().decode(b.bytes)), null, 2),
    );
    const envelope = serializeEnvelope(buildEnvelope(b.document, pretty, BODY_KEY));
    const rewritten = new TextEncoder().encode(
      JSON.stringify(JSON.parse(new TextDecoder().decode(envelope)), null, 1),
    );

    const r1 = verifySigned(rewritten, pretty, 'b.json');

    expect(r1.checks.find((c) => c.name === 'format')?.detail).toBe(
      'the bytes are not the RFC 8785 canonical JSON of the envelope (the file was rewritten)',
    );
    expect(r1.checks.find((c) => c.name === 'body')?.detail).toBe(
      'b.json: the bytes are not the RFC 8785 canonical JSON of the document',
    );
  });
});
