/**
 * `kraft-migrate verify-evidence FILE` on files written by signEvidence (the same code publishEvidence
 * uploads): every check reported, exit 1 on any failure, the demo key verified but proving nothing;
 * KMS-signed evidence (the KMS SDK mocked, signing with a local Ed25519 key) as a signed envelope that
 * the real openssl command verifies.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignCommand } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { KMS_RAW_MESSAGE_MAX_BYTES } from '../../core/adapters/kms-signer.ts';
import { loadEvidenceSigner } from '../../core/adapters/signing-key.ts';
import { signEvidence } from '../../core/app/evidence.ts';
import { sha256Hex } from '../../core/domain/canonical.ts';
import type { PreconditionError } from '../../core/domain/errors.ts';
import { artifactOf, evidenceJournalDetail } from '../../core/domain/evidence/index.ts';
import { KMS_KEY_ARN, mockedKmsSigner } from '../core/adapters/mocked-kms.ts';
import { MIGRATION_ID, sampleInput } from '../core/domain/evidence/fixtures.ts';
import { opensslVerify } from '../core/domain/evidence/openssl.ts';
import { cli } from '../it/cli-run.ts';
import { writeSigningKey } from '../it/fixtures.ts';

const OFFSET_MAP = new TextEncoder().encode('{"orders/0":[["0","0","42"]]}\n');

/** Writes evidence.json, .sig, the public key, evidence.html and one artifact into a fresh folder. */
async function evidenceDir(options: { demo?: boolean } = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'verify-evidence-'));
  const signer = await loadEvidenceSigner(
    options.demo ? {} : { signing_key_path: await writeSigningKey(dir) },
  );
  const { key: _k, ...input } = sampleInput();
  const signed = await signEvidence(
    { ...input, artifacts: [artifactOf('offset-maps/orders-0.json', OFFSET_MAP)] },
    signer,
  );
  for (const f of signed.files) await writeFile(join(dir, f.name), f.body);
  await writeFile(join(dir, 'orders-0.json'), OFFSET_MAP);
  return dir;
}

const env = { ...process.env };

describe('kraft-migrate verify-evidence', () => {
  it('reports every check OK and exits 0 for untouched evidence', async () => {
    const dir = await evidenceDir();

    const r = await cli(['verify-evidence', join(dir, 'evidence.json')], env);

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^evidence of migration d0efd3c5-src--efffc490-tgt--20260425T061502Z \(attempt 1, validation=PASSED\)$/,
    );
    expect(lines.slice(1, -1).map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      'format: OK',
      'signature: OK',
      'public_key: OK',
      'journal_chain: OK',
      'artifact offset-maps/orders-0.json:',
    ]);
    expect(lines.at(-2)).toContain(': OK ');
    expect(lines.at(-1)).toBe('evidence VERIFIED');
  });

  it('exits 1 and names the failed checks after a flipped byte, a wrong key or a changed artifact', async () => {
    const dir = await evidenceDir();
    const file = join(dir, 'evidence.json');
    const original = await readFile(file);
    const flipped = Buffer.from(original);
    flipped[100] = (flipped[100] ?? 0) ^ 0x20;
    await writeFile(file, flipped);
    const other = await evidenceDir();

    const tampered = await cli(['verify-evidence', file], env);
    await writeFile(file, original);
    const wrongKey = await cli(
      ['verify-evidence', file, '--public-key', join(other, 'evidence-public-key.pem')],
      env,
    );
    const wrongSig = await cli(
      ['verify-evidence', file, '--signature', join(other, 'evidence.json.sig')],
      env,
    );
    await writeFile(join(dir, 'orders-0.json'), 'changed');
    const artifact = await cli(['verify-evidence', file, '--json'], env);

    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/signature: FAILED/);
    expect(tampered.stdout).toMatch(/evidence verification FAILED: \d+ check\(s\) failed/);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stdout).toMatch(
      /public_key: FAILED key sha256 [0-9a-f]{64} is not the key named in the evidence/,
    );
    expect(wrongSig.code).toBe(1);
    expect(wrongSig.stdout).toMatch(/signature: FAILED/);
    expect(artifact.code).toBe(1);
    const json = JSON.parse(artifact.stdout);
    expect(json.ok).toBe(false);
    expect(
      json.checks.find((c: { name: string }) => c.name === 'artifact offset-maps/orders-0.json').outcome,
    ).toBe('failed');
  });

  it('verifies demo-key evidence but says it proves nothing about who wrote it', async () => {
    const dir = await evidenceDir({ demo: true });

    const r = await cli(['verify-evidence', join(dir, 'evidence.json')], env);

    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/signing_key: WARNING signed with the built-in demo key/);
    expect(r.stdout.trim().split('\n').at(-1)).toBe(
      'evidence VERIFIED — but signed with the built-in demo key: this proves the file is intact, not who wrote it',
    );
  });

  it('reports a missing signature file as a failed check', async () => {
    const dir = await evidenceDir();

    const r = await cli(
      ['verify-evidence', join(dir, 'evidence.json'), '--signature', join(dir, 'nope.sig')],
      env,
    );

    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/signature: FAILED no signature file/);
  });

  it('exits 2 naming the file when the evidence file does not exist', async () => {
    const r = await cli(['verify-evidence', '/nonexistent/evidence.json'], env);

    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/evidence file not found: \/nonexistent\/evidence.json/);
  });
});

