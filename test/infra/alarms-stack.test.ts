/**
 * The alarms stack: what each CloudWatch alarm watches (metric, statistic, dimensions that point at the
 * other stacks' resources), its threshold (the default, and a stage's override), that it notifies the
 * stage's topic on ALARM and on OK, and that the topic is KMS-encrypted, TLS-only and publishable by
 * CloudWatch alone, with the configured email subscribers. Built with real data, network and cache
 * stacks (a stand-in for the cluster's security group), like the composed stage.
 */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';

import { composeStage } from '../../lib/app';
import { ALARM_THRESHOLD_DEFAULTS } from '../../lib/config/schema';
import { AlarmsStack, TABLE_OPERATIONS } from '../../lib/stacks/alarms-stack';
import { CacheStack } from '../../lib/stacks/cache-stack';
import { DataStack } from '../../lib/stacks/data-stack';
import { NetworkStack } from '../../lib/stacks/network-stack';
import { AWS_STAGES, build, itMatchesSnapshotAndPassesNag, testApp, testConfig } from './support';

type Stage = (typeof AWS_STAGES)[number];

const synth = (stage: Stage, patch?: Parameters<typeof testConfig>[1]) =>
  build((app) => {
    const config = testConfig(stage, patch);
    const data = new DataStack(app, 'Data', { config });
    const network = new NetworkStack(app, 'Network', { config });
    const clusterStandIn = new Stack(app, 'ClusterStandIn', { env: network.env });
    const clusterSecurityGroup = new ec2.SecurityGroup(clusterStandIn, 'ClusterSg', { vpc: network.vpc });
    const cache = new CacheStack(app, 'Cache', { config, vpc: network.vpc, clusterSecurityGroup });
    return new AlarmsStack(app, 'Alarms', {
      config,
      queues: { messages: data.messagesQueue, deadLetter: data.messagesDeadLetterQueue },
      tables: { users: data.usersTable, messages: data.messagesTable },
      cacheReplicationGroup: cache.cache.replicationGroup,
      vpc: network.vpc,
    });
  });

type Resource = { Properties: Record<string, unknown> };

/** The alarm named `<app>-<stage>-<suffix>`. */
function alarm(template: Template, suffix: string): Record<string, unknown> {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
  const found = alarms.filter((a) => String(a.Properties.AlarmName).endsWith(`-${suffix}`));
  expect(found).toHaveLength(1);
  return found[0].Properties;
}

/** `{"Fn::ImportValue": "...<part>..."}`: a reference to another stack's resource. */
const importOf = (part: string) => ({ 'Fn::ImportValue': expect.stringMatching(part) });

/** The topic's `Ref` as the only ALARM and OK action. */
function expectNotifiesTopic(template: Template, props: Record<string, unknown>): void {
  const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
  expect(props.AlarmActions).toEqual([{ Ref: topicId }]);
  expect(props.OKActions).toEqual([{ Ref: topicId }]);
  expect(props.ActionsEnabled ?? true).toBe(true);
}

