import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { COPIER_METRICS } from '../core/domain/metrics.ts';
import type { InfraContext } from './context.ts';
import type { LambdaTask, TaskFunction } from './functions.ts';

export interface MonitoringProps {
  readonly ctx: InfraContext;
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Readonly<Record<LambdaTask, TaskFunction>>;
  readonly cluster: ecs.ICluster;
  readonly taskDefinition: ecs.TaskDefinition;
}

/** Dashboard (executions, Lambdas, copier CPU/memory, lag and throughput) and alarms. */
export class Monitoring extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { ctx, stateMachine } = props;
    const period = Duration.minutes(5);
    const alarmTopic = ctx.alarmTopicArn
      ? sns.Topic.fromTopicArn(this, 'AlarmTopic', ctx.alarmTopicArn)
      : undefined;
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, description: string) => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        alarmName: `kraft-migrate-${ctx.migrationName}-${alarmId}`,
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      if (alarmTopic) a.addAlarmAction(new actions.SnsAction(alarmTopic));
      this.alarms.push(a);
      return a;
    };

    const executionsFailed = alarm(
      'ExecutionsFailed',
      stateMachine.metricFailed({ period, statistic: 'Sum' }),
      'A migration execution failed: open the execution, read MigrationFailed error/cause, run kraft-migrate status.',
    );
    const lambdaAlarms = Object.entries(props.functions).map(([state, f]) =>
      alarm(
        `${state}Errors`,
        f.fn.metricErrors({ period, statistic: 'Sum' }),
        `The ${state} Lambda returned errors (retried ones included); see its log group.`,
      ),
    );

    const copierDims = {
      ClusterName: props.cluster.clusterName,
      TaskDefinitionFamily: props.taskDefinition.family,
    };
    const insights = (metricName: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'ECS/ContainerInsights',
        metricName,
        dimensionsMap: copierDims,
        statistic: 'Average',
        period: Duration.minutes(1),
        label,
      });
    const copierMetric = (metricName: string, statistic: string, label: string) =>
      new cloudwatch.Metric({
        namespace: COPIER_METRICS.namespace,
        metricName,
        dimensionsMap: { [COPIER_METRICS.dimension]: ctx.migrationName },
        statistic,
        period: Duration.minutes(1),
        label,
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `kraft-migrate-${ctx.migrationName}`,
      defaultInterval: Duration.hours(6),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Executions',
        width: 12,
        left: [
          stateMachine.metricStarted({ period, statistic: 'Sum', label: 'started' }),
          stateMachine.metricSucceeded({ period, statistic: 'Sum', label: 'succeeded' }),
          stateMachine.metricFailed({ period, statistic: 'Sum', label: 'failed' }),
          stateMachine.metricTimedOut({ period, statistic: 'Sum', label: 'timed out' }),
          stateMachine.metricAborted({ period, statistic: 'Sum', label: 'aborted' }),
        ],
      }),
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        width: 12,
        alarms: [executionsFailed, ...lambdaAlarms],
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Lambda errors',
        width: 12,
        left: Object.entries(props.functions).map(([state, f]) =>
          f.fn.metricErrors({ period, statistic: 'Sum', label: state }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda duration (p99)',
        width: 12,
        left: Object.entries(props.functions).map(([state, f]) =>
          f.fn.metricDuration({ period, statistic: 'p99', label: state }),
        ),
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Copier CPU (units)',
        width: 12,
        left: [insights('CpuUtilized', 'used'), insights('CpuReserved', 'reserved')],
      }),
      new cloudwatch.GraphWidget({
        title: 'Copier memory (MiB)',
        width: 12,
        left: [insights('MemoryUtilized', 'used'), insights('MemoryReserved', 'reserved')],
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Partition lag (max over partitions, records)',
        width: 12,
        left: [copierMetric(COPIER_METRICS.partitionLagMax, 'Maximum', 'max partition lag')],
      }),
      new cloudwatch.GraphWidget({
        title: 'Seed throughput (bytes/s)',
        width: 12,
        left: [copierMetric(COPIER_METRICS.seedBytesPerSecond, 'Average', 'seed bytes/s')],
      }),
    );
  }
}