/* ------------------------------ KMS: the signed envelope (KMS SDK mocked) ------------------------------ */

/** 40 offset maps beside the evidence: with them the document is well above KMS's 4096 bytes. */
const MAPS = Array.from({ length: 40 }, (_, i) => ({
  key: `offset-maps/orders-${i}.json`,
  bytes: new TextEncoder().encode(`{"orders/${i}":[["0","0","${1000 + i}"]]}\n`),
}));

/** Evidence signed by the KMS signer (its SDK mocked, signing with a local Ed25519 key), written to a folder. */
async function kmsEvidenceDir(attempt = 1) {
  const dir = await mkdtemp(join(tmpdir(), 'verify-envelope-'));
  const signer = await mockedKmsSigner();
  const { key: _k, ...input } = sampleInput();
  const signed = await signEvidence(
    { ...input, attempt, artifacts: MAPS.map((m) => artifactOf(m.key, m.bytes)) },
    signer,
  );
  for (const f of signed.files) await writeFile(join(dir, f.name), f.body);
  await mkdir(join(dir, 'offset-maps'));
  for (const m of MAPS) await writeFile(join(dir, m.key), m.bytes);
  return { dir, signed, signer };
}

const sh = (dir: string, script: string) =>
  spawnSync('sh', ['-c', script], { cwd: dir, encoding: 'utf8' }).stdout.trim();

