import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { DEMO_SIGNING_KEY_PEM } from '../../../../core/adapters/signing-key.ts';
import { sha256Hex } from '../../../../core/domain/canonical.ts';
import { InvalidInputError, InvariantError } from '../../../../core/domain/errors.ts';
import {
  artifactOf,
  buildEvidence,
  DEMO_KEY_WARNING,
  DEMO_PUBLIC_KEY_SHA256,
  type EvidenceKey,
  OPENSSL_VERIFY_ARGS,
  parseEvidence,
  publicKeyFingerprint,
  serializeEvidence,
  verifyArtifacts,
  verifyEvidenceBytes,
} from '../../../../core/domain/evidence/index.ts';
import { DEMO_KEY, sampleInput } from './fixtures.ts';
import { OPENSSL_VERIFY_COMMAND, opensslVerify } from './openssl.ts';

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const key: EvidenceKey = { source: 'path', keyId: '/etc/kraft/evidence.key', publicKeyPem };
  return { key, publicKeyPem, signBytes: (b: Uint8Array) => new Uint8Array(sign(null, b, privateKey)) };
}

function signed() {
  const k = keyPair();
  const evidence = serializeEvidence(buildEvidence(sampleInput(k.key)));
  return { ...k, evidence, signature: k.signBytes(evidence) };
}

function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[at] = (copy[at] ?? 0) ^ 0x01;
  return copy;
}

/** Positions spread over the whole buffer, first and last included. */
function positions(length: number, count: number): number[] {
  const out = new Set<number>([0, length - 1]);
  for (let i = 1; i < count; i++) out.add(Math.floor((i * length) / count));
  return [...out];
}

describe('buildEvidence / serializeEvidence', () => {
  it('writes exactly the RFC 8785 canonical JSON, with offsets above 2^53 kept exactly as decimal strings', () => {
    const bytes = serializeEvidence(buildEvidence(sampleInput()));
    const text = new TextDecoder().decode(bytes);

    expect(text).toBe(canonicalize(JSON.parse(text)));
    expect(text).toContain('"records":"9007199254740993"');
    expect(text).toContain('"source_offset":"9007199254740993"');
  });

  it('holds neither its own digest nor its signature (both are detached)', () => {
    const doc = buildEvidence(sampleInput());
    const text = new TextDecoder().decode(serializeEvidence(doc));

    expect(Object.keys(doc)).not.toContain('signature');
    expect(text).not.toContain('payload_sha256');
    expect(text).not.toContain(sha256Hex(text));
    expect(doc.signing).toEqual({
      alg: 'Ed25519',
      key_id: 'built-in demo key',
      key_source: 'demo',
      public_key_sha256: DEMO_PUBLIC_KEY_SHA256,
      public_key_file: 'evidence-public-key.pem',
      signature_file: 'evidence.json.sig',
      demo_key: true,
    });
  });

  it('carries the demo-key warning only when the demo key signs', () => {
    expect(buildEvidence(sampleInput()).warnings).toEqual([DEMO_KEY_WARNING]);
    expect(buildEvidence(sampleInput(keyPair().key)).warnings).toEqual([]);
  });

  it('refuses an offset given as a JSON number, naming the field', () => {
    const input = sampleInput();
    const bad = { ...input, tail: { ...input.tail, records: 42 as unknown as string } };

    expect(() => buildEvidence(bad)).toThrow(InvalidInputError);
    expect(() => buildEvidence(bad)).toThrow(/evidence field tail\.records/);
  });

  it('refuses a number that JSON cannot carry exactly, naming its path', () => {
    const input = sampleInput();
    const sentinel = { ...input.cutover.sentinels[0]!, extra: 2 ** 60 };
    const bad = { ...input, cutover: { ...input.cutover, sentinels: [sentinel] } };

    expect(() => buildEvidence(bad)).toThrow(/evidence\.cutover\.sentinels\[0\]\.extra/);
  });

  it('refuses anything that looks like a secret', () => {
    const input = sampleInput();
    const freeze = { ...input.cutover.freeze_window, webhook_secret: 'hunter2' };

    expect(() => buildEvidence({ ...input, cutover: { ...input.cutover, freeze_window: freeze } })).toThrow(
      InvariantError,
    );
  });

  it('parses back to the same document and says the bytes are canonical', () => {
    const doc = buildEvidence(sampleInput());
    const parsed = parseEvidence(serializeEvidence(doc));

    expect(parsed).toEqual({ ok: true, document: doc, canonical: true });
  });

  it('the built-in demo key pair matches: private key in the adapter, fingerprint in the domain', () => {
    const pem = createPublicKey(DEMO_SIGNING_KEY_PEM).export({ format: 'pem', type: 'spki' }).toString();
    expect(publicKeyFingerprint(pem)).toBe(DEMO_PUBLIC_KEY_SHA256);
  });
});

