import { spawnSync } from 'node:child_process';
import { OPENSSL_VERIFY_ARGS } from '../../../../core/domain/evidence/signing.ts';

/** The auditor's command, exactly as docs/evidence.md gives it (FACTS: test that exact command). */
export const OPENSSL_VERIFY_COMMAND =
  'openssl pkeyutl -verify -pubin -inkey evidence-public-key.pem -rawin -in evidence.json -sigfile evidence.json.sig';

/** Runs the real `openssl` with OPENSSL_VERIFY_ARGS in `dir`: its trimmed stdout and exit status. */
export function opensslVerify(dir: string): { stdout: string; status: number | null } {
  const run = spawnSync('openssl', OPENSSL_VERIFY_ARGS, { cwd: dir, encoding: 'utf8' });
  return { stdout: run.stdout.trim(), status: run.status };
}
