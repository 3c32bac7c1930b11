import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createAdapters } from '../../core/adapters/factory.ts';
import { type ArtifactFetcher, verifyEvidenceFiles } from '../../core/app/evidence.ts';
import { InvalidInputError } from '../../core/domain/errors.ts';
import { EVIDENCE_FILES, renderVerification } from '../../core/domain/evidence/index.ts';
import { normalizeBucketUrl } from '../../core/domain/identity.ts';
import { loadConfigFile } from '../config-file.ts';
import { type CliIO, EXIT } from '../io.ts';
import { toJson } from '../render.ts';

export interface VerifyEvidenceOptions {
  readonly config?: string;
  readonly json?: boolean;
  readonly publicKey?: string;
  readonly signature?: string;
  /** An envelope's body (default: evidence-body.json beside FILE, then the evidence bucket with --config). */
  readonly body?: string;
}

/** Adds `verify-evidence FILE` to the program (main.ts passes the command with the common options). */
async function readOptional(path: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * `kraft-migrate verify-evidence FILE`: every check of core/domain/evidence/verify.ts, one line
 * each, then the verdict. Artifacts are looked for beside FILE (by their key, then by their file
 * name) and, with --config, in the evidence bucket (relative keys, or s3:// URLs of either bucket).
 * A signed envelope's body (evidence-body.json) is `--body`, or looked for the same way by its key.
 */
export async function runVerifyEvidence(
  file: string,
  opts: VerifyEvidenceOptions,
  io: CliIO,
): Promise<number> {
  const evidence = await readOptional(file);
  if (evidence === undefined) {
    throw new InvalidInputError(`evidence file not found: ${file}`, {
      code: 'EVIDENCE_FILE_NOT_FOUND',
      fix: 'Pass the path of evidence.json (download it from <evidence>/migrations/<id>/evidence.json).',
    });
  }
  const dir = dirname(file);
  const signaturePath = opts.signature ?? `${file}.sig`;
  const publicKeyPath = opts.publicKey ?? join(dir, EVIDENCE_FILES.publicKey);
  const [signature, publicKey, body] = await Promise.all([
    readOptional(signaturePath),
    readOptional(publicKeyPath),
    opts.body === undefined ? undefined : readOptional(opts.body),
  ]);
  if (opts.body !== undefined && body === undefined) {
    throw new InvalidInputError(`evidence body not found: ${opts.body}`, {
      code: 'EVIDENCE_FILE_NOT_FOUND',
      fix: 'Pass the path of evidence-body.json (download it from the same folder as evidence.json), or leave out --body to look for it beside FILE.',
    });
  }
  const fetchers: ArtifactFetcher[] = [
    async (key) => {
      for (const path of [join(dir, key), join(dir, basename(key))]) {
        const bytes = await readOptional(path);
        if (bytes) return { bytes, where: path };
      }
      return undefined;
    },
  ];
  if (opts.config) fetchers.push(await s3Fetcher(opts.config, io));

  const result = await verifyEvidenceFiles({
    evidence,
    signature,
    publicKeyPem: publicKey && new TextDecoder().decode(publicKey),
    ...(body && opts.body ? { body: { bytes: body, where: opts.body } } : {}),
    fetchers,
  });
  const about = result.document ?? result.envelope;
  const failed = result.checks.filter((c) => c.outcome === 'failed').length;
  const verdict = result.ok
    ? result.demoKey
      ? 'evidence VERIFIED — but signed with the built-in demo key: this proves the file is intact, not who wrote it'
      : 'evidence VERIFIED'
    : `evidence verification FAILED: ${failed} check(s) failed`;
  if (opts.json) {
    io.out(
      toJson({
        file,
        ok: result.ok,
        demo_key: result.demoKey,
        migration_id: about?.migration_id ?? null,
        validation: about?.validation.overall ?? null,
        envelope: result.envelope ? { body: result.envelope.body } : null,
        checks: result.checks,
        verdict,
      }),
    );
  } else {
    const header = about
      ? `evidence of migration ${about.migration_id} (attempt ${about.attempt}, validation=${about.validation.overall}${result.envelope ? `, signed envelope over ${result.envelope.body.file}` : ''})`
      : `evidence ${file}`;
    io.out([header, ...renderVerification(result.checks), verdict].join('\n'));
  }
  return result.ok ? EXIT.ok : EXIT.problem;
}

/** Artifacts in S3: keys relative to the evidence location, or s3:// URLs under either bucket location. */
async function s3Fetcher(configPath: string, io: CliIO): Promise<ArtifactFetcher> {
  const config = await loadConfigFile(configPath, io.env);
  const adapters = createAdapters(config, { env: io.env });
  const roots = (['evidence', 'segments'] as const).map((role) => ({
    role,
    url: `${normalizeBucketUrl(config.storage[role])}/`,
  }));
  return async (key) => {
    if (!key.startsWith('s3://')) {
      const bytes = await adapters.objectStore('evidence').get(key);
      return bytes && { bytes, where: `${roots[0]!.url}${key}` };
    }
    const root = roots.find((r) => key.startsWith(r.url));
    if (!root) return undefined;
    const bytes = await adapters.objectStore(root.role).get(key.slice(root.url.length));
    return bytes && { bytes, where: key };
  };
}
