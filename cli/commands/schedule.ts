import { InvalidInputError } from '../../core/domain/errors.ts';
import { awsClients, createOneTimeSchedule, executionName, stateMachineArn } from '../aws.ts';
import { loadConfigFile } from '../config-file.ts';
import { type CliIO, EXIT } from '../io.ts';
import { toJson } from '../render.ts';

export interface ScheduleOptions {
  readonly config?: string;
  readonly migrationId?: string;
  readonly json?: boolean;
  readonly at?: string;
  readonly stateMachineArn?: string;
  readonly roleArn?: string;
  readonly region?: string;
}

/** `kraft-migrate schedule --at ISO8601`: a one-time EventBridge schedule that starts the execution. */
export async function runSchedule(opts: ScheduleOptions, io: CliIO): Promise<number> {
  const at = opts.at ? new Date(opts.at) : undefined;
  if (!at || Number.isNaN(at.getTime()) || at.getTime() <= Date.now()) {
    throw new InvalidInputError(`--at must be a future ISO 8601 time, got ${JSON.stringify(opts.at ?? '')}`, {
      code: 'SCHEDULE_AT',
      fix: 'Pass e.g. --at 2026-12-01T02:30:00Z (UTC).',
    });
  }
  const roleArn = opts.roleArn ?? io.env['KRAFT_MIGRATE_SCHEDULER_ROLE_ARN'];
  if (!roleArn) {
    throw new InvalidInputError(
      'schedule needs the role EventBridge Scheduler assumes to start the execution',
      {
        code: 'SCHEDULE_ROLE',
        fix: 'Pass --role-arn (the SchedulerRoleArn output of the deployed stack) or set KRAFT_MIGRATE_SCHEDULER_ROLE_ARN.',
      },
    );
  }
  const loaded = await loadConfigFile(opts.config, io.env);
  const config = opts.migrationId ? { ...loaded, migration_id: opts.migrationId } : loaded;
  const name = executionName(config.migration_id ?? 'kraft-migrate-scheduled', at).slice(0, 64);
  const arn = await createOneTimeSchedule(awsClients(opts.region ?? io.env['AWS_REGION']), {
    name,
    at,
    stateMachineArn: stateMachineArn(opts.stateMachineArn, io.env),
    roleArn,
    config,
  });
  if (opts.json) io.out(toJson({ schedule_arn: arn, at: at.toISOString(), name }));
  else io.out(`scheduled ${arn} at ${at.toISOString()}`);
  return EXIT.ok;
}
