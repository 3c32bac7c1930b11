import { describe, expect, it } from 'vitest';
import { isInternalTopic, selectGroups, selectTopics } from '../../../core/domain/selection.ts';

describe('topic selection', () => {
  it('selects everything but internal topics with the default patterns', () => {
    const r = selectTopics(['orders', '__consumer_offsets', 'payments', '__amazon_msk_canary'], {
      include: ['.*'],
      exclude: [],
    });
    expect(r.selected).toEqual(['orders', 'payments']);
    expect(r.excludedInternal).toEqual(['__amazon_msk_canary', '__consumer_offsets']);
  });

  it('matches whole names, so a prefix pattern needs .*', () => {
    const names = ['orders', 'orders-dlq'];
    expect(selectTopics(names, { include: ['orders'], exclude: [] }).selected).toEqual(['orders']);
    expect(selectTopics(names, { include: ['orders.*'], exclude: [] }).selected).toEqual([
      'orders',
      'orders-dlq',
    ]);
  });

  it('applies excludes after includes', () => {
    const r = selectTopics(['a.x', 'a.tmp', 'b.x'], { include: ['a\\..*'], exclude: ['.*\\.tmp'] });
    expect(r.selected).toEqual(['a.x']);
  });

  it('never selects internal topics even when asked to', () => {
    expect(selectTopics(['__transaction_state'], { include: ['__.*'], exclude: [] }).selected).toEqual([]);
    expect(isInternalTopic('__amazon_msk_canary')).toBe(true);
    expect(isInternalTopic('_schemas')).toBe(false);
  });
});

describe('group selection', () => {
  it('filters and sorts group ids', () => {
    expect(
      selectGroups(['svc-b', 'console-consumer-1', 'svc-a'], {
        include: ['.*'],
        exclude: ['console-consumer-.*'],
      }),
    ).toEqual(['svc-a', 'svc-b']);
  });
});