describe('KMS-signed evidence of any size: a signed envelope', () => {
  it('puts the document into evidence-body.json and signs the small envelope evidence.json, checkable with openssl and sha256sum', async () => {
    // Arrange / Act
    const { dir, signed, signer } = await kmsEvidenceDir();

    // Assert: five files, the body first; the body is the full document, too large for KMS
    expect(signed.files.map((f) => f.name)).toEqual([
      'evidence-body.json',
      'evidence.json',
      'evidence.json.sig',
      'evidence-public-key.pem',
      'evidence.html',
    ]);
    const body = signed.files[0]!.body;
    const envelope = signed.files[1]!.body;
    expect(body.byteLength).toBeGreaterThan(KMS_RAW_MESSAGE_MAX_BYTES);
    expect(envelope.byteLength).toBeLessThanOrEqual(KMS_RAW_MESSAGE_MAX_BYTES);
    // what KMS was asked to sign is exactly the envelope's bytes
    const sent = signer.mock.commandCalls(SignCommand)[0]?.args[0].input.Message as Uint8Array;
    expect(Buffer.from(sent).equals(Buffer.from(envelope))).toBe(true);
    expect(JSON.parse(new TextDecoder().decode(envelope))).toEqual({
      format: 'kraft-migrate-evidence-envelope',
      envelope_version: 1,
      migration_id: MIGRATION_ID,
      attempt: 1,
      created_at: '2026-04-25T07:19:09.528Z',
      validation: { overall: 'PASSED' },
      body: {
        file: 'evidence-body.json',
        key: `migrations/${MIGRATION_ID}/attempts/1/evidence-body.json`,
        sha256: sha256Hex(body),
        bytes: String(body.byteLength),
      },
      signing: {
        alg: 'Ed25519',
        key_id: KMS_KEY_ARN,
        key_source: 'kms',
        public_key_sha256: signed.publicKeySha256,
        public_key_file: 'evidence-public-key.pem',
        signature_file: 'evidence.json.sig',
        demo_key: false,
      },
    });
    expect(signed.document.signing.envelope_file).toBe('evidence.json');
    expect(signed.envelope?.body.sha256).toBe(sha256Hex(body));
    // the journal line of the finalize identifies both: the signed envelope and the body it names
    const where = { url: 'u', attemptUrl: 'a', attempt: 1 };
    expect(evidenceJournalDetail({ ...signed, ...where })).toMatchObject({
      evidence_sha256: sha256Hex(envelope),
      evidence_body_sha256: sha256Hex(body),
      signing_key_source: 'kms',
    });
    // the auditor's procedure of docs/evidence.md, with the real openssl, sha256sum and jq
    expect(opensslVerify(dir)).toEqual({ stdout: 'Signature Verified Successfully', status: 0 });
    expect(sh(dir, `jq -r '.body | "\\(.sha256)  \\(.file)"' evidence.json | sha256sum -c`)).toBe(
      'evidence-body.json: OK',
    );
    expect(sh(dir, 'stat -c %s evidence-body.json')).toBe(sh(dir, 'jq -r .body.bytes evidence.json'));
    expect(
      sh(
        dir,
        `jq -r '.artifacts[] | "\\(.sha256)  \\(.key)"' evidence-body.json | sha256sum -c | grep -c ': OK$'`,
      ),
    ).toBe(String(MAPS.length));
    // the report is generated from the body and says how to check it
    const html = new TextDecoder().decode(signed.files[4]!.body);
    expect(html).toContain('sha256sum evidence-body.json');
    expect(html).toContain(`id="migration-id">${MIGRATION_ID}<`);
  });

  it('verify-evidence checks the envelope, then the body beside it, then the body’s journal and artifacts', async () => {
    const { dir } = await kmsEvidenceDir();

    const r = await cli(['verify-evidence', join(dir, 'evidence.json')], env);

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      `evidence of migration ${MIGRATION_ID} (attempt 1, validation=PASSED, signed envelope over evidence-body.json)`,
    );
    expect(lines.slice(1, 6).map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      'format: OK',
      'signature: OK',
      'public_key: OK',
      'body: OK',
      'journal_chain: OK',
    ]);
    expect(lines[1]).toMatch(
      /^format: OK evidence envelope 1, RFC 8785 canonical JSON, over evidence-body.json \(\d+ bytes\)$/,
    );
    expect(lines[3]).toContain(`(kms: ${KMS_KEY_ARN})`);
    expect(lines.filter((l) => /^artifact offset-maps\/orders-\d+\.json: OK /.test(l))).toHaveLength(
      MAPS.length,
    );
    expect(lines.at(-1)).toBe('evidence VERIFIED');
  });

  it('names the body check when the body has a flipped byte, is another attempt’s, or is missing', async () => {
    // Arrange
    const { dir, signed } = await kmsEvidenceDir();
    const file = join(dir, 'evidence.json');
    const bodyPath = join(dir, 'evidence-body.json');
    const body = Buffer.from(signed.files[0]!.body);
    const other = await kmsEvidenceDir(2);

    // Act
    const flipped = Buffer.from(body);
    flipped[body.byteLength >> 1] = (flipped[body.byteLength >> 1] ?? 0) ^ 0x01;
    await writeFile(bodyPath, flipped);
    const tampered = await cli(['verify-evidence', file], env);
    const opensslOnTampered = opensslVerify(dir);
    await writeFile(bodyPath, await readFile(join(other.dir, 'evidence-body.json')));
    const swapped = await cli(['verify-evidence', file], env);
    await rm(bodyPath);
    const missing = await cli(['verify-evidence', file, '--json'], env);

    // Assert
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain('signature: OK');
    expect(tampered.stdout).toContain(
      `body: FAILED ${bodyPath}: ${body.byteLength} bytes sha256 ${sha256Hex(flipped)}, the envelope says ${body.byteLength} bytes sha256 ${sha256Hex(body)}`,
    );
    expect(tampered.stdout).toContain('journal_chain: UNCHECKED no verified body');
    // the envelope itself is intact: openssl alone says so, which is why sha256sum of the body follows it
    expect(opensslOnTampered.status).toBe(0);
    expect(swapped.code).toBe(1);
    expect(swapped.stdout).toMatch(
      /body: FAILED .*evidence-body\.json: \d+ bytes sha256 [0-9a-f]{64}, the envelope says/,
    );
    expect(missing.code).toBe(1);
    const json = JSON.parse(missing.stdout);
    expect(json.envelope.body.key).toBe(`migrations/${MIGRATION_ID}/attempts/1/evidence-body.json`);
    expect(json.checks.find((c: { name: string }) => c.name === 'body')).toEqual({
      name: 'body',
      outcome: 'failed',
      detail: `evidence-body.json not found: download it (migrations/${MIGRATION_ID}/attempts/1/evidence-body.json) beside evidence.json, or pass --body FILE`,
    });
  });

  it('takes the body from --body, and refuses the body passed in place of the envelope', async () => {
    const { dir } = await kmsEvidenceDir();
    const elsewhere = await mkdtemp(join(tmpdir(), 'verify-envelope-body-'));
    await rename(join(dir, 'evidence-body.json'), join(elsewhere, 'body.json'));

    const given = await cli(
      ['verify-evidence', join(dir, 'evidence.json'), '--body', join(elsewhere, 'body.json')],
      env,
    );
    const absent = await cli(
      ['verify-evidence', join(dir, 'evidence.json'), '--body', join(elsewhere, 'nope.json')],
      env,
    );
    await rename(join(elsewhere, 'body.json'), join(dir, 'evidence-body.json'));
    const bodyAsFile = await cli(
      ['verify-evidence', join(dir, 'evidence-body.json'), '--signature', join(dir, 'evidence.json.sig')],
      env,
    );

    expect(given.code).toBe(0);
    expect(given.stdout).toContain(`body: OK ${join(elsewhere, 'body.json')}: `);
    expect(absent.code).toBe(2);
    expect(absent.stderr).toContain(`evidence body not found: ${join(elsewhere, 'nope.json')}`);
    expect(bodyAsFile.code).toBe(1);
    expect(bodyAsFile.stdout).toContain(
      'signature: FAILED this is the body of a signed envelope: the signature is over evidence.json',
    );
  });

  it('fails the signature after a flipped byte of the envelope, as openssl does', async () => {
    const { dir, signed } = await kmsEvidenceDir();
    const envelope = Buffer.from(signed.files[1]!.body);
    const at = envelope.indexOf('"attempt":1') + '"attempt":'.length;
    envelope[at] = '2'.charCodeAt(0);
    await writeFile(join(dir, 'evidence.json'), envelope);

    const r = await cli(['verify-evidence', join(dir, 'evidence.json')], env);

    expect(r.code).toBe(1);
    expect(r.stdout).toContain('signature: FAILED Ed25519 signature does NOT match');
    expect(opensslVerify(dir)).toEqual({ stdout: 'Signature Verification Failure', status: 1 });
  });

  it('decides by the signer’s maxMessageBytes, not its name; refuses when even the envelope is too large', async () => {
    const demo = await loadEvidenceSigner({});
    const { key: _k, ...input } = sampleInput();

    const roomy = await signEvidence(input, { ...demo, maxMessageBytes: 1_000_000 });
    const plain = await signEvidence(input, demo);
    const tight = await signEvidence(input, { ...demo, maxMessageBytes: 1024 });
    const e = (await signEvidence(input, { ...demo, maxMessageBytes: 200 }).catch(
      (x: unknown) => x,
    )) as PreconditionError;

    expect(roomy.files.map((f) => f.name)).toEqual([
      'evidence.json',
      'evidence.json.sig',
      'evidence-public-key.pem',
      'evidence.html',
    ]);
    expect(roomy.envelope).toBeUndefined();
    expect(plain.envelope).toBeUndefined();
    expect(plain.document.signing.envelope_file).toBeUndefined();
    expect(evidenceJournalDetail({ ...plain, url: 'u', attemptUrl: 'a', attempt: 1 })).not.toHaveProperty(
      'evidence_body_sha256',
    );
    expect(tight.envelope?.signing.key_source).toBe('demo');
    expect(tight.files[0]!.name).toBe('evidence-body.json');
    expect(e.code).toBe('EVIDENCE_ENVELOPE_TOO_LARGE');
    expect(e.message).toMatch(
      /^the evidence envelope of \d+ bytes is larger than the 200 bytes built-in demo key \(demo\) can sign$/,
    );
  });
});
