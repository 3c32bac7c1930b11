import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../core/domain/config/schema.ts';
import {
  evaluateDrain,
  TAIL_STALE_AFTER_MS,
  TAIL_START_GRACE_MS,
  TAIL_STARTS,
  type TailReport,
} from '../../../core/domain/drain.ts';
import { PreconditionError } from '../../../core/domain/errors.ts';
import { thrown } from './copy/helpers.ts';

const config = configSchema.parse({
  source: { bootstrap_servers: ['s:9092'] },
  target: { bootstrap_servers: ['t:9092'] },
  storage: { segments: 's3://segments/p', evidence: 's3://evidence/p' },
  cutover: { drain_stable_window: '10s', drain_timeout: '30m' },
});
const T0 = Date.parse('2026-12-07T02:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);
const report = (state: TailReport['state'], updatedMs: number, lag = 0n, error?: string): TailReport => ({
  state,
  error,
  updatedAt: at(updatedMs),
  partitions: [{ topic: 't', partition: 0, lag }],
});
const first = { checks: 0 };
const polled = { checks: 1, started_at: at(0).toISOString(), stable_since: '' };

describe('evaluateDrain and a gone tail', () => {
  it('reads the lag of a running tail and asks for no restart', () => {
    const out = evaluateDrain(config, first, [report('running', -500, 3n)], 1, at(0));

    expect(out).toMatchObject({
      restart_tail: false,
      tail_restarts: 0,
      tail_restarted_at: '',
      max_partition_lag: '3',
    });
  });

  it('ignores an ended document of an earlier run (older than the first poll)', () => {
    const out = evaluateDrain(config, first, [report('stopped', -2_000)], 1, at(0));

    expect(out.restart_tail).toBe(false);
  });

  it('restarts a tail that failed, stopped, or went silent since it started', () => {
    for (const [reports, reason] of [
      [
        [report('failed', 1_000, 0n, 'TransientError KAFKA: broker gone')],
        'TransientError KAFKA: broker gone',
      ],
      [[report('stopped', 1_000)], 'it stopped'],
      [[report('running', 1_000)], `no status for ${TAIL_STALE_AFTER_MS / 1000} s`],
    ] as const) {
      const now = at(1_000 + TAIL_STALE_AFTER_MS + 1);

      const out = evaluateDrain(config, polled, reports, 1, now);

      expect(out).toMatchObject({
        restart_tail: true,
        ready: false,
        tail_restarts: 1,
        tail_restarted_at: now.toISOString(),
        summary: `the tail copier is gone (${reason}): restarting it (restart 1 of ${TAIL_STARTS - 1})`,
      });
    }
  });

  it('counts a running document written just before the first poll as this tail, so its silence restarts it', () => {
    expect(
      evaluateDrain(config, polled, [report('running', -5_000)], 1, at(TAIL_STALE_AFTER_MS)).restart_tail,
    ).toBe(true);
  });

  it('gives a tail that never reported TAIL_START_GRACE_MS before restarting it', () => {
    expect(evaluateDrain(config, polled, [], 1, at(TAIL_START_GRACE_MS)).restart_tail).toBe(false);
    expect(evaluateDrain(config, polled, [], 1, at(TAIL_START_GRACE_MS + 1)).restart_tail).toBe(true);
  });

  it("after a restart counts only the new tail's documents, then fails when the budget is spent", () => {
    const restartedAt = 60_000;
    const after = { ...polled, tail_restarts: 1, tail_restarted_at: at(restartedAt).toISOString() };
    // the killed tail's stale document does not count; the new one's does
    expect(
      evaluateDrain(config, after, [report('failed', restartedAt - 1)], 1, at(restartedAt + 5_000)),
    ).toMatchObject({ restart_tail: false, tail_restarts: 1, partitions_reporting: 0 });
    expect(
      evaluateDrain(config, after, [report('running', restartedAt + 4_000, 7n)], 1, at(restartedAt + 5_000)),
    ).toMatchObject({
      restart_tail: false,
      tail_restarts: 1,
      partitions_reporting: 1,
      max_partition_lag: '7',
    });

    const last = { ...after, tail_restarts: TAIL_STARTS - 1 };
    const error = thrown(() =>
      evaluateDrain(
        config,
        last,
        [report('failed', restartedAt + 1_000, 0n, 'OOM')],
        1,
        at(restartedAt + 2_000),
      ),
    ) as PreconditionError;

    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.code).toBe('TAIL_FAILED');
    expect(error.message).toBe(
      `the tail copier failed: OOM (started ${TAIL_STARTS} time(s), the most the workflow does)`,
    );
  });
});
