import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CONTEXT_KEYS, readContext } from '../../infra/context.ts';
import { COPIER_ASSET_EXCLUDE } from '../../infra/copier.ts';
import { TASK_FUNCTIONS } from '../../infra/functions.ts';
import { REPO_ROOT } from '../../infra/paths.ts';
import { FULL_CONTEXT, KMS_KEY, SOURCE_ARN, synth } from './helpers.ts';

// These synths skip esbuild bundling (stack.test.ts covers it): each takes about a second.

type Resources = Record<string, { Properties: Record<string, unknown> }>;

describe('deploying into an existing MSK VPC with every setting', () => {
  const { template } = synth(FULL_CONTEXT, { bundle: false });
  const res = (type: string) => template.findResources(type) as Resources;

  it('creates no VPC and puts the Kafka-facing Lambda in the given subnets and security groups', () => {
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    const inVpc = Object.values(res('AWS::Lambda::Function')).filter((f) => f.Properties['VpcConfig']);
    // The steps that talk to Kafka (TASK_FUNCTIONS inVpc); the others stay outside the VPC.
    const kafkaSteps = Object.values(TASK_FUNCTIONS).filter((spec) => spec.inVpc);
    expect(kafkaSteps.length).toBeGreaterThanOrEqual(2);
    expect(inVpc.map((f) => f.Properties['VpcConfig'])).toEqual(
      kafkaSteps.map(() => ({
        SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
        SecurityGroupIds: ['sg-0123456789abcdef0'],
      })),
    );
    expect(Object.keys(template.findOutputs('*'))).not.toContain('ClientSecurityGroupId');
  });

  it('scopes MSK permissions to the two clusters (no cluster wildcard) and reads the SCRAM secret', () => {
    const policy = JSON.stringify(res('AWS::IAM::ManagedPolicy'));
    expect(policy).toContain(
      ':kafka:eu-west-2:111122223333:cluster/orders-zk/d0efd3c5-5308-48ff-b5a6-5ea8d4b24708-3',
    );
    expect(policy).toContain(
      ':kafka:eu-west-2:111122223333:topic/orders-kraft/efffc490-733e-46c4-9d0b-57418c0a3906-3/*',
    );
    expect(policy).not.toContain('cluster/*');
    expect(policy).toContain('AmazonMSK_orders-AbCdEf');
    expect(policy).toContain('1b7d8a4e-8c1e-4f5e-9f3a-2a6c1d9e7b42');
    // SCRAM on the source: no kafka-cluster (MSK IAM) actions for it.
    expect(policy).not.toContain('KafkaSource');
    expect(policy).toContain('KafkaTargetTopics');
  });

  it('encrypts both data buckets with the given key, names them, and sets the default retention', () => {
    const buckets = Object.values(res('AWS::S3::Bucket'));
    const named = buckets.filter((b) => b.Properties['BucketName']);
    expect(named.map((b) => b.Properties['BucketName']).sort()).toEqual([
      'orders-migration-evidence-111122223333',
      'orders-migration-segments-111122223333',
    ]);
    for (const b of named) {
      expect(b.Properties['BucketEncryption']).toEqual({
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { KMSMasterKeyID: KMS_KEY, SSEAlgorithm: 'aws:kms' },
          },
        ],
      });
    }
    const evidence = named.find((b) => String(b.Properties['BucketName']).includes('evidence'))!;
    expect(evidence.Properties['ObjectLockConfiguration']).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Days: 365, Mode: 'GOVERNANCE' } },
    });
  });

  it('sizes the copier and lets the freeze system assume the callback role', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '4096',
      Memory: '8192',
      // The heap limit follows the task memory (3/4 of it), not Node's default fraction.
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({
          Environment: Match.arrayWith([{ Name: 'NODE_OPTIONS', Value: '--max-old-space-size=6144' }]),
        }),
      ]),
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::444455556666:role/producer-freeze' },
          },
        ],
      },
    });
    const alarms = Object.values(res('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(0);
    for (const a of alarms) expect(a.Properties['AlarmActions']).toEqual([FULL_CONTEXT.alarmTopicArn]);
  });

  it('creates a one-time schedule at the given instant (UTC) that starts the state machine with the config', () => {
    const schedules = Object.values(res('AWS::Scheduler::Schedule'));
    expect(schedules).toHaveLength(1);
    const p = schedules[0]!.Properties;
    expect(p['ScheduleExpression']).toBe('at(2026-05-02T01:30:00)');
    expect(p['ScheduleExpressionTimezone']).toBe('Etc/UTC');
    expect(p['FlexibleTimeWindow']).toEqual({ Mode: 'OFF' });
    const target = p['Target'] as { Arn: { Ref: string }; RoleArn: unknown; Input: string };
    expect(Object.keys(res('AWS::StepFunctions::StateMachine'))).toEqual([target.Arn.Ref]);
    expect(JSON.stringify(target.RoleArn)).toMatch(/SchedulerRole/);
    const input = JSON.parse(target.Input) as Record<string, unknown>;
    expect(input).toMatchObject({
      source: { cluster_arn: SOURCE_ARN },
      storage: { segments: 's3://orders-migration-segments-111122223333/seeds' },
      seed: { max_concurrent_partitions: 4 },
    });
  });
});

