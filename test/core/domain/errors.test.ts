/** causeText: the one text of anything thrown or of a Step Functions cause. */
import { describe, expect, it } from 'vitest';
import { causeText, PreconditionError } from '../../../core/domain/errors.ts';

describe('causeText', () => {
  it("gives an Error's message and an SDK-shaped error's message", () => {
    expect(causeText(new PreconditionError('2 blockers: B03, B16', { fix: 'fix them' }))).toBe(
      '2 blockers: B03, B16',
    );
    expect(causeText(new TypeError('bad'))).toBe('bad');
    expect(causeText({ name: 'NotFoundException', message: 'no such cluster' })).toBe('no such cluster');
  });

  it("gives a string as it is and a Lambda-style JSON cause's errorMessage", () => {
    expect(causeText('webhook said no')).toBe('webhook said no');
    expect(causeText('{"errorType":"TransientError","errorMessage":"still down (2)"}')).toBe(
      'still down (2)',
    );
    expect(causeText('{"errorType":"X"}')).toBe('{"errorType":"X"}');
    expect(causeText('{not json')).toBe('{not json');
  });

  it('gives anything else as JSON, or as String where JSON cannot say it', () => {
    expect(causeText({ code: 7 })).toBe('{"code":7}');
    expect(causeText(42)).toBe('42');
    expect(causeText(null)).toBe('null');
    expect(causeText(undefined)).toBe('undefined');
    expect(causeText(10n)).toBe('10');
  });
});
