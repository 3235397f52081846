import { randomBytes } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { type AwsClients, createAwsClients } from '../../service/src/libraries/aws';
// The tests' helper, so that the bench's tables have exactly the tests' (and the data stack's) key schema.
import { createTable } from '../../test/service/helpers/backends';

/** The bench's own resources on the emulator, named uniquely per run. */
export interface BenchResources {
  readonly usersTable: string;
  readonly messagesTable: string;
  readonly bucket: string;
  readonly queueUrl: string;
  destroy(): Promise<void>;
}

async function emptyBucket(aws: AwsClients, bucket: string): Promise<number> {
  let removed = 0;
  let token: string | undefined;
  do {
    const page = await aws.s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key ?? '' }));
    if (keys.length > 0) {
      await aws.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
      removed += keys.length;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return removed;
}

/** Users table (`pk`), messages table (`id`), avatars bucket and messages queue, as in docs/DATA-MODEL.md. */
export async function createResources(region: string, endpoint: string): Promise<BenchResources> {
  const aws = createAwsClients({ region, endpoint });
  const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const usersTable = `bench-users-${suffix}`;
  const messagesTable = `bench-messages-${suffix}`;
  const bucket = `bench-avatars-${suffix}`;
  await Promise.all([createTable(aws, usersTable, 'pk'), createTable(aws, messagesTable, 'id')]);
  await aws.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const queue = await aws.sqs.send(new CreateQueueCommand({ QueueName: `bench-messages-${suffix}` }));
  const queueUrl = queue.QueueUrl ?? '';
  return {
    usersTable,
    messagesTable,
    bucket,
    queueUrl,
    async destroy() {
      const failures: string[] = [];
      const attempt = async (what: string, fn: () => Promise<unknown>) => {
        try {
          await fn();
        } catch (err) {
          failures.push(`${what}: ${(err as Error).message}`);
        }
      };
      await attempt(`bucket ${bucket}`, async () => {
        await emptyBucket(aws, bucket);
        await aws.s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      });
      await attempt(`table ${usersTable}`, () =>
        aws.dynamodb.send(new DeleteTableCommand({ TableName: usersTable })),
      );
      await attempt(`table ${messagesTable}`, () =>
        aws.dynamodb.send(new DeleteTableCommand({ TableName: messagesTable })),
      );
      await attempt(`queue ${queueUrl}`, () => aws.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })));
      aws.destroy();
      if (failures.length > 0) throw new Error(`clean-up incomplete: ${failures.join('; ')}`);
    },
  };
}