describe('schedule input checks', () => {
  const base = { scheduleAt: '2026-05-02T01:30:00Z' };

  it('reads the input from a config file', () => {
    const { template } = synth({ ...base, scheduleInput: 'examples/msk-iam.yaml' }, { bundle: false });
    const [schedule] = Object.values(template.findResources('AWS::Scheduler::Schedule')) as {
      Properties: { Target: { Input: string } };
    }[];
    expect(JSON.parse(schedule!.Properties.Target.Input)).toMatchObject({ evidence: { retention: '7y' } });
  });

  it('refuses a config with a plain password', () => {
    const input = JSON.stringify({
      source: {
        bootstrap_servers: ['b-1:9096'],
        auth: { mode: 'scram-sha-512', username: 'u', password: 'p' },
      },
      target: { bootstrap_servers: ['b-2:9098'] },
      storage: { segments: 's3://seg-bucket', evidence: 's3://ev-bucket' },
    });
    expect(() => synth({ ...base, scheduleInput: input }, { bundle: false })).toThrow(
      /plain secrets \(source\.auth\.password\)/,
    );
  });

  it('refuses a bucket other than the stack bucket when its name is known', () => {
    const input = JSON.stringify({
      source: { bootstrap_servers: ['b-1:9098'] },
      target: { bootstrap_servers: ['b-2:9098'] },
      storage: { segments: 's3://other-bucket', evidence: 's3://ev-bucket' },
    });
    expect(() =>
      synth({ ...base, scheduleInput: input, segmentsBucketName: 'seg-bucket' }, { bundle: false }),
    ).toThrow(/storage\.segments is in bucket other-bucket, but this stack's segments bucket is seg-bucket/);
  });

  it('refuses an invalid config with the config error', () => {
    expect(() => synth({ ...base, scheduleInput: '{"source": {}}' }, { bundle: false })).toThrow(
      /scheduleInput is invalid/,
    );
  });
});

describe('context', () => {
  it('defaults: migration "default", IAM auth, 30-day segments, 2 vCPU / 4 GiB copier, no schedule, no nag', () => {
    expect(readContext(() => undefined)).toEqual({
      migrationName: 'default',
      sourceAuthMode: 'iam',
      targetAuthMode: 'iam',
      segmentsExpireDays: 30,
      evidenceRetentionMode: 'COMPLIANCE',
      copierCpu: 2048,
      copierMemoryMiB: 4096,
      nag: false,
    });
  });

  it('names every bad key with the value seen and what is allowed', () => {
    const ctx: Record<string, string> = {
      migrationName: 'Orders_2026',
      vpcId: 'vpc-0123456789abcdef0',
      sourceClusterArn: 'arn:aws:kafka:eu-west-2:1:cluster/x',
      scheduleAt: 'tomorrow',
    };
    expect(() => readContext((k) => ctx[k])).toThrow(
      /migrationName \(got "Orders_2026"\): expected 1-32 lower-case[\s\S]*sourceClusterArn[\s\S]*subnetIds: vpcId needs subnetIds[\s\S]*scheduleAt \(got "tomorrow"\)/,
    );
  });

  it('checks the copier CPU/memory combination', () => {
    expect(() => readContext((k) => ({ copierCpu: '1024', copierMemoryMiB: '16384' })[k])).toThrow(
      /copierMemoryMiB.*2048-8192 MiB with copierCpu=1024/,
    );
  });

  it('docs/deploy.md documents every context key', () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8');
    for (const key of CONTEXT_KEYS) expect(doc, key).toContain(`| \`${key}\``);
  });
});

describe('copier image build context', () => {
  it('the root .dockerignore holds the same allow-list as the CDK asset', () => {
    const lines = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(lines).toEqual([...COPIER_ASSET_EXCLUDE]);
  });

  it('the Dockerfile copies only what the allow-list lets in and builds /app with scripts/copier-image.ts', () => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, 'fargate-copier', 'Dockerfile'), 'utf8');
    const copied = [...dockerfile.matchAll(/^COPY\s+(?!--from=)(.+?)\s+\S+$/gm)].flatMap((m) =>
      m[1]!.split(/\s+/),
    );
    expect(copied).toEqual([
      'package.json',
      'package-lock.json',
      'scripts/copier-image.ts',
      'core/',
      'fargate-copier/',
    ]);
    // Pinned by version (x.y.z), the Node the repository's tests run on.
    const { devDependencies } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(dockerfile).toContain(`ARG NODE_IMAGE=node:${devDependencies['node']}-bookworm-slim\n`);
    expect(dockerfile).toMatch(/^RUN node scripts\/copier-image\.ts \/app$/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/app \.\/$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "fargate-copier\/main\.ts"\]$/m);
  });
});
