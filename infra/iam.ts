import { Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { configSchema, type MigrationConfig } from '../core/domain/config/schema.ts';
import { type IamStatement, iamStatements } from '../core/domain/plan/iam-policy.ts';
import type { InfraContext } from './context.ts';

/**
 * The data-path permissions of the deployed runner (Lambdas that touch clusters or buckets, and
 * the copier task), built from the same `iamStatements` that `plan --format iam-policy` prints, so
 * the two cannot drift. The stack knows no migration config, so it builds a config-like document
 * from context:
 *
 * - clusters: `sourceClusterArn` / `targetClusterArn` scope the MSK statements to those clusters.
 *   Without them the cluster name and UUID are `*` (any MSK cluster of this account and region,
 *   and its topics and groups): the stack is deployed before anyone knows which clusters an
 *   execution will name. Give the ARNs for production.
 * - auth: `sourceAuthMode` / `targetAuthMode` (default `iam`) decide whether the kafka-cluster
 *   (MSK IAM) statements are included. SCRAM without a `*SecretArn` grants the `AmazonMSK_*`
 *   secrets of this account and region (MSK requires that name prefix for SCRAM secrets).
 * - buckets: always this stack's segments and evidence buckets, whole bucket (an execution may
 *   choose any prefix inside them). Object Lock actions are always granted: the evidence bucket
 *   has Object Lock, so any execution may set `evidence.retention`.
 * - SCRAM secrets are encrypted with a customer managed key (MSK requires it): kms:Decrypt on
 *   `scramSecretKmsKeyArn`, else on the keys of this account and region, only via Secrets Manager.
 * - topics and groups: wildcards (the variant without a plan): the selection is made per execution.
 */
export function dataPathStatements(
  ctx: InfraContext,
  buckets: { segments: s3.IBucket; evidence: s3.IBucket },
): IamStatement[] {
  const config = syntheticConfig(ctx, buckets);
  const statements = iamStatements(
    config,
    undefined,
    { account: Aws.ACCOUNT_ID, region: Aws.REGION, partition: Aws.PARTITION },
    'concrete',
  );
  const out: IamStatement[] = statements.map((s) => ({
    ...s,
    sid: s.sid.replace(/PlaceholderNoClusterArn$/, 'AnyCluster'),
    resources: s.resources.map((r) => r.replace(/\$\{(Source|Target)Cluster(Name|Uuid)\}/g, '*')),
  }));
  if ([ctx.sourceAuthMode, ctx.targetAuthMode].some((m) => m.startsWith('scram'))) {
    // What `plan --format iam-policy` leaves to a note: MSK SCRAM secrets must be encrypted with a
    // customer managed key, and reading the secret needs kms:Decrypt on it (only via Secrets Manager).
    out.push({
      sid: 'KmsDecryptScramSecrets',
      actions: ['kms:Decrypt'],
      resources: [
        ctx.scramSecretKmsKeyArn ?? `arn:${Aws.PARTITION}:kms:${Aws.REGION}:${Aws.ACCOUNT_ID}:key/*`,
      ],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.${Aws.URL_SUFFIX}` } },
    });
  }
  return out;
}

/** The statements a journal writer needs: the evidence bucket (and the storage KMS key). */
export function journalStatements(all: readonly IamStatement[]): IamStatement[] {
  return all.filter((s) => s.sid.startsWith('S3Evidence') || s.sid === 'KmsStorageEncryption');
}

const PLACEHOLDER_SECRET = 'arn:aws:secretsmanager:placeholder';

function syntheticConfig(
  ctx: InfraContext,
  buckets: { segments: s3.IBucket; evidence: s3.IBucket },
): MigrationConfig {
  const cluster = (
    arn: string | undefined,
    mode: InfraContext['sourceAuthMode'],
    secret: string | undefined,
  ) => ({
    ...(arn ? { cluster_arn: arn } : { bootstrap_servers: ['msk-broker.placeholder:9098'] }),
    auth: {
      mode,
      ...(mode.startsWith('scram') ? { secret_arn: secret ?? PLACEHOLDER_SECRET } : {}),
      ...(mode === 'tls' ? { client_cert_path: 'client.pem', client_key_path: 'client.key' } : {}),
    },
  });
  // Validated with placeholder bucket names: configSchema rejects CDK tokens, which are put in
  // below (parseS3Url lets them through on purpose).
  const parsed = configSchema.parse({
    source: cluster(ctx.sourceClusterArn, ctx.sourceAuthMode, ctx.sourceSecretArn),
    target: cluster(ctx.targetClusterArn, ctx.targetAuthMode, ctx.targetSecretArn),
    storage: {
      segments: 's3://segments-placeholder',
      evidence: 's3://evidence-placeholder',
      ...(ctx.kmsKeyArn ? { kms_key_arn: ctx.kmsKeyArn } : {}),
    },
    cutover: ctx.freezeWebhookSecretArn
      ? { producer_freeze_webhook_secret_arn: ctx.freezeWebhookSecretArn }
      : {},
    evidence: {
      retention: '1d',
      ...(ctx.evidenceSigningKeyArn ? { kms_key_arn: ctx.evidenceSigningKeyArn } : {}),
      ...(ctx.evidenceSecretArn ? { secret_arn: ctx.evidenceSecretArn } : {}),
    },
  });
  const mskScramSecrets = `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:AmazonMSK_*`;
  const secret = (s: string | undefined) => (s === PLACEHOLDER_SECRET ? mskScramSecrets : s);
  return {
    ...parsed,
    source: {
      ...parsed.source,
      auth: { ...parsed.source.auth, secret_arn: secret(parsed.source.auth.secret_arn) },
    },
    target: {
      ...parsed.target,
      auth: { ...parsed.target.auth, secret_arn: secret(parsed.target.auth.secret_arn) },
    },
    storage: {
      ...parsed.storage,
      segments: `s3://${buckets.segments.bucketName}`,
      evidence: `s3://${buckets.evidence.bucketName}`,
    },
  };
}

function toPolicyStatement(s: IamStatement): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: s.sid,
    effect: iam.Effect.ALLOW,
    actions: [...s.actions],
    resources: [...s.resources],
    ...(s.conditions ? { conditions: s.conditions as Record<string, unknown> } : {}),
  });
}

