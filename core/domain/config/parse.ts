import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { InvalidInputError } from '../errors.ts';
import { isSecretKey } from '../journal/secrets.ts';
import { configSchema, type MigrationConfig } from './schema.ts';

/**
 * Turns config text (YAML or JSON — JSON is YAML) into a validated MigrationConfig.
 * Errors are InvalidInputError with one line per problem: path, value seen, what is allowed,
 * and for an unknown key the nearest valid key. Never a stack trace for a user mistake.
 */
export function parseConfigText(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  origin = 'config',
): MigrationConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    const detail = e instanceof YAMLParseError ? e.message.split('\n')[0] : String(e);
    throw new InvalidInputError(`${origin} is not valid YAML or JSON: ${detail}`, {
      code: 'CONFIG_SYNTAX',
      fix: 'Fix the syntax at the line shown; YAML and JSON are both accepted.',
    });
  }
  return validateConfig(raw, env, origin);
}

/**
 * Validates an already-parsed document (the Step Functions execution input, or parsed YAML); with
 * `schema`, a part of the config (the copier's, config/copier.ts) instead of the whole.
 */
export function validateConfig(
  raw: unknown,
  env: Readonly<Record<string, string | undefined>>,
  origin?: string,
): MigrationConfig;
export function validateConfig<S extends z.ZodObject>(
  raw: unknown,
  env: Readonly<Record<string, string | undefined>>,
  origin: string,
  schema: S,
): z.output<S>;
export function validateConfig(
  raw: unknown,
  env: Readonly<Record<string, string | undefined>>,
  origin = 'config',
  schema: z.ZodObject = configSchema,
): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidInputError(
      `${origin} must be a mapping of keys (source, target, storage, …), got ${describe(raw)}`,
      {
        code: 'CONFIG_SHAPE',
        fix: 'See examples/local.yaml for a complete config.',
      },
    );
  }
  const interpolated = interpolateEnv(raw, env, []);
  const result = schema.safeParse(interpolated);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => formatIssue(issue, interpolated, schema));
  throw new InvalidInputError(`${origin} is invalid:\n${lines.map((l) => `  - ${l}`).join('\n')}`, {
    code: 'CONFIG_INVALID',
    fix: 'Correct the keys listed above; docs/configuration.md lists every key with its default.',
  });
}

const ENV_PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces `${NAME}` and `${NAME:-default}` in every string value. A missing variable is an error. */
function interpolateEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  path: (string | number)[],
): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_PATTERN, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      throw new InvalidInputError(`config ${formatPath(path)}: environment variable ${name} is not set`, {
        code: 'CONFIG_ENV',
        fix: `Export ${name} before running, or write \${${name}:-default} to give a default.`,
      });
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, env, [...path, k])]),
    );
  }
  return value;
}

function formatIssue(issue: z.core.$ZodIssue, root: unknown, schema: z.ZodObject): string {
  const path = issue.path as (string | number)[];
  if (issue.code === 'unrecognized_keys') {
    const valid = keysAt(path, schema);
    return issue.keys
      .map((key) => {
        const at = formatPath([...path, key]);
        const near = nearest(key, valid);
        return near
          ? `${at}: unknown key "${key}" — did you mean "${near}"?`
          : `${at}: unknown key "${key}"; valid keys here: ${valid.join(', ')}`;
      })
      .join('\n  - ');
  }
  const seen = valueAt(root, path);
  const where = formatPath(path);
  if (seen === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) {
    return `${where}: required, missing (${issue.message.replace(/^Invalid input: /, '')})`;
  }
  // A secret's value is never quoted back, even when it is wrong.
  const got = path.some((k) => typeof k === 'string' && isSecretKey(k))
    ? 'a value not shown'
    : describe(seen);
  return `${where}: ${issue.message.replace(/^Invalid input: /, '')} (got ${got})`;
}

function formatPath(path: readonly (string | number | symbol)[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

/** The valid keys of the object schema at `path` (walking through defaults, optionals, arrays, pipes). */
export function keysAt(path: readonly PropertyKey[], schema: z.ZodObject = configSchema): string[] {
  let node: unknown = schema;
  for (const p of path) {
    node = unwrap(node);
    const shape = shapeOf(node);
    if (shape && typeof p === 'string') node = shape[p];
    else if (typeof p === 'number') node = (node as { def?: { element?: unknown } }).def?.element;
    else return [];
  }
  return Object.keys(shapeOf(unwrap(node)) ?? {});
}

function unwrap(node: unknown): unknown {
  let cur = node as { def?: Record<string, unknown> } | undefined;
  for (let i = 0; i < 10 && cur?.def; i++) {
    const d = cur.def;
    const inner = d['innerType'] ?? d['in'];
    if (!inner || d['shape']) break;
    cur = inner as typeof cur;
  }
  return cur;
}

function shapeOf(node: unknown): Record<string, unknown> | undefined {
  return (node as { def?: { shape?: Record<string, unknown> } } | undefined)?.def?.shape;
}

/** Nearest by edit distance, only when it is plausibly a typo. */
function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  return bestD <= Math.max(2, Math.floor(best.length / 3)) || best.includes(word) || word.includes(best)
    ? best
    : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** A copy safe to print or journal: passwords and webhook secrets replaced. */
export function redactConfig(config: MigrationConfig): MigrationConfig {
  const redactAuth = (a: MigrationConfig['source']['auth']) => (a.password ? { ...a, password: '***' } : a);
  return {
    ...config,
    source: { ...config.source, auth: redactAuth(config.source.auth) },
    target: { ...config.target, auth: redactAuth(config.target.auth) },
    cutover: config.cutover.producer_freeze_webhook_secret
      ? { ...config.cutover, producer_freeze_webhook_secret: '***' }
      : config.cutover,
  };
}