describe('verifyEvidenceBytes', () => {
  it('accepts untouched evidence: format, signature, public key and journal chain OK', () => {
    const s = signed();

    const result = verifyEvidenceBytes({
      evidence: s.evidence,
      signature: s.signature,
      publicKeyPem: s.publicKeyPem,
    });

    expect(result.ok).toBe(true);
    expect(result.demoKey).toBe(false);
    expect(result.checks.map((c) => [c.name, c.outcome])).toEqual([
      ['format', 'ok'],
      ['signature', 'ok'],
      ['public_key', 'ok'],
      ['journal_chain', 'ok'],
    ]);
  });

  it('detects a flipped bit at every one of 200 positions of the evidence', () => {
    const s = signed();
    const missed = positions(s.evidence.byteLength, 200).filter(
      (at) =>
        verifyEvidenceBytes({
          evidence: flipped(s.evidence, at),
          signature: s.signature,
          publicKeyPem: s.publicKeyPem,
        }).ok,
    );

    expect(missed).toEqual([]);
  });

  it('detects a flipped bit at every position of the signature', () => {
    const s = signed();
    const missed = positions(64, 64).filter(
      (at) =>
        verifyEvidenceBytes({
          evidence: s.evidence,
          signature: flipped(s.signature, at),
          publicKeyPem: s.publicKeyPem,
        }).ok,
    );

    expect(missed).toEqual([]);
  });

  it('detects a truncated or missing signature', () => {
    const s = signed();
    for (const signature of [s.signature.subarray(0, 63), undefined]) {
      const r = verifyEvidenceBytes({ evidence: s.evidence, signature, publicKeyPem: s.publicKeyPem });
      expect(r.ok).toBe(false);
      expect(r.checks.find((c) => c.name === 'signature')?.outcome).toBe('failed');
    }
  });

  it('detects a wrong public key (signature and fingerprint both fail)', () => {
    const s = signed();

    const r = verifyEvidenceBytes({
      evidence: s.evidence,
      signature: s.signature,
      publicKeyPem: keyPair().publicKeyPem,
    });

    expect(r.ok).toBe(false);
    expect(r.checks.filter((c) => c.outcome === 'failed').map((c) => c.name)).toEqual([
      'signature',
      'public_key',
    ]);
  });

  it('detects a changed journal entry even when the evidence is re-signed afterwards', () => {
    // Arrange: change one character of each entry's reason in turn, rebuild and sign validly
    const k = keyPair();
    const input = sampleInput(k.key);
    const missed: number[] = [];
    input.journal.forEach((entry, i) => {
      const journal = input.journal.map((e, j) => (j === i ? { ...e, reason: `${e.reason}!` } : e));
      const evidence = serializeEvidence(buildEvidence({ ...input, journal }));

      // Act
      const r = verifyEvidenceBytes({
        evidence,
        signature: k.signBytes(evidence),
        publicKeyPem: k.publicKeyPem,
      });

      // Assert
      const chain = r.checks.find((c) => c.name === 'journal_chain');
      if (r.ok || chain?.outcome !== 'failed' || !chain.detail.includes(`line ${entry.seq}`)) missed.push(i);
      expect(r.checks.find((c) => c.name === 'signature')?.outcome).toBe('ok');
    });

    expect(missed).toEqual([]);
  });

  it('detects a journal whose fingerprint is not the evidence config fingerprint', () => {
    const k = keyPair();
    const evidence = serializeEvidence(
      buildEvidence(sampleInput(k.key, { configFingerprint: 'f'.repeat(64) })),
    );

    const r = verifyEvidenceBytes({
      evidence,
      signature: k.signBytes(evidence),
      publicKeyPem: k.publicKeyPem,
    });

    expect(r.ok).toBe(false);
    expect(r.checks.find((c) => c.name === 'journal_chain')?.detail).toMatch(/config fingerprint/);
  });

  it('detects evidence rewritten as non-canonical JSON (same content, other bytes)', () => {
    const k = keyPair();
    const doc = buildEvidence(sampleInput(k.key));
    const pretty = new TextEncoder().encode(JSON.stringify(doc, null, 2));

    const r = verifyEvidenceBytes({
      evidence: pretty,
      signature: k.signBytes(pretty),
      publicKeyPem: k.publicKeyPem,
    });

    expect(r.ok).toBe(false);
    expect(r.checks[0]).toMatchObject({ name: 'format', outcome: 'failed' });
  });

  it('verifies demo-key evidence but reports that it proves nothing', () => {
    const evidence = serializeEvidence(buildEvidence(sampleInput(DEMO_KEY)));
    const signature = new Uint8Array(sign(null, evidence, createPrivateKey(DEMO_SIGNING_KEY_PEM)));

    const r = verifyEvidenceBytes({ evidence, signature, publicKeyPem: DEMO_KEY.publicKeyPem });

    expect(r.ok).toBe(true);
    expect(r.demoKey).toBe(true);
    expect(r.checks.find((c) => c.name === 'signing_key')).toMatchObject({
      outcome: 'warning',
      detail: expect.stringContaining('proves nothing'),
    });
  });
});

