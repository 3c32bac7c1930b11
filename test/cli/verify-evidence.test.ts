/**
 * `kraft-migrate verify-evidence FILE` on files written by signEvidence (the same code publishEvidence
 * uploads): every check reported, exit 1 on any failure, the demo key verified but proving nothing.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEvidenceSigner } from '../../core/adapters/signing-key.ts';
import { signEvidence } from '../../core/app/evidence.ts';
import { artifactOf } from '../../core/domain/evidence/index.ts';
import { sampleInput } from '../core/domain/evidence/fixtures.ts';
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
