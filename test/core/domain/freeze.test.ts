import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../core/domain/config/parse.ts';
import {
  clientSwitchSteps,
  FREEZE_HTTP_MESSAGE,
  FREEZE_NO_TTY_MESSAGE,
  FREEZE_TIMEOUT_MESSAGE,
  freezeBypassedMessage,
  frozenFor,
  maxFreezeSeconds,
  movingPartitions,
  signBody,
} from '../../../core/domain/freeze.ts';

const BASE = {
  source: { bootstrap_servers: ['127.0.0.1:19092'] },
  target: { bootstrap_servers: ['127.0.0.1:29092'] },
  storage: { segments: 's3://seg-bucket/x', evidence: 's3://ev-bucket/y' },
};

describe('freeze webhook contract', () => {
  it('signs the exact body with HMAC-SHA256 as lowercase hex (RFC 4231 test case 2)', () => {
    expect(signBody('what do ya want for nothing?', 'Jefe')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it("reproduces the troubleshooting page's texts exactly", () => {
    expect(FREEZE_HTTP_MESSAGE(500)).toBe('producer freeze webhook returned HTTP 500');
    expect(FREEZE_TIMEOUT_MESSAGE).toBe('producer freeze webhook did not respond within max_producer_freeze');
    expect(`cutover failed: ${FREEZE_NO_TTY_MESSAGE}`).toBe(
      'cutover failed: Cutover failed: producer-freeze freeze: stdin is not a TTY — configure cutover.producer_freeze_webhook or run in an interactive shell',
    );
  });

  it('accepts only http and https webhook URLs', () => {
    expect(() =>
      validateConfig({ ...BASE, cutover: { producer_freeze_webhook: 'ftp://freeze.example/x' } }, {}, 'c'),
    ).toThrow(/cutover\.producer_freeze_webhook.*expected an http:\/\/ or https:\/\/ URL/s);
    for (const url of ['http://127.0.0.1:8080/freeze', 'https://freeze.example/hook']) {
      const config = validateConfig({ ...BASE, cutover: { producer_freeze_webhook: url } }, {}, 'c');
      expect(config.cutover.producer_freeze_webhook).toBe(url);
    }
  });

  it('turns max_producer_freeze into whole seconds for TimeoutSecondsPath', () => {
    expect(maxFreezeSeconds(validateConfig(BASE, {}, 'c'))).toBe(60);
    expect(
      maxFreezeSeconds(validateConfig({ ...BASE, cutover: { max_producer_freeze: '2m' } }, {}, 'c')),
    ).toBe(120);
  });

  it('tells the operator at READY_FOR_CLIENT_SWITCH where the clients go and what to run next', () => {
    const lines = clientSwitchSteps(validateConfig(BASE, {}, 'c'));
    expect(lines[0]).toBe('READY_FOR_CLIENT_SWITCH');
    expect(lines.join('\n')).toContain('127.0.0.1:29092');
    expect(lines.join('\n')).toContain('kraft-migrate cutover-ack');
  });
});

describe('VerifyFreeze decision', () => {
  const at = (end: bigint, partition = 0) => ({ topic: 'orders', partition, end });

  it('finds no moving partition when every end offset stayed', () => {
    expect(movingPartitions([at(5n), at(7n, 1)], [at(5n), at(7n, 1)])).toEqual([]);
  });

  it('names each partition whose end offset moved, with both offsets', () => {
    expect(movingPartitions([at(5n), at(7n, 1)], [at(5n), at(9n, 1)])).toEqual(['orders/1: 7 → 9']);
    expect(freezeBypassedMessage(['orders/1: 7 → 9'], 3000)).toBe(
      'producer freeze not effective: source end offsets still moved within 3000 ms on 1 partition(s): orders/1: 7 → 9',
    );
  });

  it('counts a partition missing from the first read as moving', () => {
    expect(movingPartitions([], [at(1n)])).toEqual(['orders/0: ? → 1']);
  });
});

describe('freeze record', () => {
  const record = {
    migration_id: 'm',
    mode: 'webhook' as const,
    requested_at: '2026-01-01T00:00:00.000Z',
    deadline: '2026-01-01T00:01:00.000Z',
    frozen_at: '2026-01-01T00:00:02.000Z',
  };

  it('measures the freeze from the moment it was reported frozen, and not after the unfreeze', () => {
    expect(frozenFor(record, new Date('2026-01-01T00:00:12.000Z'))).toBe(10_000);
    expect(frozenFor({ ...record, unfrozen_at: '2026-01-01T00:00:05.000Z' }, new Date())).toBeUndefined();
  });
});
