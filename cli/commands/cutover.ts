import { userInfo } from 'node:os';
import { createAdapters } from '../../core/adapters/factory.ts';
import { locateMigration } from '../../core/app/locate.ts';
import { gateKey } from '../../core/domain/drain.ts';
import { PreconditionError } from '../../core/domain/errors.ts';
import { loadConfigFile } from '../config-file.ts';
import { type CliIO, EXIT } from '../io.ts';
import { toJson } from '../render.ts';
import { answerGate } from '../runner/broker-client.ts';
import { resolveStateDir } from '../runner/state-dir.ts';
import { runCallback } from './callback.ts';

export interface CutoverOptions {
  readonly config?: string;
  readonly migrationId?: string;
  readonly journalDir?: string;
  readonly runner: 'local' | 'aws';
  readonly stateDir?: string;
  readonly json?: boolean;
}

/**
 * `kraft-migrate cutover`: approves the cutover the workflow waits for at AwaitCutoverApproval.
 * Locally the runner's broker knows the gate by name; in AWS the token is read from where the gate
 * recorded it (`<evidence>/migrations/<id>/gates/cutover.json`) and answered with SendTaskSuccess.
 */
export async function runCutover(opts: CutoverOptions, io: CliIO): Promise<number> {
  const approval = {
    approved_by: io.env['USER'] ?? userInfo().username,
    approved_at: new Date().toISOString(),
  };
  if (opts.runner === 'local') {
    await answerGate(resolveStateDir(opts.stateDir, io.env), 'cutover', approval);
    io.out(
      opts.json ? toJson({ gate: 'cutover', ...approval }) : `cutover approved by ${approval.approved_by}`,
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
    ? await adapters.objectStore('evidence').get(gateKey(located.migrationId, 'cutover'))
    : undefined;
  if (!located || !bytes) {
    throw new PreconditionError('no cutover approval is pending for this migration', {
      code: 'CUTOVER_NOT_PENDING',
      fix: 'Run `kraft-migrate status` to see where the migration is; the gate opens once the tail is drain-ready.',
    });
  }
  const { task_token } = JSON.parse(new TextDecoder().decode(bytes)) as { task_token: string };
  return runCallback(
    { token: task_token, success: JSON.stringify(approval), runner: 'aws', json: opts.json },
    io,
  );
}
