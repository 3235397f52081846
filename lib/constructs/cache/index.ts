import { Arn, ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

import { skipCheckov } from '../../compliance/checkov';

export type CacheEngine = 'valkey' | 'redis';

export interface ReplicatedCacheProps {
  readonly vpc: ec2.IVpc;
  /** Where the nodes live. @default the VPC's isolated subnets */
  readonly subnets?: ec2.SubnetSelection;
  /** The only security group admitted on the cache port (the EKS cluster's). */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  /** Replication group id: lowercase, starts with a letter, at most 40 characters. */
  readonly replicationGroupId: string;
  /** @default 'valkey' */
  readonly engine?: CacheEngine;
  readonly engineVersion: string;
  readonly nodeType: string;
  /** Replicas of the single shard; above 0 turns on automatic failover and Multi-AZ. @default 0 */
  readonly replicasPerShard?: number;
  /** @default 0 (no automatic snapshots) */
  readonly snapshotRetentionDays?: number;
  /** @default 6379 */
  readonly port?: number;
  /** For the AUTH token secret. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

const DEFAULTS = {
  engine: 'valkey' as CacheEngine,
  replicasPerShard: 0,
  snapshotRetentionDays: 0,
  port: 6379,
  removalPolicy: RemovalPolicy.DESTROY,
};
/** ElastiCache AUTH tokens: 16–128 printable characters without `/`, `"` and `@`; letters and digits are safe. */
const AUTH_TOKEN_LENGTH = 64;

/** What a client of the cache needs: its endpoint, its AUTH token secret and its ARN (for IAM). */
export interface ReplicatedCacheEndpoint {
  readonly primaryEndpointAddress: string;
  readonly primaryEndpointPort: string;
  readonly authTokenSecret: secretsmanager.ISecret;
  readonly replicationGroupArn: string;
}

/**
 * An ElastiCache (Valkey or Redis OSS) replication group with one shard: TLS in transit (required),
 * encryption at rest, an AUTH token generated into Secrets Manager, automatic failover and Multi-AZ
 * when it has replicas, in private subnets behind a security group that admits only the given clients.
 */
export class ReplicatedCache extends Construct implements ReplicatedCacheEndpoint {
  readonly replicationGroup: elasticache.CfnReplicationGroup;
  readonly replicationGroupId: string;
  readonly replicationGroupArn: string;
  readonly authTokenSecret: secretsmanager.Secret;
  readonly securityGroup: ec2.SecurityGroup;
  /** Primary endpoint host name (a token). */
  readonly primaryEndpointAddress: string;
  /** Primary endpoint port (a string token). */
  readonly primaryEndpointPort: string;
  readonly port: number;

  constructor(scope: Construct, id: string, props: ReplicatedCacheProps) {
    super(scope, id);
    const p = {
      ...props,
      engine: props.engine ?? DEFAULTS.engine,
      replicasPerShard: props.replicasPerShard ?? DEFAULTS.replicasPerShard,
      snapshotRetentionDays: props.snapshotRetentionDays ?? DEFAULTS.snapshotRetentionDays,
      port: props.port ?? DEFAULTS.port,
      removalPolicy: props.removalPolicy ?? DEFAULTS.removalPolicy,
    };
    if (!/^[a-z][a-z0-9-]{0,39}$/.test(p.replicationGroupId) || /--|-$/.test(p.replicationGroupId)) {
      throw new Error(
        `ReplicatedCache: replicationGroupId '${p.replicationGroupId}' is not a valid ElastiCache id`,
      );
    }
    const multiAz = p.replicasPerShard > 0;
    this.port = p.port;
    this.replicationGroupId = p.replicationGroupId;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: p.vpc,
      description: `${p.replicationGroupId}: ${p.engine} from the cluster only`,
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(
      p.clientSecurityGroup,
      ec2.Port.tcp(p.port),
      `${p.engine} from the EKS cluster`,
    );

    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'SubnetGroup', {
      description: `${p.replicationGroupId} subnets`,
      subnetIds: p.vpc.selectSubnets(p.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }).subnetIds,
    });

    this.authTokenSecret = new secretsmanager.Secret(this, 'AuthToken', {
      description: `${p.replicationGroupId}: ${p.engine} AUTH token (the whole secret string is the token)`,
      generateSecretString: { passwordLength: AUTH_TOKEN_LENGTH, excludePunctuation: true },
      removalPolicy: p.removalPolicy,
    });
    skipCheckov(
      this.authTokenSecret,
      'AWS::SecretsManager::Secret',
      'Encrypted with the AWS managed key aws/secretsmanager; only the app role of this account may read the ' +
        'token (GetSecretValue on this ARN alone), and a customer-managed key would add a kms:Decrypt grant ' +
        'without narrowing who can read.',
      'CKV_AWS_149',
    );
    Validations.of(this.authTokenSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating an AUTH token needs a rotation function calling ModifyReplicationGroup (AuthTokenUpdateStrategy ROTATE then SET) and clients that re-read the secret; not part of this reference.',
    });

    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupId: p.replicationGroupId,
      replicationGroupDescription: `${p.replicationGroupId} (${p.engine} ${p.engineVersion})`,
      engine: p.engine,
      engineVersion: p.engineVersion,
      cacheNodeType: p.nodeType,
      numCacheClusters: 1 + p.replicasPerShard,
      automaticFailoverEnabled: multiAz,
      multiAzEnabled: multiAz,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      authToken: this.authTokenSecret.secretValue.unsafeUnwrap(),
      port: p.port,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      snapshotRetentionLimit: p.snapshotRetentionDays,
      autoMinorVersionUpgrade: true,
    });

    this.primaryEndpointAddress = this.replicationGroup.attrPrimaryEndPointAddress;
    this.primaryEndpointPort = this.replicationGroup.attrPrimaryEndPointPort;
    this.replicationGroupArn = Arn.format(
      {
        service: 'elasticache',
        resource: 'replicationgroup',
        resourceName: p.replicationGroupId,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      Stack.of(this),
    );

    Validations.of(this.replicationGroup).acknowledge({
      id: 'AwsSolutions-AEC5',
      reason:
        'The default port is kept so every Redis client works unchanged; only the cluster security group may reach it, and TLS plus AUTH are required.',
    });
    if (!multiAz) {
      Validations.of(this.replicationGroup).acknowledge({
        id: 'AwsSolutions-AEC4',
        reason:
          'This stage runs one cache node to save cost (the counter is not critical data); staging and prod configure replicas, which turn on Multi-AZ and automatic failover.',
      });
    }
  }
}
