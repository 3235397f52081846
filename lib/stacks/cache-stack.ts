import { CfnOutput, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

import { clusterName } from '../config/naming';
import { ReplicatedCache } from '../constructs/cache';
import { StageStack, StageStackProps } from './stage-stack';

export interface CacheStackProps extends StageStackProps {
  readonly vpc: ec2.IVpc;
  /** The EKS cluster security group (nodes and pods use it): the only source admitted to the cache. */
  readonly clusterSecurityGroup: ec2.ISecurityGroup;
}

/** The service's Redis-compatible cache (see ReplicatedCache) in the VPC's isolated subnets. */
export class CacheStack extends StageStack {
  readonly cache: ReplicatedCache;

  constructor(scope: Construct, id: string, props: CacheStackProps) {
    super(scope, id, 'cache', props);
    const { cache, data } = this.config;

    this.cache = new ReplicatedCache(this, 'Cache', {
      vpc: props.vpc,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      clientSecurityGroup: props.clusterSecurityGroup,
      replicationGroupId: clusterName(this.config),
      engine: cache.engine,
      engineVersion: cache.engineVersion,
      nodeType: cache.nodeType,
      replicasPerShard: cache.replicasPerShard,
      snapshotRetentionDays: cache.snapshotRetentionDays,
      removalPolicy: data.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    new CfnOutput(this, 'CachePrimaryEndpoint', { value: this.cache.primaryEndpointAddress });
    new CfnOutput(this, 'CacheAuthSecretArn', { value: this.cache.authTokenSecret.secretArn });
  }
}