export function managedPolicy(
  scope: Construct,
  id: string,
  description: string,
  statements: readonly IamStatement[],
): iam.ManagedPolicy {
  return new iam.ManagedPolicy(scope, id, { description, statements: statements.map(toPolicyStatement) });
}

/**
 * The role a producer-freeze system assumes to answer the freeze request's task token
 * (SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat on this state machine, nothing else).
 */
export function freezeCallbackRole(
  scope: Construct,
  ctx: InfraContext,
  stateMachine: sfn.IStateMachine,
): iam.Role {
  const principal = ctx.freezeSystemPrincipalArn
    ? new iam.ArnPrincipal(ctx.freezeSystemPrincipalArn)
    : new iam.AccountRootPrincipal();
  const role = new iam.Role(scope, 'FreezeCallbackRole', {
    assumedBy: principal,
    description: `kraft-migrate ${ctx.migrationName}: answer producer-freeze task tokens of the migration state machine`,
  });
  stateMachine.grantTaskResponse(role);
  return role;
}

/** The role EventBridge Scheduler uses to start executions (the stack's schedule and `kraft-migrate schedule`). */
export function schedulerRole(
  scope: Construct,
  ctx: InfraContext,
  stateMachine: sfn.IStateMachine,
): iam.Role {
  const role = new iam.Role(scope, 'SchedulerRole', {
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
    description: `kraft-migrate ${ctx.migrationName}: EventBridge Scheduler starts migration executions`,
  });
  stateMachine.grantStartExecution(role);
  return role;
}
