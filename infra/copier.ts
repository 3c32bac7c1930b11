import { IgnoreMode } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { InfraContext } from './context.ts';
import { REPO_ROOT } from './paths.ts';

/**
 * The Docker build context is the repository root (the copier imports core/), cut down to what
 * the image needs by an allow-list: everything is excluded, then the few paths the Dockerfile
 * copies are let back in. Keeps node_modules, .git, .cache (Kafka jars), cdk.out and test data out
 * of the asset hash and of the staged copy. The root .dockerignore holds the same list, for a plain
 * `docker build -f fargate-copier/Dockerfile .` (a test keeps the two equal).
 */
export const COPIER_ASSET_EXCLUDE = [
  '*',
  '!package.json',
  '!package-lock.json',
  '!scripts/copier-image.ts',
  '!core/**',
  '!fargate-copier/**',
] as const;

export const COPIER_CONTAINER_NAME = 'copier';

export interface CopierProps {
  readonly ctx: InfraContext;
  readonly vpc: ec2.IVpc;
  /** Data-path permissions from iamStatements (same as the Precheck Lambda's). */
  readonly dataPathPolicy: iam.IManagedPolicy;
}

/**
 * ECS cluster and the Fargate task definition of the copier (seed and tail, SPEC §6.2–6.3).
 *
 * The workflow runs it: Seed (a Map of EcsRunTask .sync over partition shards) and StartTail (one
 * long-running task). Per-run settings (migration id, shard, config) are container overrides of the
 * RunTask call, not environment variables of the task definition.
 */
export class Copier extends Construct {
  readonly cluster: ecs.Cluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: CopierProps) {
    super(scope, id);
    const { ctx } = props;
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      clusterName: `kraft-migrate-${ctx.migrationName}`,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    const taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `kraft-migrate ${ctx.migrationName}: copier task (clusters, buckets)`,
      managedPolicies: [props.dataPathPolicy],
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Copier', {
      family: `kraft-migrate-${ctx.migrationName}-copier`,
      cpu: ctx.copierCpu,
      memoryLimitMiB: ctx.copierMemoryMiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      taskRole,
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
    this.container = this.taskDefinition.addContainer(COPIER_CONTAINER_NAME, {
      containerName: COPIER_CONTAINER_NAME,
      image: ecs.ContainerImage.fromAsset(REPO_ROOT, {
        file: 'fargate-copier/Dockerfile',
        platform: Platform.LINUX_ARM64,
        ignoreMode: IgnoreMode.DOCKER,
        exclude: [...COPIER_ASSET_EXCLUDE],
      }),
      essential: true,
      environment: {
        // The JSON status lines carry the copier's metrics in CloudWatch's embedded metric format.
        KRAFT_MIGRATE_METRICS_NAME: ctx.migrationName,
        // Node sizes its heap from the container's limit (a fraction of it), so a tail over 10,000
        // partitions (heap in use up to ~1 GiB measured, docs/performance.md "Scale") could run out
        // of heap in a task with memory to spare: three quarters of the task's memory, the rest for
        // Buffers, code and the allocator.
        NODE_OPTIONS: `--max-old-space-size=${copierHeapMiB(ctx.copierMemoryMiB)}`,
      },
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'copier', logGroup: this.logGroup }),
    });
  }
}

/**
 * The V8 old-space limit of a seed copier (its task's NODE_OPTIONS override). Its live heap at 4 in
 * flight is ~82 MiB with 10,000 partitions owned (heap snapshot), but uncapped V8 let its RSS reach
 * 415 MiB there (190 MiB owning 1,000); with this cap 265 MiB for ~20 % more copier CPU
 * (`node scripts/measure-seed.ts --partitions 10000 --concurrency 4`, docs/performance.md "Copier memory").
 */
export const SEED_COPIER_HEAP_MIB = 256;

/** The copier's V8 old-space limit for a task of `memoryMiB` (Fargate memory): three quarters of it. */
export function copierHeapMiB(memoryMiB: number): number {
  return Math.floor((memoryMiB * 3) / 4);
}
