import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { parseConfigText } from '../core/domain/config/parse.ts';
import type { MigrationConfig } from '../core/domain/config/schema.ts';
import { parseS3Url } from '../core/domain/plan/storage-layout.ts';
import type { InfraContext } from './context.ts';

/** EventBridge Scheduler's limit on a target's Input. */
const SCHEDULE_INPUT_MAX_CHARS = 8192;

/** Plain secrets that must never travel in an execution input (it is visible in the console). */
const PLAIN_SECRET_PATHS: readonly (readonly string[])[] = [
  ['source', 'auth', 'password'],
  ['target', 'auth', 'password'],
  ['cutover', 'producer_freeze_webhook_secret'],
];

/**
 * The execution input of the stack's schedule: the config from `scheduleInput` (a file path, YAML
 * or JSON, or inline JSON), validated exactly as ValidateInput will (environment variables are
 * interpolated now, from the synth environment, and defaults filled in). Refuses plain passwords
 * and webhook secrets, and storage buckets other than this stack's when their names are known.
 */
export function scheduleInputConfig(
  ctx: InfraContext,
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
): MigrationConfig {
  const raw = ctx.scheduleInput ?? '';
  const inline = raw.trimStart().startsWith('{');
  const file = path.resolve(cwd, raw);
  if (!inline && !existsSync(file)) {
    throw new Error(
      `scheduleInput: no such file ${file} (give a config file path, or the config as inline JSON)`,
    );
  }
  const config = parseConfigText(inline ? raw : readFileSync(file, 'utf8'), env, 'scheduleInput');
  const secrets = PLAIN_SECRET_PATHS.filter((p) => valueAt(config, p) !== undefined).map((p) => p.join('.'));
  if (secrets.length > 0) {
    throw new Error(
      `scheduleInput holds plain secrets (${secrets.join(', ')}): the execution input is visible in the console ` +
        'and the execution history. Use source/target auth.secret_arn and cutover.producer_freeze_webhook_secret_arn.',
    );
  }
  for (const [role, bucketName] of [
    ['segments', ctx.segmentsBucketName],
    ['evidence', ctx.evidenceBucketName],
  ] as const) {
    const bucket = parseS3Url(config.storage[role]).bucket;
    if (bucketName && bucket !== bucketName) {
      throw new Error(
        `scheduleInput storage.${role} is in bucket ${bucket}, but this stack's ${role} bucket is ${bucketName}: ` +
          'the deployed roles may only use the stack buckets.',
      );
    }
  }
  const size = JSON.stringify(config).length;
  if (size > SCHEDULE_INPUT_MAX_CHARS) {
    throw new Error(
      `scheduleInput is ${size} characters as JSON; EventBridge Scheduler allows ${SCHEDULE_INPUT_MAX_CHARS}. ` +
        'Shorten it, or schedule with `kraft-migrate schedule --at` instead.',
    );
  }
  return config;
}

function valueAt(obj: unknown, keys: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC, from an ISO time with any zone. */
function scheduleDate(iso: string): Date {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new Error(`scheduleAt: not a valid date and time: ${iso}`);
  return date;
}

export interface MigrationScheduleProps {
  readonly ctx: InfraContext;
  readonly stateMachine: sfn.IStateMachine;
  readonly role: iam.IRole;
  readonly input: MigrationConfig;
}

/** A one-time EventBridge Scheduler schedule that starts one execution with the given config. */
export class MigrationSchedule extends Construct {
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: MigrationScheduleProps) {
    super(scope, id);
    const at = scheduleDate(props.ctx.scheduleAt ?? '');
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `kraft-migrate ${props.ctx.migrationName}: start the migration at ${at.toISOString()}`,
      schedule: scheduler.ScheduleExpression.at(at),
      target: new targets.StepFunctionsStartExecution(props.stateMachine, {
        role: props.role,
        input: scheduler.ScheduleTargetInput.fromObject(props.input),
        retryAttempts: 3,
      }),
    });
  }
}
