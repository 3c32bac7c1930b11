import { evidenceObjectUrl, joinKey, parseS3Url, s3Url } from '../plan/storage-layout.ts';

/**
 * Where the evidence of a migration lives, relative to the evidence location (`storage.evidence`):
 *
 *   migrations/<id>/attempts/<n>/{evidence.json, evidence.json.sig, evidence-public-key.pem, evidence.html}
 *       every finalize attempt, written once with If-None-Match: * (never overwritten); with a signer
 *       that cannot sign the whole document (KMS) also evidence-body.json, the document itself, and
 *       evidence.json is then the signed envelope naming the body's key, SHA-256 and size
 *   migrations/<id>/{evidence.json, …}
 *       the latest attempt: a new object version on a versioned (Object Lock) bucket, where every
 *       earlier version stays (and stays locked); on an unversioned bucket the canonical copy is
 *       replaced, while each attempt's own copy stays under attempts/<n>/.
 */
export const EVIDENCE_FILES = {
  evidence: 'evidence.json',
  signature: 'evidence.json.sig',
  publicKey: 'evidence-public-key.pem',
  report: 'evidence.html',
  /** Only beside a signed envelope (core/domain/evidence/envelope.ts): the full evidence document. */
  body: 'evidence-body.json',
} as const;

export type EvidenceFile = keyof typeof EVIDENCE_FILES;

/** `migrations/<id>/<file>`, or `migrations/<id>/attempts/<n>/<file>` with an attempt. */
export function evidenceKey(migrationId: string, file: EvidenceFile, attempt?: number): string {
  const name = EVIDENCE_FILES[file];
  return attempt === undefined
    ? joinKey('migrations', migrationId, name)
    : joinKey('migrations', migrationId, 'attempts', String(attempt), name);
}

/** Prefix of the attempt folders: `migrations/<id>/attempts/`. */
export function attemptsPrefix(migrationId: string): string {
  return joinKey('migrations', migrationId, 'attempts/');
}

/** The attempt number of a key under attemptsPrefix, if it is one. */
export function attemptOfKey(migrationId: string, key: string): number | undefined {
  const prefix = attemptsPrefix(migrationId);
  if (!key.startsWith(prefix)) return undefined;
  const n = /^(\d+)\//.exec(key.slice(prefix.length))?.[1];
  return n === undefined ? undefined : Number(n);
}

/** s3:// URL of a file of an attempt (or the canonical one), for messages and the journal. */
export function evidenceFileUrl(
  evidenceUrl: string,
  migrationId: string,
  file: EvidenceFile,
  attempt?: number,
): string {
  if (file === 'evidence' && attempt === undefined) return evidenceObjectUrl(evidenceUrl, migrationId);
  return s3Url(parseS3Url(evidenceUrl), evidenceKey(migrationId, file, attempt));
}
