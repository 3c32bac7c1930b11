import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PRECHECK_CODES, type PrecheckCode } from '../../../../core/domain/precheck/codes.ts';
import { ALL_RULES } from '../../../../core/domain/precheck/engine.ts';

/** The codes of SPEC §5 (plus B18, issue 11), written out so the test fails if one disappears from the catalogue. */
const SPEC_CODES = [...range('B', 18), ...range('W', 10), ...range('I', 4)] as const;
const SEVERITY_OF_PREFIX = { B: 'blocker', W: 'warning', I: 'info' } as const;

const docPath = fileURLToPath(new URL('../../../../docs/precheck-codes.md', import.meta.url));
const doc = readFileSync(docPath, 'utf8');

/** `| B01 | blocker | meaning |` rows of the first table. */
function tableRows(md: string): Map<string, { severity: string; meaning: string }> {
  const rows = new Map<string, { severity: string; meaning: string }>();
  for (const line of md.split('\n')) {
    const m = /^\|\s*([A-Z][A-Z0-9_]*)\s*\|\s*(blocker|warning|info)\s*\|\s*(.+?)\s*\|\s*$/.exec(line);
    if (m?.[1] && m[2] && m[3]) rows.set(m[1], { severity: m[2], meaning: m[3] });
  }
  return rows;
}

/** `## B01 — title` sections with their body. */
function sections(md: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = md.split(/^## /m).slice(1);
  for (const part of parts) {
    const code = /^([A-Z][A-Z0-9_]*)\b/.exec(part)?.[1];
    if (code) out.set(code, part);
  }
  return out;
}

describe('precheck codes', () => {
  it('the catalogue holds exactly the SPEC §5 codes plus RULE_ERROR, with the severity of their prefix', () => {
    expect(Object.keys(PRECHECK_CODES).sort()).toEqual([...SPEC_CODES, 'RULE_ERROR'].sort());
    for (const code of SPEC_CODES) {
      const prefix = code[0] as keyof typeof SEVERITY_OF_PREFIX;
      expect(PRECHECK_CODES[code as PrecheckCode].severity, code).toBe(SEVERITY_OF_PREFIX[prefix]);
    }
  });

  it('every SPEC §5 code is emitted by some rule, and every rule declares only catalogued codes', () => {
    const declared = new Set(ALL_RULES.flatMap((r) => r.codes));
    for (const code of SPEC_CODES) expect(declared.has(code), `${code} has no rule`).toBe(true);
    for (const code of declared) expect(Object.hasOwn(PRECHECK_CODES, code), code).toBe(true);
  });

  it('docs/precheck-codes.md has a table row for every code with the catalogue severity and meaning', () => {
    const rows = tableRows(doc);
    for (const code of Object.keys(PRECHECK_CODES) as PrecheckCode[]) {
      expect(rows.get(code)?.severity, `${code} severity`).toBe(PRECHECK_CODES[code].severity);
      expect(rows.get(code)?.meaning, `${code} meaning`).toBe(PRECHECK_CODES[code].meaning);
    }
    expect([...rows.keys()].sort()).toEqual(Object.keys(PRECHECK_CODES).sort());
  });

  it('docs/precheck-codes.md has a section with Cause and Fix for every code', () => {
    const bySection = sections(doc);
    for (const code of Object.keys(PRECHECK_CODES)) {
      const body = bySection.get(code);
      expect(body, `section for ${code}`).toBeDefined();
      expect(body, `${code} Cause`).toMatch(/\*\*Cause\*\*/);
      expect(body, `${code} Fix`).toMatch(/\*\*Fix\*\*/);
    }
  });

  it('docs keep the troubleshooting page quick fixes', () => {
    const s = sections(doc);
    for (const code of ['B09', 'B10']) {
      for (const text of ['security groups', 'VPC peering', 'bootstrap servers'])
        expect(s.get(code)).toContain(text);
    }
    for (const code of ['B07', 'B08'])
      expect(s.get(code)).toContain('Create the bucket or fix the IAM policy');
    expect(s.get('B11')).toContain('message.max.bytes');
    expect(s.get('B12')).toContain('replica.fetch.max.bytes');
    expect(s.get('B16')).toContain('Object Lock cannot be added retroactively');
    expect(s.get('B17')).toContain('signing key not found at path:');
  });
});

function range(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(2, '0')}`);
}
