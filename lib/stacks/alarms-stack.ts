import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import { StageStack, StageStackProps } from './stage-stack';

export interface AlarmsStackProps extends StageStackProps {
  /** The messages queue (age of its oldest message) and its dead-letter queue (its depth). */
  readonly queues: { readonly messages: sqs.IQueue; readonly deadLetter: sqs.IQueue };
  /** The DynamoDB tables, by the name their alarms carry (`users` → `<app>-<stage>-users-table-throttles`). */
  readonly tables: Readonly<Record<string, dynamodb.ITable>>;
  /** The cache's replication group: one set of alarms per node (`<group id>-001`, `-002`, ...). */
  readonly cacheReplicationGroup: elasticache.CfnReplicationGroup;
  /** The VPC whose NAT gateways are watched (found in its construct tree). */
  readonly vpc: ec2.IVpc;
}

/** The DynamoDB operations the service calls; SystemErrors is published per operation. */
export const TABLE_OPERATIONS = [
  dynamodb.Operation.GET_ITEM,
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.SCAN,
  dynamodb.Operation.TRANSACT_WRITE_ITEMS,
] as const;

const ONE_MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);

/**
 * What CloudWatch sees and the cluster's Prometheus cannot: the dead-letter queue's depth, the age of the
 * oldest message on the messages queue, DynamoDB throttles and system errors of each table, CPU, memory
 * and evictions of each cache node, and port-allocation errors and dropped packets of each NAT gateway.
 * Every alarm notifies the stage's SNS topic (KMS-encrypted, TLS only) when it goes to ALARM and back
 * to OK; the topic's email subscribers come from `config.alarms.emails`. docs/OPERATIONS.md lists the
 * alarms with their thresholds (`config.alarms.thresholds`) and why.
 */
