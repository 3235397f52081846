import { RemovalPolicy, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

import { KARPENTER_DISCOVERY_TAG } from '../addons/karpenter';
import { skipCdkHandlerChecks } from '../compliance/checkov';
import { clusterName } from '../config/naming';
import { encryptedLogGroup } from '../constructs/encrypted-log-group';
import { StageStack, StageStackProps } from './stage-stack';

export type NetworkStackProps = StageStackProps;

/** Subnet sizes: pods take VPC addresses (VPC CNI), so private subnets are large. */
const PUBLIC_CIDR_MASK = 24;
const PRIVATE_CIDR_MASK = 19;
const ISOLATED_CIDR_MASK = 24;

/**
 * The VPC over the stage's zones: public subnets (load balancers, NAT gateways), private subnets with
 * egress (nodes and pods; Karpenter discovers them by tag) and isolated subnets (the cache). S3 and
 * DynamoDB gateway endpoints, the interface endpoints the stage asks for, and flow logs of all traffic (a KMS-encrypted log group).
 */
export class NetworkStack extends StageStack {
  readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, 'network', props);
    const { network, availabilityZones } = this.config;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(network.cidr),
      availabilityZones,
      natGateways: network.natGateways,
      subnetConfiguration: [
        {
          name: 'public',
          subnetType: ec2.SubnetType.PUBLIC,
          cidrMask: PUBLIC_CIDR_MASK,
          mapPublicIpOnLaunch: false,
        },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: PRIVATE_CIDR_MASK },
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: ISOLATED_CIDR_MASK },
      ],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });

    Validations.of(this.vpc).acknowledge({
      id: 'CloudFormation-Validate::W3010',
      reason:
        'The zones are named in the stage configuration on purpose: synth stays offline (no zone lookup) and the deployed subnets are reproducible.',
    });

    // @aws-cdk/aws-ec2:restrictDefaultSecurityGroup: CDK's handler strips the default security group's rules.
    const restrictDefaultSg = this.node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    if (restrictDefaultSg) {
      skipCdkHandlerChecks(restrictDefaultSg, {
        handler: "CDK's restrict-default-security-group handler",
        outsideVpcBecause:
          "calls only the EC2 API (revoking the default security group's rules) through its public endpoint; " +
          'it needs nothing inside the VPC it configures.',
      });
    }

    // Internet-facing ALBs go to public subnets, internal ones to private subnets (AWS Load Balancer Controller).
    for (const subnet of this.vpc.publicSubnets) Tags.of(subnet).add('kubernetes.io/role/elb', '1');
    for (const subnet of this.vpc.privateSubnets) {
      Tags.of(subnet).add('kubernetes.io/role/internal-elb', '1');
      Tags.of(subnet).add(KARPENTER_DISCOVERY_TAG, clusterName(this.config));
    }

    if (network.interfaceEndpoints.length > 0) {
      const endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc: this.vpc,
        description: 'Interface VPC endpoints: HTTPS from inside the VPC',
        allowAllOutbound: false,
      });
      endpointSecurityGroup.addIngressRule(
        ec2.Peer.ipv4(network.cidr),
        ec2.Port.tcp(443),
        'HTTPS from the VPC',
      );
      for (const service of network.interfaceEndpoints) {
        this.vpc.addInterfaceEndpoint(endpointId(service), {
          service: new ec2.InterfaceVpcEndpointAwsService(service),
          subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
          securityGroups: [endpointSecurityGroup],
          privateDnsEnabled: true,
          open: false,
        });
      }
    }

    const flowLogs = encryptedLogGroup(this, 'FlowLogs', {
      retention: retentionDays(network.flowLogRetentionDays),
      removalPolicy: RemovalPolicy.DESTROY,
      description: `VPC flow logs of ${clusterName(this.config)}`,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs.logGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
      maxAggregationInterval: ec2.FlowLogMaxAggregationInterval.ONE_MINUTE,
    });
  }
}

/** `ecr.api` → `EcrApiEndpoint` */
function endpointId(service: string): string {
  return `${service
    .split(/[.-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')}Endpoint`;
}

/** The RetentionDays member for a number of days the schema already checked against CloudWatch's list. */
export function retentionDays(days: number): logs.RetentionDays {
  const match = Object.values(logs.RetentionDays).find((value) => value === days);
  if (match === undefined || typeof match === 'string')
    throw new Error(`network.flowLogRetentionDays: ${days} is not a CloudWatch retention`);
  return match;
}
