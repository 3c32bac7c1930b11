import { describe, expect, it } from 'vitest';
import { parsePartitionArg } from '../../cli/commands/repair.ts';
import { InvalidInputError } from '../../core/domain/errors.ts';

describe('repair --partition TOPIC:P', () => {
  it('splits at the last colon (topic names have none, but dots and dashes)', () => {
    expect(parsePartitionArg('cdc.mongo.catalog.reviews:2')).toEqual({
      topic: 'cdc.mongo.catalog.reviews',
      partition: 2,
    });
    expect(parsePartitionArg(' orders-v2:0 ')).toEqual({ topic: 'orders-v2', partition: 0 });
  });

  it('names the problem and the fix for anything else', () => {
    for (const bad of ['orders', 'orders:', ':3', 'orders:-1', 'orders:01', 'orders/2']) {
      const e = (() => {
        try {
          parsePartitionArg(bad);
        } catch (x) {
          return x;
        }
        return undefined;
      })();
      expect(e, bad).toBeInstanceOf(InvalidInputError);
      expect((e as InvalidInputError).message).toBe(`--partition ${JSON.stringify(bad)} is not TOPIC:P`);
      expect((e as InvalidInputError).fix).toMatch(/--partition orders:2/);
    }
  });
});
