import { describe, expect, it } from 'vitest';
import { PreconditionError } from '../../../../core/domain/errors.ts';
import {
  appendEntry,
  MIGRATION_STATES,
  type MigrationState,
  TERMINAL_STATES,
  TRANSITIONS,
} from '../../../../core/domain/journal/index.ts';
import { journalThrough, T0, TO_CLIENT_SWITCH, TO_CUTOVER } from './helpers.ts';

const HAPPY_PATH: readonly MigrationState[] = [...TO_CLIENT_SWITCH, 'validating', 'finalized'];

function refusal(path: readonly MigrationState[], to: MigrationState): PreconditionError | undefined {
  try {
    appendEntry(journalThrough(path), { to, reason: 'r' }, T0);
    return undefined;
  } catch (e) {
    return e as PreconditionError;
  }
}

describe('state list', () => {
  it('has the twelve states of the spec, in order', () => {
    expect(MIGRATION_STATES).toEqual([
      'planned',
      'prechecking',
      'copying_topology',
      'seeding',
      'tailing',
      'drain_ready',
      'cutting_over',
      'awaiting_client_switch',
      'validating',
      'finalized',
      'failed',
      'rolled_back',
    ]);
  });

  it('lets every non-terminal state fail', () => {
    const nonTerminal = MIGRATION_STATES.filter((s) => !TERMINAL_STATES.includes(s) && s !== 'failed');

    expect(nonTerminal.filter((s) => !TRANSITIONS[s].includes('failed'))).toEqual([]);
  });
});

describe('allowed transitions', () => {
  it('walks the happy path from planned to finalized', () => {
    expect(journalThrough(HAPPY_PATH).at(-1)?.to).toBe('finalized');
  });

  it('lets drain_ready fall back to tailing when lag rises again', () => {
    expect(
      refusal(['prechecking', 'copying_topology', 'seeding', 'tailing', 'drain_ready'], 'tailing'),
    ).toBeUndefined();
  });

  it('allows failed -> finalized after a validation ran (repair path)', () => {
    expect(refusal([...TO_CLIENT_SWITCH, 'validating', 'failed'], 'finalized')).toBeUndefined();
  });

  it('allows failed -> validating after cutover completed', () => {
    expect(refusal([...TO_CLIENT_SWITCH, 'validating', 'failed'], 'validating')).toBeUndefined();
  });

  it('resumes a failed seed into seeding', () => {
    expect(refusal(['prechecking', 'copying_topology', 'seeding', 'failed'], 'seeding')).toBeUndefined();
  });

  it('resumes a failed cutover into cutting_over', () => {
    expect(refusal([...TO_CUTOVER, 'failed'], 'cutting_over')).toBeUndefined();
  });

  it('rolls back during cutting_over (cutover not complete yet)', () => {
    expect(refusal(TO_CUTOVER, 'rolled_back')).toBeUndefined();
  });

  it('rolls back a failed migration that never completed cutover', () => {
    expect(refusal([...TO_CUTOVER, 'failed'], 'rolled_back')).toBeUndefined();
  });
});

describe('refused transitions', () => {
  it('refuses skipping a phase', () => {
    const error = refusal(['prechecking', 'copying_topology'], 'tailing');

    expect(error).toBeInstanceOf(PreconditionError);
    expect(error?.code).toBe('JOURNAL_TRANSITION_REFUSED');
    expect(error?.message).toBe(
      'transition copying_topology -> tailing is not allowed (copying_topology may go to: seeding, failed, rolled_back)',
    );
  });

  it('refuses anything after finalized', () => {
    for (const to of MIGRATION_STATES) {
      expect(refusal(HAPPY_PATH, to)?.message).toMatch(
        /^migration is finalized; no transition may follow it/,
      );
    }
  });

  it('refuses anything after rolled_back', () => {
    expect(refusal(['prechecking', 'rolled_back'], 'prechecking')).toBeInstanceOf(PreconditionError);
  });

  it('allows rollback at awaiting_client_switch, before cutover-ack confirms the switch', () => {
    expect(refusal(TO_CLIENT_SWITCH, 'rolled_back')).toBeUndefined();
    expect(refusal([...TO_CLIENT_SWITCH, 'failed'], 'rolled_back')).toBeUndefined();
  });

  it('refuses rollback once cutover-ack confirmed the client switch, saying why and what to do', () => {
    const error = refusal([...TO_CLIENT_SWITCH, 'validating', 'failed'], 'rolled_back');

    expect(error?.message).toMatch(
      /^rollback is allowed only until the client switch is confirmed: cutover-ack confirmed it at .*clients already use the target/,
    );
    expect(error?.fix).toMatch(/repair .* finalize instead/);
    expect(refusal([...TO_CLIENT_SWITCH, 'validating'], 'rolled_back')?.message).toMatch(
      /^transition validating -> rolled_back is not allowed/,
    );
  });

  it('refuses failed -> finalized when no validation ever ran', () => {
    expect(refusal(['prechecking', 'failed'], 'finalized')?.message).toMatch(
      /only after a validation has run/,
    );
  });

  it('refuses resuming into a pre-cutover phase after cutover completed', () => {
    expect(refusal([...TO_CLIENT_SWITCH, 'failed'], 'tailing')?.message).toMatch(
      /^cannot resume into tailing: cutover completed at /,
    );
  });

  it('refuses resuming into a state the migration never reached', () => {
    expect(refusal(['prechecking', 'copying_topology', 'failed'], 'tailing')?.message).toBe(
      'cannot resume into tailing: the migration never reached it',
    );
  });

  it('refuses failed -> failed', () => {
    expect(refusal(['prechecking', 'failed'], 'failed')).toBeInstanceOf(PreconditionError);
  });
});
