import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageVersion } from '../../core/adapters/package-version.ts';
import { ERROR_NAMES } from '../../core/domain/errors.ts';
import {
  CLIENT_SWITCH_TIMEOUT_SECONDS,
  FINAL_DRAIN_RETRY,
  LAMBDA_TASKS,
  STATE_NAMES,
  WORKFLOW_STATE_NAMES,
} from '../../core/domain/workflow.ts';
import { COPIER_CONTAINER_NAME } from '../../infra/copier.ts';
import { TASK_FUNCTIONS } from '../../infra/functions.ts';
import { type AslState, type Synth, stateMachineDefinition, successors, synth } from './helpers.ts';

// One synth with real esbuild bundling (as `cdk synth` does); every test reads this template.
let s: Synth;
let template: Template;
beforeAll(() => {
  s = synth();
  template = s.template;
}, 120_000);

type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; [k: string]: unknown }>;
const resources = (type: string): Resources => template.findResources(type) as Resources;
const logicalId = (type: string, pathPart: string): string => {
  const ids = Object.entries(resources(type))
    .filter(([, r]) =>
      String((r['Metadata'] as { 'aws:cdk:path'?: string } | undefined)?.['aws:cdk:path']).includes(pathPart),
    )
    .map(([id]) => id);
  if (ids.length !== 1)
    throw new Error(`expected one ${type} at *${pathPart}*, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
};

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}
const statementsOf = (r: { Properties: Record<string, unknown> }): Statement[] =>
  (r.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement;
const actions = (st: Statement): string[] => (Array.isArray(st.Action) ? st.Action : [st.Action]);
const mentions = (value: unknown, logical: string): boolean =>
  (JSON.stringify(value) ?? '').includes(`"${logical}"`);

describe('buckets', () => {
  it('are encrypted, block all public access, are versioned and log access', () => {
    const buckets = resources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(3);
    for (const [id, b] of Object.entries(buckets)) {
      const p = b.Properties;
      expect(p['BucketEncryption'], id).toMatchObject({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(p['PublicAccessBlockConfiguration'], id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(p['VersioningConfiguration'], id).toEqual({ Status: 'Enabled' });
    }
    const accessLogs = logicalId('AWS::S3::Bucket', '/Buckets/AccessLogs/');
    for (const part of ['/Buckets/Segments/', '/Buckets/Evidence/']) {
      const b = buckets[logicalId('AWS::S3::Bucket', part)]!;
      expect(b.Properties['LoggingConfiguration']).toMatchObject({
        DestinationBucketName: { Ref: accessLogs },
      });
    }
  });

  it('deny every request without TLS (bucket policy on all three)', () => {
    const policies = Object.values(resources('AWS::S3::BucketPolicy'));
    for (const id of Object.keys(resources('AWS::S3::Bucket'))) {
      const policy = policies.find((p) => mentions(p.Properties['Bucket'], id));
      expect(policy, `bucket policy of ${id}`).toBeDefined();
      expect(statementsOf(policy!)).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Principal: { AWS: '*' },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('evidence has Object Lock and is retained; segments expire after 30 days by default', () => {
    const evidence = resources('AWS::S3::Bucket')[logicalId('AWS::S3::Bucket', '/Buckets/Evidence/')]!;
    expect(evidence.Properties['ObjectLockEnabled']).toBe(true);
    expect(evidence['DeletionPolicy']).toBe('Retain');
    const segments = resources('AWS::S3::Bucket')[logicalId('AWS::S3::Bucket', '/Buckets/Segments/')]!;
    expect(segments.Properties['ObjectLockEnabled']).toBeUndefined();
    expect(segments.Properties['LifecycleConfiguration']).toMatchObject({
      Rules: [expect.objectContaining({ ExpirationInDays: 30, Status: 'Enabled' })],
    });
  });
});

describe('Lambda functions', () => {
  it('one per Lambda task: nodejs22.x on arm64, ESM bundle, tracing, source maps, own log group', () => {
    const fns = resources('AWS::Lambda::Function');
    const ours = Object.entries(fns).filter(([, f]) =>
      String(f.Properties['FunctionName']).startsWith('kraft-migrate-'),
    );
    expect(ours).toHaveLength(LAMBDA_TASKS.length);
    for (const [id, f] of ours) {
      const p = f.Properties;
      expect(p['Runtime'], id).toBe('nodejs22.x');
      expect(p['Architectures'], id).toEqual(['arm64']);
      expect(p['Handler'], id).toBe('index.handler');
      expect(p['MemorySize'], id).toBe(512);
      expect(p['TracingConfig'], id).toEqual({ Mode: 'Active' });
      expect(p['Environment'], id).toEqual({
        Variables: { NODE_OPTIONS: '--enable-source-maps', KRAFT_MIGRATE_VERSION: packageVersion() },
      });
      const logGroup = (p['LoggingConfig'] as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(resources('AWS::Logs::LogGroup')[logGroup]?.Properties['RetentionInDays'], id).toBe(30);
    }
    const precheck = fns[logicalId('AWS::Lambda::Function', '/Functions/Precheck/')]!.Properties;
    expect(precheck['Timeout']).toBe(300);
    expect(precheck['VpcConfig']).toBeDefined();
    const validate = fns[logicalId('AWS::Lambda::Function', '/Functions/ValidateInput/')]!.Properties;
    expect(validate['VpcConfig']).toBeUndefined();
  });

  it('every log group has a retention', () => {
    for (const [id, lg] of Object.entries(resources('AWS::Logs::LogGroup'))) {
      expect(lg.Properties['RetentionInDays'], id).toBe(30);
    }
  });
});

describe('copier', () => {
  it('ECS cluster with Container Insights and an ARM64 Fargate task with the copier container on awslogs', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
    const [taskDef, ...more] = Object.values(resources('AWS::ECS::TaskDefinition'));
    expect(more).toHaveLength(0);
    const p = taskDef!.Properties;
    expect(p).toMatchObject({
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      Cpu: '2048',
      Memory: '4096',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
    const containers = p['ContainerDefinitions'] as Record<string, unknown>[];
    expect(containers).toHaveLength(1);
    const logGroup = logicalId('AWS::Logs::LogGroup', '/Copier/Logs/');
    expect(containers[0]).toMatchObject({
      Name: COPIER_CONTAINER_NAME,
      Essential: true,
      LogConfiguration: {
        LogDriver: 'awslogs',
        Options: { 'awslogs-group': { Ref: logGroup }, 'awslogs-stream-prefix': 'copier' },
      },
    });
    expect(resources('AWS::Logs::LogGroup')[logGroup]?.Properties['RetentionInDays']).toBe(30);
    // The metrics dimension and the heap limit (3/4 of the default 4096 MiB): the migration's
    // settings come with each RunTask call.
    expect(containers[0]?.['Environment']).toEqual([
      { Name: 'KRAFT_MIGRATE_METRICS_NAME', Value: 'default' },
      { Name: 'NODE_OPTIONS', Value: '--max-old-space-size=3072' },
    ]);
  });

  it('builds the image from the repository root with fargate-copier/Dockerfile for linux/arm64', () => {
    const assembly = s.app.synth();
    const manifest = JSON.parse(
      readFileSync(path.join(assembly.directory, `${s.stack.artifactId}.assets.json`), 'utf8'),
    ) as { dockerImages: Record<string, { source: Record<string, unknown> }> };
    const images = Object.values(manifest.dockerImages);
    expect(images).toHaveLength(1);
    expect(images[0]!.source).toMatchObject({
      dockerFile: 'fargate-copier/Dockerfile',
      platform: 'linux/arm64',
    });
    // The staged build context holds only what the Dockerfile copies.
    const staged = readdirSync(path.join(assembly.directory, String(images[0]!.source['directory']))).sort();
    expect(staged).toEqual([
      '.dockerignore',
      'core',
      'fargate-copier',
      'package-lock.json',
      'package.json',
      'scripts',
    ]);
    expect(
      readdirSync(path.join(assembly.directory, String(images[0]!.source['directory']), 'scripts')),
    ).toEqual(['copier-image.ts']);
  });
});

describe('IAM', () => {
  const dataPath = () => {
    const policies = resources('AWS::IAM::ManagedPolicy');
    return statementsOf(policies[logicalId('AWS::IAM::ManagedPolicy', '/DataPathPolicy/')]!);
  };

  it('data-path policy: object read/write/delete and list on both buckets, nothing else in S3', () => {
    const segments = logicalId('AWS::S3::Bucket', '/Buckets/Segments/');
    const evidence = logicalId('AWS::S3::Bucket', '/Buckets/Evidence/');
    for (const bucket of [segments, evidence]) {
      const onBucket = dataPath().filter((st) => mentions(st.Resource, bucket));
      const granted = new Set(onBucket.flatMap(actions));
      for (const a of ['s3:PutObject', 's3:GetObject', 's3:ListBucket', 's3:DeleteObject']) {
        expect(granted.has(a), `${a} on ${bucket}`).toBe(true);
      }
    }
    const s3Resources = dataPath()
      .filter((st) => actions(st).some((a) => a.startsWith('s3:')))
      .map((st) => JSON.stringify(st.Resource));
    for (const r of s3Resources) expect(r.includes(segments) || r.includes(evidence), r).toBe(true);
    expect(
      dataPath()
        .flatMap(actions)
        .some((a) => a.includes('*')),
    ).toBe(false);
  });

  it('the Precheck role and the copier task role carry the data-path policy; ValidateInput has no data access', () => {
    const policy = logicalId('AWS::IAM::ManagedPolicy', '/DataPathPolicy/');
    const roles = resources('AWS::IAM::Role');
    const withPolicy = Object.entries(roles)
      .filter(([, r]) => mentions(r.Properties['ManagedPolicyArns'], policy))
      .map(([id]) => id);
    const dataPathSteps = Object.entries(TASK_FUNCTIONS)
      .filter(([, spec]) => spec.dataAccess === 'all')
      .map(([state]) => state);
    expect(dataPathSteps).toEqual(expect.arrayContaining(['Precheck', 'CopyTopology', 'CheckDrain']));
    expect(withPolicy.sort()).toEqual(
      [
        ...dataPathSteps.map((state) => logicalId('AWS::IAM::Role', `/Functions/${state}/Role`)),
        logicalId('AWS::IAM::Role', '/Copier/TaskRole'),
      ].sort(),
    );
    const validateRole = roles[logicalId('AWS::IAM::Role', '/Functions/ValidateInput/Role')]!;
    expect(validateRole.Properties['ManagedPolicyArns']).toBeUndefined();
  });

  it('FreezeCallbackRole may only answer task tokens of this state machine', () => {
    const role = logicalId('AWS::IAM::Role', '/FreezeCallbackRole/');
    const sm = logicalId('AWS::StepFunctions::StateMachine', '/StateMachine/');
    const policies = Object.values(resources('AWS::IAM::Policy')).filter((p) =>
      mentions(p.Properties['Roles'], role),
    );
    const statements = policies.flatMap(statementsOf);
    expect(statements.flatMap(actions).sort()).toEqual([
      'states:SendTaskFailure',
      'states:SendTaskHeartbeat',
      'states:SendTaskSuccess',
    ]);
    for (const st of statements) expect(st.Resource).toEqual({ Ref: sm });
    expect(resources('AWS::IAM::Role')[role]!.Properties['ManagedPolicyArns']).toBeUndefined();
  });

  it('SchedulerRole may only start executions of this state machine', () => {
    const role = logicalId('AWS::IAM::Role', '/SchedulerRole/');
    const statements = Object.values(resources('AWS::IAM::Policy'))
      .filter((p) => mentions(p.Properties['Roles'], role))
      .flatMap(statementsOf);
    expect(statements.flatMap(actions)).toEqual(['states:StartExecution']);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })],
      },
    });
  });
});

describe('state machine', () => {
  const definition = () => stateMachineDefinition(template);
  const states = () => definition().States;

  it('is STANDARD, logs ALL with execution data to a log group with retention, and is traced', () => {
    const [sm] = Object.values(resources('AWS::StepFunctions::StateMachine'));
    const p = sm!.Properties;
    expect(p['StateMachineType']).toBe('STANDARD');
    expect(p['TracingConfiguration']).toEqual({ Enabled: true });
    expect(p['LoggingConfiguration']).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
    const dest = JSON.stringify(p['LoggingConfiguration']);
    const logGroup = logicalId('AWS::Logs::LogGroup', '/Workflow/Logs/');
    expect(dest).toContain(logGroup);
  });

  it('starts at ValidateInput and has exactly the states of WORKFLOW_STATE_NAMES', () => {
    expect(definition().StartAt).toBe(STATE_NAMES.validateInput);
    const names = (states: Record<string, Record<string, unknown>>): string[] =>
      Object.entries(states).flatMap(([name, st]) => {
        const inner = (st['ItemProcessor'] ?? st['Iterator']) as
          | { States: Record<string, Record<string, unknown>> }
          | undefined;
        return [name, ...(inner ? names(inner.States) : [])];
      });
    expect(names(states() as Record<string, Record<string, unknown>>).sort()).toEqual(
      [...WORKFLOW_STATE_NAMES].sort(),
    );
  });

  it('every state is reachable from StartAt and every transition names an existing state', () => {
    const all = states();
    const seen = new Set<string>([definition().StartAt]);
    const queue = [definition().StartAt];
    while (queue.length > 0) {
      for (const next of successors(all[queue.shift()!]!)) {
        expect(Object.keys(all)).toContain(next);
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    expect([...seen].sort()).toEqual(Object.keys(all).sort());
  });

  it('uses only what aws-local-stepfunctions runs faithfully (JSONPath, no ResultPath "$")', () => {
    const text = JSON.stringify(definition());
    for (const field of [
      'QueryLanguage',
      'Arguments',
      'Output',
      'Assign',
      'ItemReader',
      'ItemBatcher',
      'ResultWriter',
      'HeartbeatSecondsPath',
      'ToleratedFailurePercentage',
      'ToleratedFailureCount',
    ]) {
      expect(text).not.toContain(`"${field}"`);
    }
    const resultPaths = Object.values(states()).flatMap((st) => [
      ...(typeof st['ResultPath'] === 'string' ? [st['ResultPath']] : []),
      ...(st.Catch ?? []).flatMap((c) => (c.ResultPath ? [c.ResultPath] : [])),
    ]);
    expect(resultPaths).not.toContain('$');
  });

  it('every Retry/Catch error is from ERROR_NAMES or a States./Lambda. name', () => {
    const names = Object.values(states()).flatMap((st: AslState) => [
      ...(st.Retry ?? []).flatMap((r) => r.ErrorEquals),
      ...(st.Catch ?? []).flatMap((c) => c.ErrorEquals),
    ]);
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) {
      expect(
        (ERROR_NAMES as readonly string[]).includes(n) || n.startsWith('States.') || n.startsWith('Lambda.'),
        n,
      ).toBe(true);
    }
  });

  it('every Lambda task retries TransientError (2 s, backoff 2, 5 attempts) except RecordFailure; all retry Lambda errors', () => {
    for (const name of LAMBDA_TASKS) {
      const st = states()[name]!;
      expect(st.Type).toBe('Task');
      const tokenTasks: readonly string[] = [
        STATE_NAMES.awaitCutoverApproval,
        STATE_NAMES.freezeProducers,
        STATE_NAMES.awaitClientSwitch,
      ];
      expect(st['Resource']).toBe(
        tokenTasks.includes(name)
          ? 'arn:aws:states:::lambda:invoke.waitForTaskToken'
          : 'arn:aws:states:::lambda:invoke',
      );
      const retries = st.Retry ?? [];
      expect(retries.some((r) => r.ErrorEquals.includes('Lambda.ServiceException'))).toBe(true);
      expect(retries.some((r) => r.ErrorEquals.includes('Lambda.TooManyRequestsException'))).toBe(true);
      const transient = retries.find((r) => r.ErrorEquals.includes('TransientError'));
      if (name === STATE_NAMES.recordFailure) {
        expect(transient).toBeUndefined();
        expect(st.Catch).toBeUndefined();
      } else if (name === STATE_NAMES.unfreeze) {
        // best effort by design: never throws, and a failure of its own still reaches RecordFailure
        expect(transient).toBeUndefined();
        expect(st.Catch?.map((c) => c.Next)).toEqual([STATE_NAMES.recordFailure]);
      } else if (name === STATE_NAMES.finalDrain) {
        expect(transient).toMatchObject({
          IntervalSeconds: FINAL_DRAIN_RETRY.intervalSeconds,
          BackoffRate: FINAL_DRAIN_RETRY.backoffRate,
          MaxAttempts: FINAL_DRAIN_RETRY.maxAttempts,
        });
      } else {
        expect(transient).toMatchObject({ IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 5 });
      }
    }
  });

  it('ValidateInput and Precheck catch the stop errors, then States.ALL, into the failure route', () => {
    for (const [name, target, resultPath] of [
      [STATE_NAMES.validateInput, STATE_NAMES.inputNotValidated, undefined],
      [STATE_NAMES.precheck, STATE_NAMES.recordFailure, '$.error'],
    ] as const) {
      const catches = states()[name]!.Catch ?? [];
      expect(catches.map((c) => c.ErrorEquals)).toEqual([
        ['InvalidInputError', 'PreconditionError', 'InvariantError'],
        ['States.ALL'],
      ]);
      for (const c of catches) {
        expect(c.Next).toBe(target);
        expect(c.ResultPath).toBe(resultPath);
      }
    }
    expect(states()[STATE_NAMES.inputNotValidated]).toMatchObject({
      Type: 'Pass',
      Parameters: { 'error.$': '$' },
      Next: STATE_NAMES.recordFailure,
    });
  });

  it('the blocker branch goes Precheck → BlockersFound → RecordFailure → MigrationFailed', () => {
    const all = states();
    expect(all[STATE_NAMES.precheck]).toMatchObject({
      Next: STATE_NAMES.checkBlockers,
      ResultPath: '$.precheck',
      Parameters: { Payload: { 'config.$': '$.config' } },
    });
    expect(all[STATE_NAMES.checkBlockers]).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.precheck.overall', StringEquals: 'BLOCKED', Next: STATE_NAMES.recordFailure }],
      Default: STATE_NAMES.copyTopology,
    });
    expect(all[STATE_NAMES.recordFailure]).toMatchObject({
      Next: STATE_NAMES.failed,
      ResultPath: '$.failure',
      Parameters: { 'Payload.$': '$' },
    });
    expect(all[STATE_NAMES.failed]).toEqual(
      expect.objectContaining({ Type: 'Fail', ErrorPath: '$.failure.error', CausePath: '$.failure.cause' }),
    );
    expect(all[STATE_NAMES.finalized]?.Type).toBe('Succeed');
  });

  it('the copy route: CopyTopology → Seed (Map of copier tasks) → StartTail → WaitForDrain loop → approval gate', () => {
    const all = states();
    expect(all[STATE_NAMES.copyTopology]).toMatchObject({ Next: STATE_NAMES.seed, ResultPath: '$.topology' });
    const seed = all[STATE_NAMES.seed] as Record<string, unknown>;
    expect(seed).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.topology.seed_shard_ids',
      MaxConcurrencyPath: '$.topology.max_parallel_copiers',
      Next: STATE_NAMES.startTail,
    });
    const processor = (seed['ItemProcessor'] ?? seed['Iterator']) as {
      States: Record<string, { Resource: string }>;
    };
    expect(processor.States[STATE_NAMES.seedShard]?.Resource).toContain('ecs:runTask.sync');
    expect(String(all[STATE_NAMES.startTail]?.['Resource'])).toMatch(/ecs:runTask$/);
    expect(all[STATE_NAMES.initDrain]).toMatchObject({
      Type: 'Pass',
      ResultPath: '$.drain',
      Next: STATE_NAMES.checkDrain,
    });
    expect(all[STATE_NAMES.checkDrain]).toMatchObject({
      Next: STATE_NAMES.drainReady,
      ResultPath: '$.drain',
    });
    expect(all[STATE_NAMES.drainReady]).toMatchObject({
      Type: 'Choice',
      Choices: [
        { Variable: '$.drain.ready', BooleanEquals: true, Next: STATE_NAMES.autoApprove },
        { Variable: '$.drain.restart_tail', BooleanEquals: true, Next: STATE_NAMES.stopTail },
      ],
      Default: STATE_NAMES.waitForDrain,
    });
    expect(all[STATE_NAMES.waitForDrain]).toMatchObject({ Type: 'Wait', Next: STATE_NAMES.checkDrain });
    // a gone tail: stopped (by the ARN StartTail recorded), started again, then the drain loop goes on
    expect(all[STATE_NAMES.startTail]).toMatchObject({
      ResultSelector: { 'task_arn.$': '$.Tasks[0].TaskArn' },
      ResultPath: '$.tail',
    });
    expect(all[STATE_NAMES.stopTail]).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:ecs:stopTask',
      Parameters: { 'Task.$': '$.tail.task_arn' },
      Next: STATE_NAMES.restartTail,
    });
    expect(all[STATE_NAMES.restartTail]).toMatchObject({
      ResultPath: '$.tail',
      Next: STATE_NAMES.waitForDrain,
      Parameters: {
        Overrides: (all[STATE_NAMES.startTail]!['Parameters'] as Record<string, unknown>)['Overrides'],
      },
    });
    expect(String(all[STATE_NAMES.restartTail]?.['Resource'])).toMatch(/ecs:runTask$/);
    // a dying seed copier is retried by the workflow: 3 attempts, 5 s then 10 s apart
    expect((processor.States[STATE_NAMES.seedShard] as Record<string, unknown>)['Retry']).toEqual([
      { ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 5, BackoffRate: 2, MaxAttempts: 2 },
    ]);
    expect(String(all[STATE_NAMES.awaitCutoverApproval]?.['Resource'])).toContain('waitForTaskToken');
    for (const name of [
      STATE_NAMES.copyTopology,
      STATE_NAMES.seed,
      STATE_NAMES.startTail,
      STATE_NAMES.stopTail,
      STATE_NAMES.restartTail,
      STATE_NAMES.checkDrain,
    ]) {
      expect((all[name]?.Catch ?? []).map((c) => c.Next)).toEqual([
        STATE_NAMES.recordFailure,
        STATE_NAMES.recordFailure,
      ]);
    }
  });

  it('the copier tasks get the copier config CopyTopology returns, never the whole config', () => {
    const all = states();
    // exactly these (test/core/domain/topology/seed-sizing.test.ts sizes the state with them)
    expect(all[STATE_NAMES.copyTopology]?.['ResultSelector']).toEqual({
      'seed_shard_ids.$': '$.Payload.seed_shard_ids',
      'seed_plan_key.$': '$.Payload.seed_plan_key',
      'partition_count.$': '$.Payload.partition_count',
      'max_parallel_copiers.$': '$.Payload.max_parallel_copiers',
      'copier_config_json.$': '$.Payload.copier_config_json',
      'seed_bytes.$': '$.Payload.seed_bytes',
    });
    const seed = all[STATE_NAMES.seed] as Record<string, unknown>;
    expect(seed['ItemSelector']).toEqual({
      'copier_config_json.$': '$.topology.copier_config_json',
      'migration_id.$': '$.precheck.migration_id',
      'shard_id.$': '$$.Map.Item.Value',
    });
    const processor = (seed['ItemProcessor'] ?? seed['Iterator']) as { States: Record<string, unknown> };
    const envOf = (state: unknown) =>
      (
        state as {
          Parameters: { Overrides: { ContainerOverrides: { Environment: Record<string, string>[] }[] } };
        }
      ).Parameters.Overrides.ContainerOverrides[0]?.Environment ?? [];
    const configOf = (state: unknown) =>
      envOf(state).find((v) => v['Name'] === 'KRAFT_MIGRATE_CONFIG')?.['Value.$'];
    expect(configOf(processor.States[STATE_NAMES.seedShard])).toBe('$.copier_config_json');
    expect(configOf(all[STATE_NAMES.startTail])).toBe('$.topology.copier_config_json');
    // no partition list in any copier task's overrides: the seed copier reads its shard from S3
    expect(envOf(processor.States[STATE_NAMES.seedShard]).map((v) => v['Name'])).toEqual([
      'KRAFT_MIGRATE_CONFIG',
      'KRAFT_MIGRATE_MIGRATION_ID',
      'KRAFT_MIGRATE_MODE',
      'KRAFT_MIGRATE_SHARD_ID',
      'NODE_OPTIONS',
    ]);
    // A seed copier's heap is capped below the task definition's (the tail's) limit.
    expect(envOf(processor.States[STATE_NAMES.seedShard]).at(-1)).toEqual({
      Name: 'NODE_OPTIONS',
      Value: '--max-old-space-size=256',
    });
    expect(envOf(all[STATE_NAMES.startTail]).map((v) => v['Name'])).not.toContain('NODE_OPTIONS');
    expect(JSON.stringify(all)).not.toContain('KRAFT_MIGRATE_PARTITIONS');
  });

  it('the cutover route: approval → StartCutover → FreezeProducers … AwaitClientSwitch → Validate → SignEvidence → Finalized', () => {
    const all = states();
    const route = [
      STATE_NAMES.startCutover,
      STATE_NAMES.freezeProducers,
      STATE_NAMES.verifyFreeze,
      STATE_NAMES.placeSentinels,
      STATE_NAMES.finalDrain,
      STATE_NAMES.translateOffsets,
      STATE_NAMES.logStartGuard,
      STATE_NAMES.awaitClientSwitch,
      STATE_NAMES.confirmClientSwitch,
    ];
    for (let i = 0; i + 1 < route.length; i++) expect(all[route[i]!]?.['Next']).toBe(route[i + 1]);
    expect(all[STATE_NAMES.awaitCutoverApproval]?.['Next']).toBe(STATE_NAMES.startCutover);
    expect(all[STATE_NAMES.autoApprove]).toMatchObject({
      Choices: [
        { Variable: '$.config.cutover.auto_approve', BooleanEquals: true, Next: STATE_NAMES.startCutover },
      ],
      Default: STATE_NAMES.awaitCutoverApproval,
    });
    // After the client switch: Validate → SignEvidence → ValidationPassed → Finalized | ValidationFailed;
    // their failures are journaled (RecordFailure) without an unfreeze: producers use the target now.
    expect(all[STATE_NAMES.confirmClientSwitch]?.['Next']).toBe(STATE_NAMES.validate);
    expect(all[STATE_NAMES.validate]?.['Next']).toBe(STATE_NAMES.signEvidence);
    expect(all[STATE_NAMES.signEvidence]?.['Next']).toBe(STATE_NAMES.validationPassed);
    expect(all[STATE_NAMES.validationPassed]).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.evidence.validation', StringEquals: 'PASSED', Next: STATE_NAMES.finalized }],
      Default: STATE_NAMES.validationFailed,
    });
    expect(all[STATE_NAMES.finalized]?.Type).toBe('Succeed');
    expect(all[STATE_NAMES.validationFailed]?.Type).toBe('Fail');
    for (const name of [STATE_NAMES.validate, STATE_NAMES.signEvidence]) {
      expect((all[name]?.Catch ?? []).map((c) => c.Next)).toEqual([
        STATE_NAMES.recordFailure,
        STATE_NAMES.recordFailure,
      ]);
    }

    // FreezeProducers: a task-token Lambda whose timeout is max_producer_freeze (from StartCutover).
    const freeze = all[STATE_NAMES.freezeProducers] as Record<string, unknown>;
    expect(String(freeze['Resource'])).toContain('lambda:invoke.waitForTaskToken');
    expect(freeze['TimeoutSecondsPath']).toBe('$.cutover.start.freeze_timeout_seconds');
    expect(JSON.stringify(freeze['Parameters'])).toContain('"task_token.$":"$$.Task.Token"');
    const ack = all[STATE_NAMES.awaitClientSwitch] as Record<string, unknown>;
    expect(String(ack['Resource'])).toContain('lambda:invoke.waitForTaskToken');
    expect(ack['TimeoutSeconds']).toBe(CLIENT_SWITCH_TIMEOUT_SECONDS);

    // Every state after the freeze is caught into Unfreeze, which goes on to RecordFailure.
    for (const name of route.slice(1)) {
      const catches = (all[name]?.Catch ?? []) as {
        ErrorEquals: string[];
        Next: string;
        ResultPath: string;
      }[];
      expect(catches.map((c) => c.Next)).toEqual([STATE_NAMES.unfreeze, STATE_NAMES.unfreeze]);
      expect(catches.flatMap((c) => c.ErrorEquals)).toEqual([
        'InvalidInputError',
        'PreconditionError',
        'InvariantError',
        'States.ALL',
      ]);
      expect(catches.every((c) => c.ResultPath === '$.error')).toBe(true);
    }
    expect((all[STATE_NAMES.startCutover]?.Catch ?? []).map((c) => c.Next)).toEqual([
      STATE_NAMES.recordFailure,
      STATE_NAMES.recordFailure,
    ]);
    expect(all[STATE_NAMES.unfreeze]).toMatchObject({
      Next: STATE_NAMES.recordFailure,
      ResultPath: '$.unfreeze',
    });

    // Retry names come from the error catalogue; FinalDrain retries TransientError until drained.
    const retriedNames = route
      .flatMap((n) =>
        ((all[n]?.['Retry'] ?? []) as { ErrorEquals: string[] }[]).flatMap((r) => r.ErrorEquals),
      )
      .filter((e) => !e.startsWith('Lambda.'));
    expect(new Set(retriedNames)).toEqual(new Set(['TransientError']));
    const drainRetry = (all[STATE_NAMES.finalDrain]?.['Retry'] ?? []) as unknown as { MaxAttempts: number }[];
    expect(drainRetry[0]?.MaxAttempts).toBe(FINAL_DRAIN_RETRY.maxAttempts);
  });

  it('ValidateInput passes the execution input as the payload and keeps only the validated config', () => {
    expect(states()[STATE_NAMES.validateInput]).toMatchObject({
      Parameters: { 'Payload.$': '$' },
      ResultSelector: { 'config.$': '$.Payload.config' },
    });
    expect(states()[STATE_NAMES.validateInput]?.['ResultPath']).toBeUndefined();
  });
});

describe('dashboard, alarms and outputs', () => {
  it('has a dashboard with the copier metrics and alarms on failed executions and Lambda errors', () => {
    const [dashboard] = Object.values(resources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard!.Properties['DashboardBody']);
    for (const m of [
      'ExecutionsFailed',
      'Errors',
      'CpuUtilized',
      'MemoryUtilized',
      'PartitionLagMax',
      'SeedBytesPerSecond',
    ]) {
      expect(body).toContain(m);
    }
    expect(body).toContain('KraftMigrate');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Namespace: 'AWS/States',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    const lambdaAlarms = Object.values(resources('AWS::CloudWatch::Alarm')).filter(
      (a) => a.Properties['Namespace'] === 'AWS/Lambda' && a.Properties['MetricName'] === 'Errors',
    );
    expect(lambdaAlarms).toHaveLength(LAMBDA_TASKS.length);
  });

  it('outputs what operators and the CLI need', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    for (const o of [
      'StateMachineArn',
      'SegmentsBucket',
      'EvidenceBucket',
      'CopierTaskDefinitionArn',
      'FreezeCallbackRoleArn',
      'ClusterArn',
      'SchedulerRoleArn',
    ]) {
      expect(outputs).toContain(o);
    }
  });

  it('has no schedule without scheduleAt', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
  });
});
