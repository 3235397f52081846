import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { AwsClients } from '../../../libraries/aws';

/** The messages queue's dead-letter queue, read only. */
export function deadLetterQueue(aws: AwsClients, queueUrl: string) {
  return {
    /** ApproximateNumberOfMessages: the messages visible on the queue (not those in flight or delayed). */
    approximateMessages: async (signal?: AbortSignal): Promise<number> => {
      const out = await aws.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
        { abortSignal: signal },
      );
      const value = Number(out.Attributes?.ApproximateNumberOfMessages);
      if (!Number.isInteger(value) || value < 0) {
        throw new Error('SQS returned no ApproximateNumberOfMessages');
      }
      return value;
    },
  };
}

export type DeadLetterQueue = ReturnType<typeof deadLetterQueue>;
