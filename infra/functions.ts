import { existsSync } from 'node:fs';
import path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { packageVersion } from '../core/adapters/package-version.ts';
import { LAMBDA_TASKS } from '../core/domain/workflow.ts';
import type { Network } from './network.ts';
import { REPO_ROOT } from './paths.ts';

export type LambdaTask = (typeof LAMBDA_TASKS)[number];

/** Which data-path permissions a step's role gets (see iam.ts). */
export type DataAccess = 'none' | 'journal' | 'all';

export interface TaskFunctionSpec {
  readonly description: string;
  readonly timeout: Duration;
  /** Steps that talk to Kafka run in the MSK VPC; the others stay outside (no ENIs, no NAT). */
  readonly inVpc: boolean;
  readonly dataAccess: DataAccess;
}

/**
 * One entry per Lambda task of the workflow. A task added to LAMBDA_TASKS without an entry here
 * fails type checking (and synth, see lambdaFunctions).
 */
export const TASK_FUNCTIONS = {
  ValidateInput: {
    description: 'Validates the execution input (the migration config) exactly as the CLI does',
    timeout: Duration.seconds(30),
    inVpc: false,
    dataAccess: 'none',
  },
  Precheck: {
    description:
      'Opens or resumes the journal and runs every precheck rule against both clusters and buckets',
    timeout: Duration.minutes(5),
    inVpc: true,
    dataAccess: 'all',
  },
  RecordFailure: {
    description: 'Journals the failure and hands the error to the Fail state; never throws by design',
    timeout: Duration.minutes(2),
    inVpc: false,
    dataAccess: 'journal',
  },
  CopyTopology: {
    description:
      'Creates the target topics with the source partitions, copies configs and ACLs, shards the seed',
    timeout: Duration.minutes(10),
    inVpc: true,
    dataAccess: 'all',
  },
  CheckDrain: {
    description: 'One poll of WaitForDrain: per-partition lag from the tail copier status documents',
    timeout: Duration.minutes(1),
    inVpc: false,
    dataAccess: 'all',
  },
  AwaitCutoverApproval: {
    description: 'Cutover approval gate: records the task token where `kraft-migrate cutover` finds it',
    timeout: Duration.minutes(1),
    inVpc: false,
    dataAccess: 'journal',
  },
  StartCutover: {
    description: 'Journals drain_ready -> cutting_over and computes the producer freeze timeout',
    timeout: Duration.seconds(30),
    inVpc: false,
    dataAccess: 'journal',
  },
  FreezeProducers: {
    description: 'Producer freeze: webhook {action:"freeze"} with the task token, or the operator gate',
    // The webhook may take up to max_producer_freeze (capped at 14 minutes) to answer.
    timeout: Duration.minutes(15),
    inVpc: true,
    dataAccess: 'all',
  },
  VerifyFreeze: {
    description: 'Source end offsets of every selected partition must stop moving after the freeze',
    timeout: Duration.minutes(2),
    inVpc: true,
    dataAccess: 'all',
  },
  PlaceSentinels: {
    description: 'Writes one sentinel record per selected source partition and records them',
    timeout: Duration.minutes(5),
    inVpc: true,
    dataAccess: 'all',
  },
  FinalDrain: {
    description: 'Every sentinel on the target and lag 0; records the cutover snapshot',
    timeout: Duration.minutes(2),
    inVpc: true,
    dataAccess: 'all',
  },
  TranslateOffsets: {
    description: "Translates and commits every selected group's offsets on the target, then reads them back",
    timeout: Duration.minutes(10),
    inVpc: true,
    dataAccess: 'all',
  },
  LogStartGuard: {
    description: "Blocks the client switch when the target's log start passed copied or translated offsets",
    timeout: Duration.minutes(5),
    inVpc: true,
    dataAccess: 'all',
  },
  AwaitClientSwitch: {
    description:
      'READY_FOR_CLIENT_SWITCH: journals it and records the task token for `kraft-migrate cutover-ack`',
    timeout: Duration.minutes(1),
    inVpc: false,
    dataAccess: 'journal',
  },
  ConfirmClientSwitch: {
    description:
      'Translation round ack (consumers stopped late); journals awaiting_client_switch -> validating',
    timeout: Duration.minutes(10),
    inVpc: true,
    dataAccess: 'all',
  },
  Validate: {
    description:
      'Validation after the client switch: counts, spot checks, sentinels and consumer offsets (bounded reads)',
    timeout: Duration.minutes(15),
    inVpc: true,
    dataAccess: 'all',
  },
  SignEvidence: {
    description: 'Signs (Ed25519) and uploads the evidence; journals finalized or validation failed',
    timeout: Duration.minutes(10),
    inVpc: false,
    dataAccess: 'all',
  },
  Unfreeze: {
    description: 'Failure route after the freeze: webhook {action:"unfreeze"}, best effort',
    timeout: Duration.minutes(1),
    inVpc: true,
    dataAccess: 'all',
  },
} as const satisfies Record<LambdaTask, TaskFunctionSpec>;

