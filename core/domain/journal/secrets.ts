import { InvariantError } from '../errors.ts';

/**
 * Secrets never go into a journal entry (SPEC §6.6). The guard looks at keys (anywhere in the
 * detail) and at string values that are obviously key material. ARNs of secrets are fine:
 * a key ending in `arn` (`secret_arn`, `secretArn`) is not a secret.
 */
const SECRET_KEY = /password|passwd|passphrase|secret|token|private_?key|api_?key|credential|authorization/i;
const ARN_KEY = /(_arn|Arn|ARN)$/;
const SECRET_VALUE = /-----BEGIN [A-Z ]*PRIVATE KEY-----|^Bearer\s+\S+/;

/** A key whose value is a secret: `password`, `webhook_secret`, `task_token`, … but not `secret_arn`. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !ARN_KEY.test(key);
}

/** Paths (`a.b[2].c`) of every key or value in `value` that looks like a secret. */
export function findSecrets(value: unknown, path = 'detail'): string[] {
  if (typeof value === 'string') return SECRET_VALUE.test(value) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => findSecrets(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const here = `${path}.${k}`;
    return isSecretKey(k) ? [here] : findSecrets(v, here);
  });
}

/**
 * The string values under secret-looking keys anywhere in `value` (a config, an execution input):
 * what every text that may quote it must have redacted (core/adapters/kafka/logging.ts `redact`).
 * Each secret also in its JSON-escaped forms (once, twice), as it appears inside JSON text and
 * inside JSON quoted in a JSON string (a task's overrides quoted in an error cause).
 */
export function secretValues(value: unknown): string[] {
  const found = new Set<string>();
  const walk = (v: unknown, secret: boolean): void => {
    if (typeof v === 'string') {
      if (!secret || v.length === 0) return;
      let form = v;
      for (let i = 0; i < 3; i++) {
        found.add(form);
        form = JSON.stringify(form).slice(1, -1);
      }
    } else if (Array.isArray(v)) for (const x of v) walk(x, secret);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, secret || isSecretKey(k));
    }
  };
  walk(value, false);
  return [...found].sort((a, b) => b.length - a.length);
}

/** Throws an InvariantError naming the offending paths (never the values). */
export function assertNoSecrets(detail: unknown, path = 'detail'): void {
  const paths = findSecrets(detail, path);
  if (paths.length === 0) return;
  throw new InvariantError(`refusing to journal a secret: ${paths.join(', ')}`, {
    code: 'JOURNAL_SECRET_IN_DETAIL',
    fix:
      'This is a bug in the caller: journal details must not carry passwords, tokens, secrets or key ' +
      'material. Put an ARN or a redacted marker in the detail instead.',
  });
}
