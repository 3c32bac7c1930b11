import { ArnFormat, CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { IamStatement } from '../core/domain/plan/iam-policy.ts';
import { Buckets } from './buckets.ts';
import type { InfraContext } from './context.ts';
import { Copier } from './copier.ts';
import { LambdaFunctions } from './functions.ts';
import {
  dataPathStatements,
  freezeCallbackRole,
  journalStatements,
  managedPolicy,
  schedulerRole,
} from './iam.ts';
import { Monitoring } from './monitoring.ts';
import { acknowledge, acknowledgeDataPathWildcards, flattenForNag, REASONS } from './nag.ts';
import { Network } from './network.ts';
import { MigrationSchedule, scheduleInputConfig } from './schedule.ts';
import { Workflow } from './state-machine.ts';

export interface KraftMigrateStackProps extends StackProps {
  readonly ctx: InfraContext;
  /** Where a relative `scheduleInput` path is resolved. Default: the current directory. */
  readonly cwd?: string;
}

/**
 * Everything one migration needs in AWS (SPEC §8): the state machine and its Lambdas, the copier's
 * ECS cluster and task definition, the segments and evidence buckets, least-privilege roles, the
 * freeze-callback and scheduler roles, an optional one-time schedule, a dashboard and alarms.
 */
export class KraftMigrateStack extends Stack {
  readonly buckets: Buckets;
  readonly network: Network;
  readonly functions: LambdaFunctions;
  readonly workflow: Workflow;
  readonly copier: Copier;

  constructor(scope: Construct, id: string, props: KraftMigrateStackProps) {
    super(scope, id, {
      description: `kraft-migrate ${props.ctx.migrationName}: MSK ZooKeeper to KRaft migration workflow`,
      ...props,
    });
    const { ctx } = props;
    Tags.of(this).add('kraft-migrate:migration', ctx.migrationName);

    this.buckets = new Buckets(this, 'Buckets', ctx);
    this.network = new Network(this, 'Network', ctx);

    const dataPath = dataPathStatements(ctx, this.buckets);
    const dataPathPolicy = managedPolicy(
      this,
      'DataPathPolicy',
      'kraft-migrate runner: MSK clusters, segments and evidence buckets, keys and secrets (same statements as `plan --format iam-policy`)',
      dataPath,
    );
    const journalPolicy = managedPolicy(
      this,
      'JournalPolicy',
      'kraft-migrate journal writer: evidence bucket only',
      journalStatements(dataPath),
    );

    this.functions = new LambdaFunctions(this, 'Functions', {
      migrationName: ctx.migrationName,
      network: this.network,
      policies: { all: dataPathPolicy, journal: journalPolicy },
    });
    this.copier = new Copier(this, 'Copier', { ctx, vpc: this.network.vpc, dataPathPolicy });
    this.workflow = new Workflow(this, 'Workflow', {
      migrationName: ctx.migrationName,
      functions: this.functions.byState,
      copier: this.copier,
      subnets: this.network.subnets,
      securityGroups: this.network.securityGroups,
    });
    const stateMachine = this.workflow.stateMachine;

    const freezeRole = freezeCallbackRole(this, ctx, stateMachine);
    // FreezeProducers answers its own task token when the webhook says 200 (frozen now). By name,
    // not by reference: the state machine already depends on the function.
    this.functions.byState.FreezeProducers.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AnswerOwnFreezeToken',
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: [
          Stack.of(this).formatArn({
            service: 'states',
            resource: 'stateMachine',
            resourceName: `kraft-migrate-${ctx.migrationName}`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    const startRole = schedulerRole(this, ctx, stateMachine);
    if (ctx.scheduleAt) {
      new MigrationSchedule(this, 'Schedule', {
        ctx,
        stateMachine,
        role: startRole,
        input: scheduleInputConfig(ctx, props.cwd ?? process.cwd(), process.env),
      });
    }

    new Monitoring(this, 'Monitoring', {
      ctx,
      stateMachine,
      functions: this.functions.byState,
      cluster: this.copier.cluster,
      taskDefinition: this.copier.taskDefinition,
    });

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output(
      'StateMachineArn',
      stateMachine.stateMachineArn,
      'Start executions here (input = the migration config as JSON)',
    );
    output(
      'SegmentsBucket',
      this.buckets.segments.bucketName,
      'storage.segments: s3://<this>/<optional prefix>',
    );
    output(
      'EvidenceBucket',
      this.buckets.evidence.bucketName,
      'storage.evidence: s3://<this>/<optional prefix>',
    );
    output(
      'CopierTaskDefinitionArn',
      this.copier.taskDefinition.taskDefinitionArn,
      'Fargate copier task definition',
    );
    output('ClusterArn', this.copier.cluster.clusterArn, 'ECS cluster of the copier tasks');
    output(
      'FreezeCallbackRoleArn',
      freezeRole.roleArn,
      'Role a producer-freeze system assumes to answer task tokens',
    );
    output('SchedulerRoleArn', startRole.roleArn, 'Role EventBridge Scheduler uses to start executions');
    if (this.network.clientSecurityGroup) {
      output(
        'ClientSecurityGroupId',
        this.network.clientSecurityGroup.securityGroupId,
        'Allow this security group on the MSK brokers (ports 9092-9098)',
      );
    }

    this.acknowledgeNagFindings({ dataPathPolicy, dataPath, journalPolicy });
  }

  /** cdk-nag acknowledgements, each with the reason it is right here (reasons in nag.ts). */
  private acknowledgeNagFindings(p: {
    dataPathPolicy: Construct;
    dataPath: readonly IamStatement[];
    journalPolicy: Construct;
  }): void {
    acknowledgeDataPathWildcards(p.dataPathPolicy, p.dataPath);
    acknowledgeDataPathWildcards(p.journalPolicy, journalStatements(p.dataPath));
    for (const f of Object.values(this.functions.byState)) {
      acknowledge(f.fn, 'AwsSolutions-L1', REASONS.lambdaRuntime);
      acknowledge(
        f.role,
        'AwsSolutions-IAM5[Resource::*]',
        f.spec.inVpc ? `${REASONS.lambdaXray} ${REASONS.lambdaVpc}` : REASONS.lambdaXray,
      );
    }
    const smRole = this.workflow.stateMachine.role;
    acknowledge(smRole, 'AwsSolutions-IAM5[Resource::*]', REASONS.stateMachineLogsAndTracing);
    for (const f of Object.values(this.functions.byState)) {
      acknowledge(
        smRole,
        `AwsSolutions-IAM5[Resource::${flattenForNag(this, f.fn.functionArn)}:*]`,
        REASONS.stateMachineInvokeVersions,
      );
    }
    acknowledge(
      smRole,
      `AwsSolutions-IAM5[Resource::${flattenForNag(this, `arn:${Stack.of(this).partition}:ecs:${Stack.of(this).region}:${Stack.of(this).account}:task/${this.copier.cluster.clusterName}/*`)}]`,
      REASONS.stateMachineStopTail,
    );
    const executionRole = this.copier.taskDefinition.executionRole;
    if (executionRole) acknowledge(executionRole, 'AwsSolutions-IAM5[Resource::*]', REASONS.ecrAuthToken);
    acknowledge(this.copier.taskDefinition, 'AwsSolutions-ECS2', REASONS.copierMetricsName);
  }
}