export class AlarmsStack extends StageStack {
  readonly topic: sns.Topic;
  readonly topicKey: kms.Key;
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: AlarmsStackProps) {
    // The stack's concern; the naming union does not list it yet.
    super(scope, id, 'alarms', props);
    const { appName, stage, alarms } = this.config;
    const t = alarms.thresholds;

    // SNS encrypts with this key; CloudWatch needs it to publish (the AWS managed aws/sns key admits no service).
    this.topicKey = new kms.Key(this, 'AlarmTopicKey', {
      description: `${appName} ${stage}: the alarm topic`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      topicName: `${appName}-${stage}-alarms`,
      displayName: `${appName} ${stage} alarms`,
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    // A topic policy replaces SNS's default one: CloudWatch alarms of this account and region may publish.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: {
            'aws:SourceArn': `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:*`,
          },
        },
      }),
    );
    for (const email of alarms.emails) this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    this.action = new SnsAction(this.topic);

    // The dead-letter queue holds messages the worker failed maxReceiveCount times. Missing data keeps the
    // state: SQS stops publishing for a queue nobody touches, while its messages are still there.
    this.alarm('DeadLetterQueueDepth', {
      description: 'Messages on the dead-letter queue: the worker gave up on them (redrive after the fix).',
      metric: props.queues.deadLetter.metricApproximateNumberOfMessagesVisible({
        statistic: cloudwatch.Stats.MAXIMUM,
        period: ONE_MINUTE,
      }),
      threshold: t.deadLetterQueueMessages,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });
    this.alarm('QueueOldestMessageAge', {
      description:
        'The oldest message on the messages queue is older than the threshold: the worker is not consuming.',
      metric: props.queues.messages.metricApproximateAgeOfOldestMessage({
        statistic: cloudwatch.Stats.MAXIMUM,
        period: ONE_MINUTE,
      }),
      threshold: t.queueOldestMessageAgeSeconds,
      evaluationPeriods: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // DynamoDB publishes throttle and error metrics only when they are not zero: no data is no problem.
    for (const [name, table] of Object.entries(props.tables)) {
      const label = pascal(name);
      this.alarm(`${label}TableThrottles`, {
        description: `Read or write throttle events on the ${name} table (on demand: a hot key or the table's limits).`,
        metric: new cloudwatch.MathExpression({
          label: `${name} table throttle events`,
          expression: 'FILL(reads, 0) + FILL(writes, 0)',
          usingMetrics: {
            reads: table.metric('ReadThrottleEvents', { statistic: cloudwatch.Stats.SUM }),
            writes: table.metric('WriteThrottleEvents', { statistic: cloudwatch.Stats.SUM }),
          },
          period: FIVE_MINUTES,
        }),
        threshold: t.tableThrottleEvents,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.alarm(`${label}TableSystemErrors`, {
        description: `DynamoDB system errors (HTTP 500) on the ${name} table: an AWS-side fault, check the AWS Health Dashboard.`,
        metric: table.metricSystemErrorsForOperations({
          operations: [...TABLE_OPERATIONS],
          period: FIVE_MINUTES,
          label: `${name} table system errors`,
        }),
        threshold: t.tableSystemErrors,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    // ElastiCache publishes per node; the nodes of a replication group are `<group id>-001`, `-002`, ...
    const group = props.cacheReplicationGroup;
    const nodes = group.numCacheClusters ?? 1;
    if (Token.isUnresolved(nodes)) throw new Error('AlarmsStack: the cache node count must be a number');
    for (let n = 1; n <= nodes; n++) {
      const node = `${group.ref}-${String(n).padStart(3, '0')}`;
      const cacheMetric = (metricName: string, statistic: string) =>
        new cloudwatch.Metric({
          namespace: 'AWS/ElastiCache',
          metricName,
          dimensionsMap: { CacheClusterId: node },
          statistic,
          period: FIVE_MINUTES,
        });
      const id = `CacheNode${n}`;
      this.alarm(`${id}EngineCpu`, {
        description: `Cache node ${n}: the engine thread is busy above the threshold for 15 minutes (scale the node type up).`,
        metric: cacheMetric('EngineCPUUtilization', cloudwatch.Stats.AVERAGE),
        threshold: t.cacheEngineCpuPercent,
        evaluationPeriods: 3,
      });
      this.alarm(`${id}HostCpu`, {
        description: `Cache node ${n}: the host CPU (TLS, replication, snapshots) is above the threshold for 15 minutes.`,
        metric: cacheMetric('CPUUtilization', cloudwatch.Stats.AVERAGE),
        threshold: t.cacheHostCpuPercent,
        evaluationPeriods: 3,
      });
      this.alarm(`${id}Memory`, {
        description: `Cache node ${n}: memory use (of maxmemory) is above the threshold for 15 minutes; evictions come next.`,
        metric: cacheMetric('DatabaseMemoryUsagePercentage', cloudwatch.Stats.AVERAGE),
        threshold: t.cacheMemoryPercent,
        evaluationPeriods: 3,
      });
      this.alarm(`${id}Evictions`, {
        description: `Cache node ${n}: keys were evicted for lack of memory (counters are lost).`,
        metric: cacheMetric('Evictions', cloudwatch.Stats.SUM),
        threshold: t.cacheEvictions,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    // The VPC's NAT gateways, in the order of their zones.
    const natGateways = props.vpc.node
      .findAll()
      .filter((c): c is ec2.CfnNatGateway => c instanceof ec2.CfnNatGateway);
    natGateways.forEach((gateway, i) => {
      const natMetric = (metricName: string) =>
        new cloudwatch.Metric({
          namespace: 'AWS/NATGateway',
          metricName,
          dimensionsMap: { NatGatewayId: gateway.ref },
          statistic: cloudwatch.Stats.SUM,
          period: FIVE_MINUTES,
        });
      const id = `NatGateway${i + 1}`;
      this.alarm(`${id}PortAllocationErrors`, {
        description: `NAT gateway ${i + 1}: connections failed for lack of source ports (too many to one destination).`,
        metric: natMetric('ErrorPortAllocation'),
        threshold: t.natPortAllocationErrors,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.alarm(`${id}PacketDrops`, {
        description: `NAT gateway ${i + 1}: dropped packets above the threshold share of its traffic for 15 minutes.`,
        metric: new cloudwatch.MathExpression({
          label: `NAT gateway ${i + 1} dropped packets (%)`,
          expression: 'IF(fromSource + fromDestination > 0, 100 * drops / (fromSource + fromDestination), 0)',
          usingMetrics: {
            drops: natMetric('PacketsDropCount'),
            fromSource: natMetric('PacketsInFromSource'),
            fromDestination: natMetric('PacketsInFromDestination'),
          },
          period: FIVE_MINUTES,
        }),
        threshold: t.natPacketDropPercent,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    });
  }

  /** One alarm `<app>-<stage>-<id>` above its threshold, notifying the topic on ALARM and on OK. */
  private alarm(
    id: string,
    props: Omit<cloudwatch.AlarmProps, 'alarmName' | 'alarmDescription'> & { description: string },
  ): cloudwatch.Alarm {
    const { description, ...alarmProps } = props;
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: `${this.config.appName}-${this.config.stage}-${kebab(id)}`,
      alarmDescription: description,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      ...alarmProps,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }
}

/** `users` → `Users` */
function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** `CacheNode1EngineCpu` → `cache-node1-engine-cpu` */
function kebab(id: string): string {
  return id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
