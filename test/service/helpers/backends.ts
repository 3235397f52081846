import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { CreateSecretCommand, DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { type AwsClients, createAwsClients } from '../../../service/src/libraries/aws';

// The harness's emulator (MiniStack, LocalStack-compatible) and its dummy credentials.
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
export const ENDPOINT = process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566';
export const REGION = 'us-east-1';

export interface Backends {
  readonly aws: AwsClients;
  readonly usersTable: string;
  readonly messagesTable: string;
  readonly bucket: string;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  /** The environment a process needs to use these resources (Redis excluded). */
  readonly env: Record<string, string>;
  destroy(): Promise<void>;
}

export const uniqueName = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

export async function createTable(aws: AwsClients, name: string, key: string): Promise<void> {
  await aws.dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
    }),
  );
  await waitUntilTableExists({ client: aws.dynamodb, maxWaitTime: 30, minDelay: 1 }, { TableName: name });
}

/** Every object key in a bucket (under a prefix). */
export async function listKeys(aws: AwsClients, bucket: string, prefix = ''): Promise<string[]> {
  const out = await aws.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key ?? '');
}

/** Uniquely named tables (the agreed key schema), bucket and queue with a DLQ, for one test file. */
export async function createBackends(
  prefix: string,
  options: { maxReceiveCount?: number; visibilityTimeoutSeconds?: number } = {},
): Promise<Backends> {
  const aws = createAwsClients({ region: REGION, endpoint: ENDPOINT });
  const usersTable = uniqueName(`${prefix}-users`);
  const messagesTable = uniqueName(`${prefix}-messages`);
  const bucket = uniqueName(`${prefix}-avatars`).toLowerCase();
  await Promise.all([createTable(aws, usersTable, 'pk'), createTable(aws, messagesTable, 'id')]);
  await aws.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const dlq = await aws.sqs.send(new CreateQueueCommand({ QueueName: uniqueName(`${prefix}-dlq`) }));
  const dlqArn = (
    await aws.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
    )
  ).Attributes?.QueueArn;
  const queue = await aws.sqs.send(
    new CreateQueueCommand({
      QueueName: uniqueName(`${prefix}-queue`),
      Attributes: {
        // SQS's default, and the deployed queue's, is 30 s.
        VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: options.maxReceiveCount ?? 5,
        }),
      },
    }),
  );
  const queueUrl = queue.QueueUrl ?? '';
  const dlqUrl = dlq.QueueUrl ?? '';
  return {
    aws,
    usersTable,
    messagesTable,
    bucket,
    queueUrl,
    dlqUrl,
    env: {
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL: ENDPOINT,
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
      USERS_TABLE: usersTable,
      MESSAGES_TABLE: messagesTable,
      AVATARS_BUCKET: bucket,
      MESSAGES_QUEUE_URL: queueUrl,
    },
    async destroy() {
      const keys = await listKeys(aws, bucket).catch(() => []);
      if (keys.length > 0) {
        await aws.s3.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }),
        );
      }
      await Promise.allSettled([
        aws.s3.send(new DeleteBucketCommand({ Bucket: bucket })),
        aws.dynamodb.send(new DeleteTableCommand({ TableName: usersTable })),
        aws.dynamodb.send(new DeleteTableCommand({ TableName: messagesTable })),
        aws.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })),
        aws.sqs.send(new DeleteQueueCommand({ QueueUrl: dlqUrl })),
      ]);
      aws.destroy();
    },
  };
}

/** Secrets Manager secrets on the emulator, uniquely named, all deleted again by `destroy()`. */
export function secretStore(aws: () => AwsClients, prefix: string) {
  const arns: string[] = [];
  return {
    /** Creates a secret holding `value`; returns its ARN. */
    async create(value: string): Promise<string> {
      const out = await aws().secrets.send(
        new CreateSecretCommand({ Name: uniqueName(prefix), SecretString: value }),
      );
      arns.push(out.ARN ?? '');
      return out.ARN ?? '';
    },
    async destroy(): Promise<void> {
      await Promise.allSettled(
        arns.map((SecretId) =>
          aws().secrets.send(new DeleteSecretCommand({ SecretId, ForceDeleteWithoutRecovery: true })),
        ),
      );
    },
  };
}
