import { describe, expect, it } from 'vitest';
import { PreconditionError } from '../../../../core/domain/errors.ts';
import {
  checkResume,
  currentState,
  journalFingerprint,
  verifyChain,
} from '../../../../core/domain/journal/index.ts';
import { appendAll, FP_A, FP_B, journalThrough, TO_CLIENT_SWITCH, TO_CUTOVER } from './helpers.ts';

function thrownBy(fn: () => unknown): PreconditionError {
  try {
    fn();
  } catch (e) {
    return e as PreconditionError;
  }
  throw new Error('expected a throw');
}

describe('journalFingerprint', () => {
  it('is the fingerprint recorded in the planned entry', () => {
    expect(journalFingerprint(journalThrough(['prechecking']))).toBe(FP_A);
  });
});

describe('checkResume', () => {
  it('starts a new migration on an empty journal', () => {
    expect(checkResume([], FP_A, { forceRestart: false })).toEqual({ kind: 'new' });
  });

  it('resumes from the current state when the fingerprint matches', () => {
    expect(
      checkResume(journalThrough(['prechecking', 'copying_topology']), FP_A, { forceRestart: false }),
    ).toEqual({
      kind: 'resume',
      state: 'copying_topology',
    });
  });

  it('stops on a changed fingerprint with the exact message and a fix naming --force-restart', () => {
    const error = thrownBy(() => checkResume(journalThrough(['prechecking']), FP_B, { forceRestart: false }));

    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toBe('resume fingerprint mismatch — config may have changed between runs');
    expect(error.fix).toMatch(/--force-restart/);
  });

  it('force-restarts before cutover: failed, then prechecking with the new fingerprint', () => {
    const entries = journalThrough(['prechecking', 'copying_topology', 'seeding']);

    const decision = checkResume(entries, FP_B, { forceRestart: true });
    if (decision.kind !== 'force-restart') throw new Error(`unexpected ${decision.kind}`);
    appendAll(entries, decision.appends);

    expect(decision.previousFingerprint).toBe(FP_A);
    expect(entries.slice(-2).map((e) => `${e.from} -> ${e.to}`)).toEqual([
      'seeding -> failed',
      'failed -> prechecking',
    ]);
    expect(currentState(entries)).toBe('prechecking');
    expect(journalFingerprint(entries)).toBe(FP_B);
    expect(checkResume(entries, FP_B, { forceRestart: false })).toEqual({
      kind: 'resume',
      state: 'prechecking',
    });
    expect(() => verifyChain(entries)).not.toThrow();
  });

  it('force-restarts a failed migration with a single prechecking entry', () => {
    const entries = journalThrough(['prechecking', 'failed']);

    const decision = checkResume(entries, FP_B, { forceRestart: true });

    expect(decision.kind === 'force-restart' && decision.appends.map((a) => a.to)).toEqual(['prechecking']);
  });

  it('refuses --force-restart once cutting_over was reached', () => {
    const error = thrownBy(() =>
      checkResume(journalThrough([...TO_CUTOVER, 'failed']), FP_B, { forceRestart: true }),
    );

    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.code).toBe('JOURNAL_FORCE_RESTART_AFTER_CUTOVER');
    expect(error.message).toMatch(
      /^--force-restart refused: the migration reached cutting_over at .* \(journal seq 7\)/,
    );
  });

  it('refuses --force-restart after the client switch too', () => {
    expect(
      thrownBy(() => checkResume(journalThrough(TO_CLIENT_SWITCH), FP_B, { forceRestart: true })).code,
    ).toBe('JOURNAL_FORCE_RESTART_AFTER_CUTOVER');
  });

  it('refuses --force-restart of a rolled-back migration', () => {
    expect(
      thrownBy(() =>
        checkResume(journalThrough(['prechecking', 'rolled_back']), FP_B, { forceRestart: true }),
      ).code,
    ).toBe('JOURNAL_FORCE_RESTART_ROLLED_BACK');
  });
});
