import { userInfo } from 'node:os';
import { createAdapters } from '../../core/adapters/factory.ts';
import { locateMigration } from '../../core/app/locate.ts';
import { gateKey } from '../../core/domain/drain.ts';
import { PreconditionError } from '../../core/domain/errors.ts';
import { loadConfigFile } from '../config-file.ts';
import { type CliIO, EXIT } from '../io.ts';
import { answerGate } from '../runner/broker-client.ts';
import { resolveStateDir } from '../runner/state-dir.ts';
import { runCallback } from './callback.ts';

export interface CutoverAckOptions {
  readonly config?: string;
  readonly migrationId?: string;
  readonly journalDir?: string;
  readonly runner: 'local' | 'aws';
  readonly stateDir?: string;
  readonly json?: boolean;
}

/**
 * `kraft-migrate cutover-ack`: the operator confirms that clients now use the target. Answers the
 * AwaitClientSwitch gate; the workflow then translates and commits once more the positions of groups
 * that kept consuming on the source after the freeze (round `ack`, while their target group is
 * still empty) and journals `awaiting_client_switch -> validating`. After it, rollback is refused.
 */
export async function runCutoverAck(opts: CutoverAckOptions, io: CliIO): Promise<number> {
  const ack = { acked_by: io.env['USER'] ?? userInfo().username, acked_at: new Date().toISOString() };
  if (opts.runner === 'local') {
    await answerGate(resolveStateDir(opts.stateDir, io.env), 'cutover-ack', ack);
    io.out(
      `client switch confirmed by ${ack.acked_by}: offsets of groups that consumed on the source after the freeze are translated again; then validating`,
    );
    return EXIT.ok;
  }
  const config = await loadConfigFile(opts.config, io.env);
  const adapters = createAdapters(config, { journalDir: opts.journalDir, env: io.env });
  const located = await locateMigration(config, adapters, {
    pinned: opts.migrationId,
    journalDir: opts.journalDir,
  });
  const bytes = located
    ? await adapters.objectStore('evidence').get(gateKey(located.migrationId, 'cutover-ack'))
    : undefined;
  if (!located || !bytes) {
    throw new PreconditionError(
      'the workflow is not waiting for the client switch (READY_FOR_CLIENT_SWITCH)',
      {
        code: 'CUTOVER_ACK_NOT_PENDING',
        fix: 'Run `kraft-migrate status`: cutover-ack follows READY_FOR_CLIENT_SWITCH, after `kraft-migrate cutover`.',
      },
    );
  }
  const { task_token } = JSON.parse(new TextDecoder().decode(bytes)) as { task_token: string };
  return runCallback({ token: task_token, success: JSON.stringify(ack), runner: 'aws', json: opts.json }, io);
}
