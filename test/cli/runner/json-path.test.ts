import { describe, expect, it } from 'vitest';
import { resolveReferencePath } from '../../../cli/runner/json-path.ts';

describe('resolveReferencePath', () => {
  const doc = { cutover: { freeze_seconds: 300, 'odd key': [10, 20] } };

  it('follows dotted, bracketed and indexed steps', () => {
    expect(resolveReferencePath('$', doc)).toBe(doc);
    expect(resolveReferencePath('$.cutover.freeze_seconds', doc)).toBe(300);
    expect(resolveReferencePath("$.cutover['odd key'][1]", doc)).toBe(20);
    expect(resolveReferencePath('$["cutover"].freeze_seconds', doc)).toBe(300);
  });

  it('returns undefined for a path that points nowhere', () => {
    expect(resolveReferencePath('$.cutover.missing', doc)).toBeUndefined();
    expect(resolveReferencePath('$.cutover.freeze_seconds.deeper', doc)).toBeUndefined();
    expect(resolveReferencePath('$.cutover[0]', doc)).toBeUndefined();
  });

  it('rejects what is not a reference path', () => {
    expect(() => resolveReferencePath('cutover', doc)).toThrow(
      'not a reference path (must start with $): cutover',
    );
    expect(() => resolveReferencePath('$..x', doc)).toThrow(
      'cannot parse reference path $..x at character 1',
    );
  });
});