describe.each(AWS_STAGES)('alarms stack, stage %s', (stage) => {
  let built: ReturnType<typeof synth>;
  let template: Template;
  const config = testConfig(stage);
  const nodes = 1 + config.cache.replicasPerShard;
  const natGateways = config.network.natGateways;

  beforeAll(() => {
    built = synth(stage);
    template = built.template;
  });

  itMatchesSnapshotAndPassesNag(() => built);

  test('when synthesized, then every watched resource has its alarms and each notifies the topic on ALARM and on OK', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
    // 2 queue alarms, 2 per table, 4 per cache node, 2 per NAT gateway.
    expect(alarms).toHaveLength(2 + 2 * 2 + 4 * nodes + 2 * natGateways);
    for (const a of alarms) {
      expect(String(a.Properties.AlarmName)).toMatch(new RegExp(`^${config.appName}-${stage}-[a-z0-9-]+$`));
      expectNotifiesTopic(template, a.Properties);
    }
  });

  test('when a message lands on the dead-letter queue, then the alarm fires on the first minute above 0', () => {
    const props = alarm(template, 'dead-letter-queue-depth');
    expect(props).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: ALARM_THRESHOLD_DEFAULTS.deadLetterQueueMessages,
      TreatMissingData: 'ignore',
    });
    expect(props.Dimensions).toEqual([{ Name: 'QueueName', Value: importOf('MessagesDlq') }]);
  });

  test('when the oldest message on the messages queue stays older than 5 minutes for 5 minutes, then the alarm fires', () => {
    const props = alarm(template, 'queue-oldest-message-age');
    expect(props).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 300,
    });
    expect(JSON.stringify(props.Dimensions)).toMatch(/MessagesQueue/);
    expect(JSON.stringify(props.Dimensions)).not.toMatch(/MessagesDlq/);
  });

  test.each(['users', 'messages'])(
    'when the %s table throttles or fails, then its alarms sum read and write throttles and the system errors of the operations the service calls',
    (table) => {
      const throttles = alarm(template, `${table}-table-throttles`);
      expect(throttles).toMatchObject({
        Threshold: 0,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
      const metrics = throttles.Metrics as { Id: string; Expression?: string; MetricStat?: unknown }[];
      expect(metrics.find((m) => m.Expression)?.Expression).toBe('FILL(reads, 0) + FILL(writes, 0)');
      const stats = metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat);
      const tableImport = importOf(`${table === 'users' ? 'Users' : 'Messages'}Table`);
      expect(stats).toEqual(
        ['ReadThrottleEvents', 'WriteThrottleEvents'].map((name) => ({
          Metric: {
            Namespace: 'AWS/DynamoDB',
            MetricName: name,
            Dimensions: [{ Name: 'TableName', Value: tableImport }],
          },
          Period: 300,
          Stat: 'Sum',
        })),
      );

      const errors = alarm(template, `${table}-table-system-errors`);
      const errorStats = (errors.Metrics as { MetricStat?: { Metric: { Dimensions: unknown[] } } }[])
        .filter((m) => m.MetricStat)
        .map((m) => m.MetricStat!.Metric);
      expect(errorStats).toHaveLength(TABLE_OPERATIONS.length);
      for (const operation of TABLE_OPERATIONS) {
        expect(errorStats).toContainEqual({
          Namespace: 'AWS/DynamoDB',
          MetricName: 'SystemErrors',
          Dimensions: expect.arrayContaining([
            { Name: 'Operation', Value: operation },
            { Name: 'TableName', Value: tableImport },
          ]),
        });
      }
      expect(errors.Threshold).toBe(0);
    },
  );

  test('when a cache node is busy, short of memory or evicting, then that node alarms (each node of the replication group)', () => {
    const cases = [
      ['engine-cpu', 'EngineCPUUtilization', 'Average', 90, 3],
      ['host-cpu', 'CPUUtilization', 'Average', 90, 3],
      ['memory', 'DatabaseMemoryUsagePercentage', 'Average', 80, 3],
      ['evictions', 'Evictions', 'Sum', 0, 1],
    ] as const;
    for (let n = 1; n <= nodes; n++) {
      for (const [suffix, metricName, statistic, threshold, periods] of cases) {
        const props = alarm(template, `cache-node${n}-${suffix}`);
        expect(props).toMatchObject({
          Namespace: 'AWS/ElastiCache',
          MetricName: metricName,
          Statistic: statistic,
          Period: 300,
          Threshold: threshold,
          EvaluationPeriods: periods,
        });
        // CacheClusterId = <replication group id>-00n, the group id imported from the cache stack.
        expect(props.Dimensions).toEqual([
          {
            Name: 'CacheClusterId',
            Value: { 'Fn::Join': ['', [importOf('CacheReplicationGroup'), `-00${n}`]] },
          },
        ]);
      }
    }
    expect(() => alarm(template, `cache-node${nodes + 1}-memory`)).toThrow();
  });

  test('when a NAT gateway runs out of ports or drops packets, then that gateway alarms (each gateway of the VPC)', () => {
    for (let n = 1; n <= natGateways; n++) {
      const ports = alarm(template, `nat-gateway${n}-port-allocation-errors`);
      expect(ports).toMatchObject({
        Namespace: 'AWS/NATGateway',
        MetricName: 'ErrorPortAllocation',
        Statistic: 'Sum',
        Threshold: 0,
      });
      expect(ports.Dimensions).toEqual([{ Name: 'NatGatewayId', Value: importOf('NATGateway') }]);

      const drops = alarm(template, `nat-gateway${n}-packet-drops`);
      expect(drops).toMatchObject({ Threshold: 0.01, EvaluationPeriods: 3 });
      const metrics = drops.Metrics as {
        Expression?: string;
        MetricStat?: { Metric: { MetricName: string } };
      }[];
      expect(metrics.find((m) => m.Expression)?.Expression).toMatch(/100 \* drops/);
      expect(metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat!.Metric.MetricName)).toEqual([
        'PacketsDropCount',
        'PacketsInFromSource',
        'PacketsInFromDestination',
      ]);
    }
    const gatewayIds = new Set(
      (Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[])
        .filter((a) => a.Properties.MetricName === 'ErrorPortAllocation')
        .map((a) => JSON.stringify(a.Properties.Dimensions)),
    );
    expect(gatewayIds.size).toBe(natGateways);
  });

  test('when the topic is created, then it is encrypted with its own rotated key that CloudWatch may use, TLS only, and CloudWatch of this account alone may publish', () => {
    const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0];
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: `${config.appName}-${stage}-alarms`,
      KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              StringEquals: { 'aws:SourceAccount': '123456789012' },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:eu-west-1:123456789012:alarm:*'],
                  ],
                },
              },
            },
          }),
        ]),
      },
    });
  });

  test('when the stage lists email addresses, then each is subscribed to the topic', () => {
    const subs = Object.values(template.findResources('AWS::SNS::Subscription')) as Resource[];
    expect(subs.map((s) => s.Properties.Endpoint).sort()).toEqual([...config.alarms.emails].sort());
    expect(config.alarms.emails.length).toBeGreaterThan(0);
    for (const s of subs) expect(s.Properties.Protocol).toBe('email');
  });
});

