/**
 * Foundation smoke test: the local AWS emulator and Redis really store and return data.
 * Runs against the emulator on AWS_ENDPOINT_URL (127.0.0.1:4566 by default) through AWS SDK v3;
 * fails (never skips) when the emulator or Redis is not there.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import Redis from 'ioredis';
import { awsClientConfig, endpoint, redisUrl, uniqueName } from '../support/local-env';

describe(`the local environment (emulator at ${endpoint}, Redis at ${redisUrl})`, () => {
  test('when an item is put into a new DynamoDB table, then it is read back unchanged', async () => {
    const ddb = new DynamoDBClient(awsClientConfig);
    const doc = DynamoDBDocumentClient.from(ddb);
    const TableName = uniqueName('smoke');
    await ddb.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    try {
      await waitUntilTableExists({ client: ddb, maxWaitTime: 30 }, { TableName });
      const item = { pk: 'USER#1', name: 'Ada', tags: ['a', 'b'], n: 42 };
      await doc.send(new PutCommand({ TableName, Item: item }));
      const got = await doc.send(new GetCommand({ TableName, Key: { pk: 'USER#1' }, ConsistentRead: true }));
      expect(got.Item).toEqual(item);
    } finally {
      await ddb.send(new DeleteTableCommand({ TableName }));
      ddb.destroy();
    }
  });

  test('when an object is put into a new S3 bucket, then its bytes and type come back', async () => {
    const s3 = new S3Client({ ...awsClientConfig, forcePathStyle: true });
    const Bucket = uniqueName('smoke');
    const body = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    await s3.send(new CreateBucketCommand({ Bucket }));
    try {
      await s3.send(
        new PutObjectCommand({ Bucket, Key: 'avatars/x/a.png', Body: body, ContentType: 'image/png' }),
      );
      const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'avatars/x/a.png' }));
      expect(got.ContentType).toBe('image/png');
      expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);
    } finally {
      await s3.send(new DeleteObjectCommand({ Bucket, Key: 'avatars/x/a.png' }));
      await s3.send(new DeleteBucketCommand({ Bucket }));
      s3.destroy();
    }
  });

  test('when a message is sent to a new SQS queue, then it is received once and deleted', async () => {
    const sqs = new SQSClient(awsClientConfig);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('smoke') }));
    try {
      const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"hello":"world"}' }));
      const got = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 10 }),
      );
      expect(got.Messages).toHaveLength(1);
      expect(got.Messages![0].MessageId).toBe(sent.MessageId);
      expect(got.Messages![0].Body).toBe('{"hello":"world"}');
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: got.Messages![0].ReceiptHandle }));
      const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      expect(again.Messages ?? []).toHaveLength(0);
    } finally {
      await sqs.send(new DeleteQueueCommand({ QueueUrl }));
      sqs.destroy();
    }
  });

  test('when a key is set in Redis, then it is read back and can be deleted', async () => {
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    const key = uniqueName('smoke');
    try {
      await redis.set(key, 'value', 'EX', 60);
      expect(await redis.get(key)).toBe('value');
      expect(await redis.del(key)).toBe(1);
      expect(await redis.get(key)).toBeNull();
    } finally {
      redis.disconnect();
    }
  });
});
