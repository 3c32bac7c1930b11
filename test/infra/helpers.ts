import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/build.ts';
import { REPO_ROOT } from '../../infra/paths.ts';
import type { KraftMigrateStack } from '../../infra/stack.ts';

/** cdk.json's context (the feature flags), so a test synth matches `npx cdk synth`. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

export interface Synth {
  readonly app: App;
  readonly stack: KraftMigrateStack;
  readonly template: Template;
}

/**
 * Builds the app as `cdk synth` does, with extra context. `bundle: false` skips esbuild
 * (`aws:cdk:bundling-stacks: []`): the Lambda code is then a placeholder asset, which is all a
 * test about anything but bundling needs.
 */
export function synth(context: Record<string, unknown> = {}, opts: { bundle?: boolean } = {}): Synth {
  const app = new App({
    outdir: undefined,
    context: {
      ...cdkJsonContext(),
      // as the CLI does: aws:cdk:path metadata on every resource (tests find resources by path)
      'aws:cdk:enable-path-metadata': true,
      ...(opts.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
      ...context,
    },
  });
  const built = buildApp(app);
  return { app, stack: built.stack, template: Template.fromStack(built.stack) };
}

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'eu-west-2',
  'AWS::AccountId': '111122223333',
  'AWS::URLSuffix': 'amazonaws.com',
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * A minimal resolver for the state machine's DefinitionString: Fn::Join of strings, Ref and
 * Fn::GetAtt, with Refs and GetAtts replaced by stable fake values. (The product's resolver for the
 * local runner lives in cli/runner/asl.ts.)
 */
export function resolveDefinition(definitionString: unknown): Record<string, unknown> {
  const fake = (node: Json): string => {
    if (typeof node === 'string') return node;
    if (node && typeof node === 'object' && !Array.isArray(node)) {
      if ('Ref' in node)
        return PSEUDO[String(node['Ref'])] ?? `arn:aws:fake:eu-west-2:111122223333:${String(node['Ref'])}`;
      if ('Fn::GetAtt' in node) {
        const [res, attr] = node['Fn::GetAtt'] as [string, string];
        return `arn:aws:fake:eu-west-2:111122223333:${res}.${attr}`;
      }
      if ('Fn::Join' in node) {
        const [sep, parts] = node['Fn::Join'] as [string, Json[]];
        return parts.map(fake).join(sep);
      }
    }
    throw new Error(`resolveDefinition: unsupported intrinsic ${JSON.stringify(node)}`);
  };
  return JSON.parse(fake(definitionString as Json)) as Record<string, unknown>;
}

export interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: readonly { readonly Next: string; readonly [k: string]: unknown }[];
  readonly Catch?: readonly {
    readonly ErrorEquals: readonly string[];
    readonly Next: string;
    readonly ResultPath?: string;
  }[];
  readonly Retry?: readonly { readonly ErrorEquals: readonly string[]; readonly [k: string]: unknown }[];
  readonly [k: string]: unknown;
}

export function stateMachineDefinition(template: Template): {
  StartAt: string;
  States: Record<string, AslState>;
  [k: string]: unknown;
} {
  const machines = template.findResources('AWS::StepFunctions::StateMachine');
  const [only, ...rest] = Object.values(machines);
  if (!only || rest.length > 0)
    throw new Error(`expected one state machine, found ${Object.keys(machines).length}`);
  const props = (only as { Properties: { DefinitionString: unknown } }).Properties;
  return resolveDefinition(props.DefinitionString) as ReturnType<typeof stateMachineDefinition>;
}

/** Every transition target of a state: Next, Default, Choices[].Next, Catch[].Next. */
export function successors(state: AslState): string[] {
  return [
    ...(state.Next ? [state.Next] : []),
    ...(state.Default ? [state.Default] : []),
    ...(state.Choices ?? []).map((c) => c.Next),
    ...(state.Catch ?? []).map((c) => c.Next),
  ];
}

export const SOURCE_ARN =
  'arn:aws:kafka:eu-west-2:111122223333:cluster/orders-zk/d0efd3c5-5308-48ff-b5a6-5ea8d4b24708-3';
export const TARGET_ARN =
  'arn:aws:kafka:eu-west-2:111122223333:cluster/orders-kraft/efffc490-733e-46c4-9d0b-57418c0a3906-3';
export const KMS_KEY = 'arn:aws:kms:eu-west-2:111122223333:key/7f0c1f9e-2b8e-4a8c-9a55-1d0e6f2b9c11';

/** Every context key but `nag` and `targetSecretArn` (IAM target), as a production deploy into an MSK VPC. */
export const FULL_CONTEXT = {
  migrationName: 'orders',
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
  securityGroupIds: 'sg-0123456789abcdef0',
  sourceClusterArn: SOURCE_ARN,
  targetClusterArn: TARGET_ARN,
  sourceAuthMode: 'scram-sha-512',
  targetAuthMode: 'iam',
  sourceSecretArn: 'arn:aws:secretsmanager:eu-west-2:111122223333:secret:AmazonMSK_orders-AbCdEf',
  scramSecretKmsKeyArn: 'arn:aws:kms:eu-west-2:111122223333:key/1b7d8a4e-8c1e-4f5e-9f3a-2a6c1d9e7b42',
  freezeWebhookSecretArn:
    'arn:aws:secretsmanager:eu-west-2:111122223333:secret:kraft-migrate/freeze-hmac-AbCdEf',
  evidenceSecretArn: 'arn:aws:secretsmanager:eu-west-2:111122223333:secret:kraft-migrate/signing-AbCdEf',
  evidenceSigningKeyArn: 'arn:aws:kms:eu-west-2:111122223333:key/0b7d8a4e-8c1e-4f5e-9f3a-2a6c1d9e7b42',
  kmsKeyArn: KMS_KEY,
  segmentsBucketName: 'orders-migration-segments-111122223333',
  evidenceBucketName: 'orders-migration-evidence-111122223333',
  segmentsExpireDays: '14',
  evidenceRetentionDays: '365',
  evidenceRetentionMode: 'GOVERNANCE',
  copierCpu: '4096',
  copierMemoryMiB: '8192',
  freezeSystemPrincipalArn: 'arn:aws:iam::444455556666:role/producer-freeze',
  alarmTopicArn: 'arn:aws:sns:eu-west-2:111122223333:ops-alerts',
  scheduleAt: '2026-05-02T03:30:00+02:00',
  scheduleInput: JSON.stringify({
    source: {
      cluster_arn: SOURCE_ARN,
      auth: {
        mode: 'scram-sha-512',
        secret_arn: 'arn:aws:secretsmanager:eu-west-2:111122223333:secret:AmazonMSK_orders-AbCdEf',
      },
    },
    target: { cluster_arn: TARGET_ARN, auth: { mode: 'iam' } },
    storage: {
      segments: 's3://orders-migration-segments-111122223333/seeds',
      evidence: 's3://orders-migration-evidence-111122223333',
    },
  }),
};
