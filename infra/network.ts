import { Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { InfraContext } from './context.ts';

/**
 * Where the Lambdas that talk to Kafka and the copier tasks run. They must reach the MSK brokers,
 * so in a real deployment this is the MSK VPC: `vpcId` + `subnetIds` (+ `securityGroupIds`).
 * Those subnets also need a route to the AWS APIs the steps call (S3, MSK, Secrets Manager, KMS,
 * CloudWatch Logs, ECR): a NAT gateway or VPC endpoints.
 *
 * Without `vpcId` the stack creates a small VPC (2 AZs, one NAT gateway, an S3 gateway endpoint,
 * flow logs to CloudWatch): enough to deploy and try the workflow, and to peer with the clusters'
 * VPC — it does not reach existing MSK clusters by itself.
 */
export class Network extends Construct {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
  /** The security group the stack created for its clients (allow it on the brokers' ports). */
  readonly clientSecurityGroup: ec2.SecurityGroup | undefined;

  constructor(scope: Construct, id: string, ctx: InfraContext) {
    super(scope, id);
    if (ctx.vpcId) {
      const subnetIds = ctx.subnetIds ?? [];
      // fromVpcAttributes, not Vpc.fromLookup: synth must work offline and without credentials.
      this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: ctx.vpcId,
        availabilityZones: Stack.of(this).availabilityZones,
      });
      const subnets = subnetIds.map((sid, i) => ec2.Subnet.fromSubnetId(this, `Subnet${i}`, sid));
      for (const subnet of subnets) {
        Validations.of(subnet).acknowledge({
          id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
          reason:
            'The stack adds no routes or endpoints to an existing VPC, so it never reads these route tables.',
        });
      }
      this.subnets = { subnets };
    } else {
      const flowLogs = new logs.LogGroup(this, 'FlowLogs', { retention: logs.RetentionDays.ONE_MONTH });
      const vpc = new ec2.Vpc(this, 'Vpc', {
        maxAzs: 2,
        natGateways: 1,
        subnetConfiguration: [
          { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
          { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        ],
        gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
        flowLogs: {
          all: {
            destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
            trafficType: ec2.FlowLogTrafficType.ALL,
          },
        },
      });
      this.vpc = vpc;
      this.subnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    }

    if (ctx.securityGroupIds && ctx.securityGroupIds.length > 0) {
      this.securityGroups = ctx.securityGroupIds.map((sg, i) =>
        ec2.SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${i}`, sg),
      );
      this.clientSecurityGroup = undefined;
    } else {
      const sg = new ec2.SecurityGroup(this, 'ClientSecurityGroup', {
        vpc: this.vpc,
        description:
          'kraft-migrate clients (Lambdas, copier tasks): no inbound; allow it on the MSK brokers security group',
        allowAllOutbound: true,
      });
      this.securityGroups = [sg];
      this.clientSecurityGroup = sg;
    }
  }
}
