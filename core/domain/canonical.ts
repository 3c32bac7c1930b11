import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { InvalidInputError } from './errors.ts';

/**
 * RFC 8785 (JCS) canonical JSON: sorted keys, no whitespace, ECMAScript number rendering.
 * A `bigint` anywhere in the value is rendered as its decimal string first (offsets travel as
 * decimal strings, ARCHITECTURE "Conventions"), so `{offset: 5n}` and `{offset: '5'}` hash alike.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(bigintsToStrings(value));
  if (text === undefined) {
    throw new InvalidInputError(`value has no JSON representation (received ${typeof value})`, {
      code: 'CANONICAL_JSON_UNDEFINED',
      fix: 'Pass a JSON value: object, array, string, number, boolean or null.',
    });
  }
  return text;
}

/** Lowercase hex SHA-256 of a string (UTF-8) or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 hex of the canonical JSON of a value. */
export function canonicalSha256(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

function bigintsToStrings(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString(10);
  if (Array.isArray(value)) return value.map(bigintsToStrings);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = bigintsToStrings(v);
    return out;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
