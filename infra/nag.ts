import { type IResolvable, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { IamStatement } from '../core/domain/plan/iam-policy.ts';

/**
 * Acknowledgements of cdk-nag AwsSolutions findings (cdk-nag 3: `Validations.of(x).acknowledge`,
 * one per finding id, exact match). Every reason must be true of this stack; a new wildcard that
 * has no reason here stays a finding and fails test/infra/nag.test.ts.
 */

/** The flattened form cdk-nag gives a resource in a finding id (`<Logical.Arn>`, `<AWS::Region>`). */
export function flattenForNag(scope: IConstruct, value: string | IResolvable): string {
  const visit = (node: unknown): string => {
    if (node === undefined) return '';
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
    if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (Array.isArray(o['Fn::Join'])) {
        const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
        return parts.map(visit).join(sep);
      }
      if (o['Fn::Sub'] !== undefined) return visit(o['Fn::Sub']);
      if (Array.isArray(o['Fn::GetAtt'])) {
        const [res, attr] = o['Fn::GetAtt'] as [unknown, unknown];
        return `<${visit(res)}.${visit(attr)}>`;
      }
      if (o['Fn::ImportValue'] !== undefined) return visit(o['Fn::ImportValue']);
      if (o['Ref'] !== undefined) return `<${visit(o['Ref'])}>`;
    }
    return JSON.stringify(node);
  };
  return visit(Stack.of(scope).resolve(value));
}

export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** Why a wildcard resource of the data-path statements is needed, or undefined if it is not understood. */
function dataPathWildcardReason(resource: string): string | undefined {
  if (/:kafka:.+:cluster\/\*\/\*$/.test(resource)) {
    return (
      'No sourceClusterArn/targetClusterArn context was given, so the MSK statements cover the clusters of this ' +
      'account and region (the stack is deployed before an execution names its clusters). Deploy with both ARNs ' +
      'to scope them to exactly those clusters.'
    );
  }
  if (/:kafka:.+:topic\/[^/]+\/[^/]+\/\*$/.test(resource)) {
    return (
      'MSK IAM topic resources: the topics are selected per execution (topics.include/exclude in the config), ' +
      'so the deployed role names no single topic; same statements as `plan --format iam-policy` without a plan.'
    );
  }
  if (/:kafka:.+:group\/[^/]+\/[^/]+\/\*$/.test(resource)) {
    return (
      'MSK IAM consumer-group resources: the groups are selected per execution (groups.include/exclude in the ' +
      'config), so the deployed role names no single group; same statements as `plan --format iam-policy`.'
    );
  }
  if (/:s3:::<[A-Za-z0-9]+>\/\*$/.test(resource)) {
    return (
      "Objects of this stack's own bucket (s3://bucket/prefix/* form): segment, journal and evidence keys are " +
      'created per migration id under a prefix the execution chooses. No other bucket is granted.'
    );
  }
  if (/:secretsmanager:.+:secret:AmazonMSK_\*$/.test(resource)) {
    return (
      'SCRAM auth without a sourceSecretArn/targetSecretArn context: MSK requires SCRAM secrets to be named ' +
      'AmazonMSK_*, so read access is limited to those secrets of this account and region.'
    );
  }
  if (/:kms:.+:key\/\*$/.test(resource)) {
    return (
      'SCRAM auth without a scramSecretKmsKeyArn context: kms:Decrypt on the keys of this account and region, ' +
      'usable only through Secrets Manager (kms:ViaService condition), to read the AmazonMSK_* secrets that MSK ' +
      'requires to be encrypted with a customer managed key.'
    );
  }
  return undefined;
}

/** Acknowledges the IAM5 wildcard findings of a policy built from data-path statements. */
export function acknowledgeDataPathWildcards(policy: IConstruct, statements: readonly IamStatement[]): void {
  const seen = new Set<string>();
  for (const s of statements) {
    for (const r of s.resources) {
      const flat = flattenForNag(policy, r);
      if (!flat.includes('*') || seen.has(flat)) continue;
      seen.add(flat);
      const reason = dataPathWildcardReason(flat);
      if (reason) acknowledge(policy, `AwsSolutions-IAM5[Resource::${flat}]`, reason);
    }
  }
}

export const REASONS = {
  lambdaRuntime:
    'Node.js 22 on purpose: the whole project (engines, the copier image, the local runner and the tests) runs ' +
    'Node 22, and the handlers are the same code in all of them; nodejs22.x is a supported Lambda runtime.',
  lambdaXray:
    'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
  lambdaVpc:
    'VPC access (what AWSLambdaVPCAccessExecutionRole grants): ec2:Describe* do not support resource-level ' +
    'permissions, and Lambda creates and deletes the ENIs of the function in the configured subnets itself.',
  stateMachineLogsAndTracing:
    'Added by CDK for state machine logging and tracing: CloudWatch Logs vended-log delivery actions ' +
    '(logs:*LogDelivery*, PutResourcePolicy, Describe*) and X-Ray actions do not support resource-level permissions.',
  stateMachineInvokeVersions:
    'lambda:InvokeFunction on <function ARN>:* (added by CDK grantInvoke) covers versions and aliases of the ' +
    "workflow's own functions only.",
  stateMachineStopTail:
    'ecs:StopTask for StopTail on the tasks of the copier cluster only: a task id is generated by RunTask, so ' +
    'the tail task to stop cannot be named in advance.',
  copierMetricsName:
    'The environment variables of the task definition are KRAFT_MIGRATE_METRICS_NAME, the migration name ' +
    '(already public in the stack name) used as the dimension of the copier metrics, and NODE_OPTIONS with ' +
    'the heap limit derived from the task memory: not secrets. Everything else reaches the task with the ' +
    'RunTask call.',
  ecrAuthToken:
    'Added by CDK for the ECS execution role: ecr:GetAuthorizationToken does not support resource-level ' +
    'permissions (image pulls themselves are limited to the CDK assets repository).',
} as const;
