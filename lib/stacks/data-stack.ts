/*
 * Data model (the service relies on these names; docs/DATA-MODEL.md is the full contract):
 *
 *   users table    (env USERS_TABLE, output UsersTableName)
 *     partition key `pk` (S), no sort key, no index. Items:
 *       USER#<uuid>                  id, name, email, avatar_key, avatar_content_type, created_at
 *       EMAIL#<lowercased email>     user_id
 *     a user and its email reservation are written (and deleted) in one transaction.
 *   messages table (env MESSAGES_TABLE, output MessagesTableName)
 *     partition key `id` (S) = the SQS MessageId; attributes content, received_at.
 *   messages queue (env MESSAGES_QUEUE_URL, outputs MessagesQueueUrl, MessagesDlqUrl)
 *     visibility timeout 30 s, dead-letter queue after maxReceiveCount 5.
 *   avatars bucket (env AVATARS_BUCKET, output AvatarsBucketName): private, keys under `avatars/`.
 *   app secret     (output AppSecretArn): JSON {"SECRET_KEY": "<generated>"}.
 */
import { CfnOutput, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import { skipCdkHandlerChecks, skipCheckov } from '../compliance/checkov';
import { StageStack, StageStackProps } from './stage-stack';

export type DataStackProps = StageStackProps;

export const USERS_PARTITION_KEY = 'pk';
export const MESSAGES_PARTITION_KEY = 'id';
/** The only key prefix of the avatars bucket the app may touch. */
export const AVATARS_PREFIX = 'avatars/';
export const QUEUE_VISIBILITY_TIMEOUT = Duration.seconds(30);
export const QUEUE_MAX_RECEIVE_COUNT = 5;
const DLQ_RETENTION = Duration.days(14);
const ACCESS_LOG_RETENTION = Duration.days(90);
const ACCESS_LOG_NONCURRENT_DAYS = 1;

/**
 * The service's state: DynamoDB users and messages tables, the private avatars bucket (with its access
 * log bucket), the messages queue and its dead-letter queue, and the app's secret. The `local` stage
 * deploys this same class to the emulator, so nothing here may need a Lambda-backed custom resource there.
 */
export class DataStack extends StageStack {
  readonly usersTable: dynamodb.Table;
  readonly messagesTable: dynamodb.Table;
  readonly avatarsBucket: s3.Bucket;
  readonly messagesQueue: sqs.Queue;
  readonly messagesDeadLetterQueue: sqs.Queue;
  readonly appSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, 'data', props);
    const { data, stage } = this.config;
    const removalPolicy = data.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    // On the emulator there is no Lambda, so no custom resource that empties buckets on delete.
    const onEmulator = stage === 'local';

    const tableProps = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: data.pointInTimeRecovery },
      deletionProtection: data.deletionProtection,
      removalPolicy,
    };
    this.usersTable = new dynamodb.Table(this, 'UsersTable', {
      ...tableProps,
      partitionKey: { name: USERS_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
    });
    this.messagesTable = new dynamodb.Table(this, 'MessagesTable', {
      ...tableProps,
      partitionKey: { name: MESSAGES_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
    });
    skipCheckov(
      this,
      'AWS::DynamoDB::Table',
      'Encrypted at rest with the AWS managed key aws/dynamodb (SSE type KMS, key use in CloudTrail); only ' +
        "this account's app role reads the tables, so a customer-managed key would add a key policy to keep " +
        'in step without narrowing who can read.',
      'CKV_AWS_119',
    );
    if (!data.pointInTimeRecovery) {
      for (const table of [this.usersTable, this.messagesTable]) {
        Validations.of(table).acknowledge({
          id: 'AwsSolutions-DDB3',
          reason: `Stage ${stage} turns point-in-time recovery off in its configuration: its data is disposable (the emulator or a scratch stage).`,
        });
        skipCheckov(
          table,
          'AWS::DynamoDB::Table',
          `Stage ${stage} turns point-in-time recovery off in its configuration: its data is disposable (the emulator or a scratch stage).`,
          'CKV_AWS_28',
        );
      }
    }

    const bucketProps = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY && !onEmulator,
    };
    // Versioned, so that a deleted or overwritten log survives a day as a noncurrent version.
    const accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      ...bucketProps,
      versioned: true,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: ACCESS_LOG_RETENTION,
          noncurrentVersionExpiration: Duration.days(ACCESS_LOG_NONCURRENT_DAYS),
        },
      ],
    });
    skipCheckov(
      accessLogsBucket,
      'AWS::S3::Bucket',
      'This bucket is the destination of the avatars bucket access logs; logging it into itself would loop.',
      'CKV_AWS_18',
    );
    Validations.of(accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket is the destination of the avatars bucket access logs; logging it into itself would loop.',
    });
    this.avatarsBucket = new s3.Bucket(this, 'AvatarsBucket', {
      ...bucketProps,
      versioned: true,
      serverAccessLogsBucket: accessLogsBucket,
      serverAccessLogsPrefix: 'avatars-bucket/',
      lifecycleRules: [
        {
          id: 'expire-noncurrent-avatars',
          noncurrentVersionExpiration: Duration.days(data.noncurrentVersionExpirationDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    // autoDeleteObjects: CDK's handler empties the buckets when CloudFormation deletes them.
    const autoDelete = this.node.tryFindChild('Custom::S3AutoDeleteObjectsCustomResourceProvider');
    if (autoDelete) {
      skipCdkHandlerChecks(autoDelete, {
        handler: "CDK's S3 auto-delete-objects handler",
        outsideVpcBecause:
          'calls only the S3 API of these buckets, through its public endpoint; in the VPC it would need a NAT ' +
          'path or endpoint for nothing gained.',
      });
    }

    // SSE-KMS with the AWS managed key aws/sqs: key use is in CloudTrail, and neither the app role nor
    // the redrive needs a key grant (its key policy admits SQS callers of this account).
    this.messagesDeadLetterQueue = new sqs.Queue(this, 'MessagesDlq', {
      encryption: sqs.QueueEncryption.KMS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DLQ_RETENTION,
      removalPolicy,
    });
    Validations.of(this.messagesDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the messages queue; a DLQ of a DLQ would only move the problem.',
    });
    this.messagesQueue = new sqs.Queue(this, 'MessagesQueue', {
      encryption: sqs.QueueEncryption.KMS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: QUEUE_VISIBILITY_TIMEOUT,
      deadLetterQueue: { queue: this.messagesDeadLetterQueue, maxReceiveCount: QUEUE_MAX_RECEIVE_COUNT },
      removalPolicy,
    });

    this.appSecret = new secretsmanager.Secret(this, 'AppSecret', {
      description: `${this.config.appName} ${stage}: application secrets (SECRET_KEY)`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({}),
        generateStringKey: 'SECRET_KEY',
        passwordLength: 48,
        excludePunctuation: true,
      },
      removalPolicy,
    });
    skipCheckov(
      this.appSecret,
      'AWS::SecretsManager::Secret',
      'Encrypted with the AWS managed key aws/secretsmanager; only the app role of this account may read it ' +
        '(GetSecretValue on this ARN alone), and a customer-managed key would add a kms:Decrypt grant ' +
        'without narrowing who can read.',
      'CKV_AWS_149',
    );
    Validations.of(this.appSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'SECRET_KEY is an application key without an external counterpart to rotate against; rotate it by a new deployment of the secret value and a rolling restart.',
    });

    const outputs: Record<string, string> = {
      UsersTableName: this.usersTable.tableName,
      MessagesTableName: this.messagesTable.tableName,
      AvatarsBucketName: this.avatarsBucket.bucketName,
      MessagesQueueUrl: this.messagesQueue.queueUrl,
      MessagesDlqUrl: this.messagesDeadLetterQueue.queueUrl,
      AppSecretArn: this.appSecret.secretArn,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
  }
}
