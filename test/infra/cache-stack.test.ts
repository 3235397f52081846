import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';

import { CacheStack } from '../../lib/stacks/cache-stack';
import { NetworkStack } from '../../lib/stacks/network-stack';
import { AWS_STAGES, build, itMatchesSnapshotAndPassesNag, testConfig } from './support';

/** The cache stack with a real network stack and a stand-in for the cluster's security group. */
const synth = (stage: (typeof AWS_STAGES)[number], patch?: Parameters<typeof testConfig>[1]) =>
  build((app) => {
    const config = testConfig(stage, patch);
    const network = new NetworkStack(app, 'Network', { config });
    const clusterStandIn = new Stack(app, 'ClusterStandIn', { env: network.env });
    const clusterSecurityGroup = new ec2.SecurityGroup(clusterStandIn, 'ClusterSg', { vpc: network.vpc });
    return new CacheStack(app, 'Cache', { config, vpc: network.vpc, clusterSecurityGroup });
  });

describe.each(AWS_STAGES)('cache stack, stage %s', (stage) => {
  let built: ReturnType<typeof synth>;
  beforeAll(() => {
    built = synth(stage);
  });

  itMatchesSnapshotAndPassesNag(() => built);

  test('when the cache is created, then TLS in transit is required, data is encrypted at rest and AUTH uses the generated secret', () => {
    const { cache } = testConfig(stage);
    built.template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      Engine: cache.engine,
      EngineVersion: cache.engineVersion,
      CacheNodeType: cache.nodeType,
      NumCacheClusters: 1 + cache.replicasPerShard,
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
      AtRestEncryptionEnabled: true,
      AuthToken: {
        'Fn::Join': [
          '',
          [
            '{{resolve:secretsmanager:',
            { Ref: Match.stringLikeRegexp('^CacheAuthToken') },
            ':SecretString:::}}',
          ],
        ],
      },
    });
    built.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
    });
  });

  test('when replicas are configured, then automatic failover and Multi-AZ follow them', () => {
    const multiAz = testConfig(stage).cache.replicasPerShard > 0;
    built.template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      AutomaticFailoverEnabled: multiAz,
      MultiAZEnabled: multiAz,
    });
  });

  test('when anything connects, then only the cluster security group is admitted, on the cache port', () => {
    built.template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    built.template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 6379,
      ToPort: 6379,
      SourceSecurityGroupId: { 'Fn::ImportValue': Match.stringLikeRegexp('ClusterStandIn') },
    });
    built.template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32' })],
    });
  });

  test('when the nodes are placed, then they use the isolated subnets only', () => {
    const subnetRefs = built.template.findResources('AWS::ElastiCache::SubnetGroup');
    const ids = JSON.stringify(Object.values(subnetRefs)[0].Properties.SubnetIds);
    expect(ids).toMatch(/isolatedSubnet/);
    expect(ids).not.toMatch(/privateSubnet|publicSubnet/);
  });
});

describe('cache stack, bad configuration', () => {
  test('when the engine is unknown, then synth stops naming cache.engine', () => {
    expect(() => synth('dev', (raw) => ((raw.cache as { engine: string }).engine = 'memcached'))).toThrow(
      /cache\.engine/,
    );
  });

  test('when the node type is not an ElastiCache type, then synth stops naming cache.nodeType', () => {
    expect(() => synth('dev', (raw) => ((raw.cache as { nodeType: string }).nodeType = 't4g.micro'))).toThrow(
      /cache\.nodeType/,
    );
  });
});
