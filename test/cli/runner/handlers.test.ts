import { describe, expect, it } from 'vitest';
import { localCopierLimit } from '../../../cli/runner/handlers.ts';

describe('localCopierLimit', () => {
  it('allows one default seed copier per two CPUs, at least one', () => {
    expect(localCopierLimit(1)).toBe(1);
    expect(localCopierLimit(2)).toBe(1);
    expect(localCopierLimit(3)).toBe(1);
    expect(localCopierLimit(8)).toBe(4);
    expect(localCopierLimit(64)).toBe(32);
  });
});