describe('alarms stack, configuration', () => {
  test('when a stage overrides thresholds, then those alarms use them and the others keep the defaults', () => {
    const { template } = synth('dev', (raw) => {
      raw.alarms = { emails: [], thresholds: { queueOldestMessageAgeSeconds: 900, cacheMemoryPercent: 70 } };
    });
    expect(alarm(template, 'queue-oldest-message-age').Threshold).toBe(900);
    expect(alarm(template, 'cache-node1-memory').Threshold).toBe(70);
    expect(alarm(template, 'cache-node1-engine-cpu').Threshold).toBe(
      ALARM_THRESHOLD_DEFAULTS.cacheEngineCpuPercent,
    );
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  test('when an email address or a threshold key is wrong, then the stage does not load and the key is named', () => {
    expect(() => testConfig('dev', (raw) => (raw.alarms = { emails: ['not-an-address'] }))).toThrow(
      /alarms\.emails\.0/,
    );
    expect(() => testConfig('dev', (raw) => (raw.alarms = { thresholds: { dlqDepth: 1 } }))).toThrow(
      /alarms\.thresholds/,
    );
    expect(() =>
      testConfig('dev', (raw) => (raw.alarms = { thresholds: { cacheMemoryPercent: 150 } })),
    ).toThrow(/alarms\.thresholds\.cacheMemoryPercent/);
  });

  test('when the local stage is composed, then it has no alarms stack (the emulator has no CloudWatch)', () => {
    const app = testApp();
    composeStage(app, testConfig('local'));
    expect(app.node.children.filter((c) => c instanceof AlarmsStack)).toEqual([]);
  });
});
