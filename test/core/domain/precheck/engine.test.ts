import { describe, expect, it } from 'vitest';
import { ALL_RULES, runPrecheck, summaryLine } from '../../../../core/domain/precheck/engine.ts';
import type { Finding, PrecheckRule } from '../../../../core/domain/precheck/types.ts';
import { healthySnapshot, topic } from './fixtures.ts';

const rule = (id: string, findings: readonly Finding[]): PrecheckRule => ({
  id,
  codes: [...new Set(findings.map((f) => f.code))],
  check: () => findings,
});
const f = (code: string, severity: Finding['severity'], subject = 's'): Finding => ({
  code,
  severity,
  subject,
  message: 'm',
  fix: 'x',
});

describe('runPrecheck', () => {
  it('passes a healthy snapshot with only the demo-key warning and the infos', () => {
    const result = runPrecheck(healthySnapshot());
    expect(result.overall).toBe('PASSED');
    expect(result.findings.map((x) => x.code)).toEqual(['W09', 'I02', 'I03']);
    expect(result.counts).toEqual({ blocker: 0, warning: 1, info: 2 });
  });

  it('is BLOCKED when any rule reports a blocker', () => {
    const result = runPrecheck(
      healthySnapshot({ target: { reachable: false, unreachableReason: 'timeout' } }),
    );
    expect(result.overall).toBe('BLOCKED');
    expect(result.findings[0]?.code).toBe('B10');
  });

  it('skips findings that would be misleading about an unreachable source', () => {
    const result = runPrecheck(
      healthySnapshot({
        source: {
          reachable: false,
          unreachableReason: 'connect ECONNREFUSED',
          metadataMode: undefined,
          brokerCount: 0,
          topics: [topic('huge', { configs: { 'max.message.bytes': '99999999', 'retention.ms': '1' } })],
          transactionalTopics: ['huge'],
        },
        excludedInternalTopics: [],
      }),
    );
    expect(result.findings.map((x) => x.code)).toEqual(['B09', 'W09']);
  });

  it('turns a throwing rule into a RULE_ERROR blocker and still runs the others', () => {
    const boom: PrecheckRule = {
      id: 'X99-boom',
      codes: ['X99'],
      check: () => {
        throw new RangeError('index out of range');
      },
    };
    const result = runPrecheck(healthySnapshot(), [boom, ...ALL_RULES]);
    expect(result.overall).toBe('BLOCKED');
    const error = result.findings.find((x) => x.code === 'RULE_ERROR');
    expect(error).toMatchObject({ severity: 'blocker', subject: 'X99-boom' });
    expect(error?.message).toContain('RangeError: index out of range');
    expect(result.findings.map((x) => x.code)).toEqual(['RULE_ERROR', 'W09', 'I02', 'I03']);
  });

  it('turns a rule that returns no array into a RULE_ERROR', () => {
    const broken = { id: 'bad', codes: ['B99'], check: () => undefined } as unknown as PrecheckRule;
    const result = runPrecheck(healthySnapshot(), [broken]);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]?.message).toContain('instead of an array of findings');
  });

  it('sorts blockers, warnings, infos, then by code and subject, keeping rule order otherwise', () => {
    const result = runPrecheck(healthySnapshot(), [
      rule('a', [f('I03', 'info'), f('W02', 'warning', 'b'), f('W02', 'warning', 'a')]),
      rule('b', [f('B15', 'blocker', 'z'), f('B09', 'blocker'), f('B15', 'blocker', 'z')]),
    ]);
    expect(result.findings.map((x) => `${x.code}:${x.subject}`)).toEqual([
      'B09:s',
      'B15:z',
      'B15:z',
      'W02:a',
      'W02:b',
      'I03:s',
    ]);
    expect(result.counts).toEqual({ blocker: 3, warning: 2, info: 1 });
  });
});

describe('summaryLine', () => {
  it('renders overall and counts', () => {
    const result = runPrecheck(healthySnapshot(), [
      rule('a', [
        f('B01', 'blocker'),
        f('B02', 'blocker'),
        f('W01', 'warning'),
        f('I01', 'info'),
        f('I02', 'info'),
      ]),
      rule('b', [f('I03', 'info')]),
    ]);
    expect(summaryLine(result)).toBe('precheck BLOCKED: 2 blocker(s), 1 warning(s), 3 info');
    expect(summaryLine(runPrecheck(healthySnapshot()))).toBe(
      'precheck PASSED: 0 blocker(s), 1 warning(s), 2 info',
    );
  });
});

describe('ALL_RULES', () => {
  it('has unique rule ids', () => {
    const ids = ALL_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
