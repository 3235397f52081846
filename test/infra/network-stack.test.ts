import { Match, Template } from 'aws-cdk-lib/assertions';

import { NetworkStack } from '../../lib/stacks/network-stack';
import { AWS_STAGES, TEST_AZS, build, itMatchesSnapshotAndPassesNag, testConfig } from './support';

const synth = (stage: (typeof AWS_STAGES)[number], patch?: Parameters<typeof testConfig>[1]) =>
  build((app) => new NetworkStack(app, 'Network', { config: testConfig(stage, patch) }));

describe.each(AWS_STAGES)('network stack, stage %s', (stage) => {
  let built: ReturnType<typeof synth>;
  beforeAll(() => {
    built = synth(stage);
  });

  itMatchesSnapshotAndPassesNag(() => built);

  test('when synthesized, then public, private and isolated subnets exist in every configured zone', () => {
    const config = testConfig(stage);
    const subnets = built.template.findResources('AWS::EC2::Subnet');
    expect(Object.keys(subnets)).toHaveLength(3 * config.availabilityZones.length);
    const zones = new Set(Object.values(subnets).map((s) => s.Properties.AvailabilityZone));
    expect([...zones].sort()).toEqual(TEST_AZS.slice(0, config.availabilityZones.length));
    built.template.resourceCountIs('AWS::EC2::NatGateway', config.network.natGateways);
    built.template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: config.network.cidr });
  });
});

describe('network stack subnet tags and endpoints (prod)', () => {
  let template: Template;
  beforeAll(() => {
    template = synth('prod').template;
  });

  const subnetsWithTag = (key: string, value: string) =>
    Object.values(template.findResources('AWS::EC2::Subnet')).filter((s) =>
      (s.Properties.Tags as { Key: string; Value: string }[]).some((t) => t.Key === key && t.Value === value),
    );
  const subnetsOfType = (type: string) => subnetsWithTag('aws-cdk:subnet-type', type);

  test('when the ALB controller looks for subnets, then public ones carry kubernetes.io/role/elb and private ones internal-elb', () => {
    expect(subnetsWithTag('kubernetes.io/role/elb', '1')).toEqual(subnetsOfType('Public'));
    expect(subnetsWithTag('kubernetes.io/role/internal-elb', '1')).toEqual(subnetsOfType('Private'));
    expect(subnetsOfType('Public')).toHaveLength(3);
  });

  test('when Karpenter discovers subnets, then exactly the private subnets carry the cluster name', () => {
    expect(subnetsWithTag('karpenter.sh/discovery', 'eksref-prod')).toEqual(subnetsOfType('Private'));
    expect(subnetsOfType('Isolated')).toHaveLength(3);
  });

  test('when the stage asks for endpoints, then S3 and DynamoDB are gateway endpoints and the rest interface endpoints with private DNS', () => {
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((e) => e.Properties);
    const gateways = endpoints.filter((e) => e.VpcEndpointType === 'Gateway');
    expect(gateways.map((e) => JSON.stringify(e.ServiceName)).sort()).toEqual([
      expect.stringContaining('.dynamodb'),
      expect.stringContaining('.s3'),
    ]);
    const interfaces = endpoints.filter((e) => e.VpcEndpointType === 'Interface');
    expect(interfaces.map((e) => e.ServiceName).sort()).toEqual(
      testConfig('prod')
        .network.interfaceEndpoints.map((s) => `com.amazonaws.eu-west-1.${s}`)
        .sort(),
    );
    for (const e of interfaces) expect(e.PrivateDnsEnabled).toBe(true);
  });

  test('when traffic flows, then every packet is logged to CloudWatch with the configured retention', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('when flow logs are stored, then their log group is encrypted with a rotating key only CloudWatch Logs of this account and region may use', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FlowLogsKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
            Condition: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': {
                  'Fn::Join': [
                    '',
                    ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:123456789012:log-group:*'],
                  ],
                },
              },
            },
          }),
        ]),
      },
    });
  });

  test('when an endpoint is reached, then only HTTPS from the VPC CIDR is admitted', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '10.30.0.0/16', FromPort: 443, ToPort: 443 })],
    });
  });
});

describe('network stack, dev shape', () => {
  test('when dev is synthesized, then one NAT gateway serves two zones', () => {
    const { template } = synth('dev');
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourceCountIs('AWS::EC2::Subnet', 6);
  });
});

describe('network stack, bad configuration', () => {
  test('when natGateways exceeds the zones, then synth stops naming network.natGateways', () => {
    expect(() => synth('dev', (raw) => ((raw.network as { natGateways: number }).natGateways = 3))).toThrow(
      /network\.natGateways/,
    );
  });

  test('when the flow log retention is not a CloudWatch period, then synth stops naming the key', () => {
    expect(() =>
      synth('dev', (raw) => ((raw.network as { flowLogRetentionDays: number }).flowLogRetentionDays = 10)),
    ).toThrow(/network\.flowLogRetentionDays/);
  });

  test('when the CIDR is malformed, then synth stops naming network.cidr', () => {
    expect(() => synth('dev', (raw) => ((raw.network as { cidr: string }).cidr = '10.0.0.0/8'))).toThrow(
      /network\.cidr/,
    );
  });
});