describe('verifyArtifacts', () => {
  it('reports each artifact as ok, failed (size or hash) or unchecked (not reachable)', () => {
    const good = new TextEncoder().encode('{"map":[]}');
    const artifacts = [artifactOf('a.json', good), artifactOf('b.json', good), artifactOf('c.json', good)];
    const fetched = new Map([
      ['a.json', { bytes: good, where: 'a.json' }],
      ['b.json', { bytes: flipped(good, 3), where: 'b.json' }],
    ]);

    expect(verifyArtifacts(artifacts, fetched).map((c) => c.outcome)).toEqual(['ok', 'failed', 'unchecked']);
  });
});

describe('an auditor with openssl alone', () => {
  it('runs exactly the command docs/evidence.md gives', () => {
    expect(['openssl', ...OPENSSL_VERIFY_ARGS].join(' ')).toBe(OPENSSL_VERIFY_COMMAND);
  });

  function writeFiles(evidence: Uint8Array, signature: Uint8Array, publicKeyPem: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'evidence-openssl-'));
    writeFileSync(join(dir, 'evidence.json'), evidence);
    writeFileSync(join(dir, 'evidence.json.sig'), signature);
    writeFileSync(join(dir, 'evidence-public-key.pem'), publicKeyPem);
    return dir;
  }

  it('verifies the signature with `openssl pkeyutl -verify -pubin -inkey evidence-public-key.pem -rawin -in evidence.json -sigfile evidence.json.sig`', () => {
    const s = signed();
    const dir = writeFiles(s.evidence, s.signature, s.publicKeyPem);

    const run = opensslVerify(dir);

    expect(run.stdout).toBe('Signature Verified Successfully');
    expect(run.status).toBe(0);
  });

  it('fails that command after one flipped byte of the evidence', () => {
    const s = signed();
    const dir = writeFiles(
      flipped(s.evidence, Math.floor(s.evidence.byteLength / 2)),
      s.signature,
      s.publicKeyPem,
    );

    const run = opensslVerify(dir);

    expect(run.stdout).toBe('Signature Verification Failure');
    expect(run.status).not.toBe(0);
  });

  it('recomputes the public key fingerprint inside the evidence with openssl and sha256sum', () => {
    const s = signed();
    const dir = writeFiles(s.evidence, s.signature, s.publicKeyPem);

    const run = spawnSync(
      'sh',
      ['-c', 'openssl pkey -pubin -in evidence-public-key.pem -outform DER | sha256sum'],
      { cwd: dir, encoding: 'utf8' },
    );

    expect(run.stdout.split(' ')[0]).toBe(publicKeyFingerprint(s.publicKeyPem));
  });
});
