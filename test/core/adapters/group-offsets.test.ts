import { describe, expect, it } from 'vitest';
import { kafkaProtocolError } from '../../../core/adapters/kafka/errors.ts';
import { kafkaErrorClassName, withCoordinatorRetry } from '../../../core/adapters/kafka/group-offsets.ts';
import { PreconditionError, TransientError } from '../../../core/domain/errors.ts';

const asPrecondition = (e: unknown) => new PreconditionError(`other: ${(e as Error).message}`);

/** A commit that always fails with the Kafka error `code`: the error it ends with and the calls made. */
async function alwaysFailing(code: number, retries: number): Promise<{ error: unknown; calls: number }> {
  let calls = 0;
  const error = await withCoordinatorRetry(
    'OffsetCommit',
    'failed to commit translated offsets',
    async () => {
      calls++;
      throw kafkaProtocolError(code, 'test');
    },
    { retries, backoffMs: 1 },
    asPrecondition,
  ).catch((x: unknown) => x);
  return { error, calls };
}

describe('withCoordinatorRetry', () => {
  it('names Kafka errors as the Java client does', () => {
    expect(kafkaErrorClassName('COORDINATOR_NOT_AVAILABLE')).toBe('CoordinatorNotAvailable');
    expect(kafkaErrorClassName('NOT_COORDINATOR')).toBe('NotCoordinator');
    expect(kafkaErrorClassName('COORDINATOR_LOAD_IN_PROGRESS')).toBe('CoordinatorLoadInProgress');
  });

  it('retries coordinator errors and returns the first success', async () => {
    const attempts: number[] = [];
    const codes = [15, 16, 14]; // COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS

    const result = await withCoordinatorRetry(
      'OffsetCommit',
      'failed to commit translated offsets',
      async () => 'committed',
      {
        backoffMs: 1,
        beforeAttempt: (_op, attempt) => {
          attempts.push(attempt);
          if (attempt < codes.length) throw kafkaProtocolError(codes[attempt]!, 'test');
        },
      },
      asPrecondition,
    );

    expect(result).toBe('committed');
    expect(attempts).toEqual([0, 1, 2, 3]);
  });

  it('after the last retry: the resumable TransientError with the real error name', async () => {
    const { error, calls } = await alwaysFailing(15, 2);

    expect(calls).toBe(3);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toBe('failed to commit translated offsets: CoordinatorNotAvailable');
  });

  it('does not retry other errors', async () => {
    const { error, calls } = await alwaysFailing(25, 6); // UNKNOWN_MEMBER_ID

    expect(calls).toBe(1);
    expect(error).toBeInstanceOf(PreconditionError);
  });
});
