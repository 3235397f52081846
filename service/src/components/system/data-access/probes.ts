import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { AwsClients } from '../../../libraries/aws';
import type { Redis } from '../../../libraries/redis';
import type { Probe } from '../domain/readiness';

export interface ProbeTargets {
  readonly tables: readonly string[];
  readonly bucket: string;
  readonly queueUrl: string;
}

/** One cheap, read-only call per dependency; each honours the abort signal of its time budget. */
export function dependencyProbes(
  aws: AwsClients,
  redis: Redis,
  targets: ProbeTargets,
): Record<string, Probe> {
  return {
    dynamodb: async (signal) => {
      await Promise.all(
        targets.tables.map((TableName) =>
          aws.dynamodb.send(new DescribeTableCommand({ TableName }), { abortSignal: signal }),
        ),
      );
    },
    s3: async (signal) => {
      await aws.s3.send(new HeadBucketCommand({ Bucket: targets.bucket }), { abortSignal: signal });
    },
    sqs: async (signal) => {
      await aws.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: targets.queueUrl, AttributeNames: ['QueueArn'] }),
        {
          abortSignal: signal,
        },
      );
    },
    redis: async () => {
      // With the offline queue disabled, PING fails at once while disconnected; commandTimeout bounds a hung link.
      if (redis.status !== 'ready') throw new Error(`redis is ${redis.status}`);
      await redis.ping();
    },
  };
}