/** `ValidateInput` → `validate-input` (the folder under lambdas/). */
export function kebab(stateName: string): string {
  return stateName.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

export function handlerEntry(stateName: string): string {
  return path.join(REPO_ROOT, 'lambdas', kebab(stateName), 'handler.ts');
}

/**
 * esbuild output is ESM (`index.mjs`); kafkajs and a few AWS libraries are CommonJS and call
 * `require`, `__filename` or `__dirname`, which ESM does not define.
 */
const ESM_CJS_SHIM = [
  "import { createRequire as __kmCreateRequire } from 'node:module';",
  "import { fileURLToPath as __kmFileURLToPath } from 'node:url';",
  "import { dirname as __kmDirname } from 'node:path';",
  'const require = __kmCreateRequire(import.meta.url);',
  'const __filename = __kmFileURLToPath(import.meta.url);',
  'const __dirname = __kmDirname(__filename);',
].join(' ');

export interface TaskFunction {
  readonly fn: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly spec: TaskFunctionSpec;
}

export interface LambdaFunctionsProps {
  readonly migrationName: string;
  readonly network: Network;
  /** Managed policies per data access level ('none' gets none). */
  readonly policies: Readonly<Record<Exclude<DataAccess, 'none'>, iam.IManagedPolicy>>;
}

/** Builds every Lambda of LAMBDA_TASKS with one factory: same runtime, bundling, logging and tracing. */
export class LambdaFunctions extends Construct {
  readonly byState: Readonly<Record<LambdaTask, TaskFunction>>;

  constructor(scope: Construct, id: string, props: LambdaFunctionsProps) {
    super(scope, id);
    const built: Partial<Record<LambdaTask, TaskFunction>> = {};
    for (const state of LAMBDA_TASKS) {
      const spec: TaskFunctionSpec | undefined = (TASK_FUNCTIONS as Record<string, TaskFunctionSpec>)[state];
      if (!spec)
        throw new Error(`infra/functions.ts: LAMBDA_TASKS has ${state} but TASK_FUNCTIONS has no entry`);
      built[state] = this.taskFunction(state, spec, props);
    }
    this.byState = built as Record<LambdaTask, TaskFunction>;
  }

  private taskFunction(state: LambdaTask, spec: TaskFunctionSpec, props: LambdaFunctionsProps): TaskFunction {
    const entry = handlerEntry(state);
    if (!existsSync(entry)) {
      throw new Error(`Lambda task ${state}: handler not found at ${path.relative(REPO_ROOT, entry)}`);
    }
    const scope = new Construct(this, state);
    const logGroup = new logs.LogGroup(scope, 'LogGroup', { retention: logs.RetentionDays.ONE_MONTH });
    const role = new iam.Role(scope, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `kraft-migrate ${props.migrationName}: ${state} Lambda`,
    });
    // Only this function's own log group (instead of AWSLambdaBasicExecutionRole's logs:* on every group).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    if (spec.inVpc) {
      // What AWSLambdaVPCAccessExecutionRole grants: Lambda manages the function's ENIs.
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ManageVpcEnis',
          actions: [
            'ec2:AssignPrivateIpAddresses',
            'ec2:CreateNetworkInterface',
            'ec2:DeleteNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }
    if (spec.dataAccess !== 'none') role.addManagedPolicy(props.policies[spec.dataAccess]);

    const fn = new nodejs.NodejsFunction(scope, 'Function', {
      functionName: `kraft-migrate-${props.migrationName}-${kebab(state)}`,
      description: `kraft-migrate ${state}: ${spec.description}`,
      entry,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: spec.timeout,
      role,
      logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: { NODE_OPTIONS: '--enable-source-maps', KRAFT_MIGRATE_VERSION: packageVersion() },
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: ESM_CJS_SHIM,
        sourceMap: true,
        sourcesContent: false,
        minify: true,
        // Bundle the pinned @aws-sdk/* clients instead of using the runtime's copy.
        externalModules: [],
        forceDockerBundling: false,
      },
      ...(spec.inVpc
        ? {
            vpc: props.network.vpc,
            vpcSubnets: props.network.subnets,
            securityGroups: props.network.securityGroups,
          }
        : {}),
    });
    return { fn, role, logGroup, spec };
  }
}
