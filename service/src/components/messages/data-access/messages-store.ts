import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsClients } from '../../../libraries/aws';
import { callDependency } from '../../../libraries/errors';
import { traceContextAttributes } from '../../../libraries/tracing';

export interface StoredMessage {
  readonly id: string;
  readonly content: string;
  readonly received_at: string;
}

export function messagesQueue(aws: AwsClients, queueUrl: string) {
  return {
    /** Sends one message; resolves with the SQS MessageId. */
    send: (body: string) =>
      callDependency('sqs', async () => {
        // While tracing, the W3C trace context travels with the message (the worker continues the trace).
        const out = await aws.sqs.send(
          new SendMessageCommand({
            QueueUrl: queueUrl,
            MessageBody: body,
            MessageAttributes: traceContextAttributes(),
          }),
        );
        if (!out.MessageId) throw new Error('SQS returned no MessageId');
        return out.MessageId;
      }),
  };
}

export function messagesTable(aws: AwsClients, tableName: string) {
  return {
    get: (id: string) =>
      callDependency('dynamodb', async () => {
        const out = await aws.doc.send(new GetCommand({ TableName: tableName, Key: { id } }));
        return out.Item as StoredMessage | undefined;
      }),
    /**
     * Writes the message unless its id is already there. Resolves false for a duplicate: a
     * redelivered message is not an error, the first write stands.
     */
    putIfAbsent: (message: StoredMessage) =>
      callDependency('dynamodb', async () => {
        try {
          await aws.doc.send(
            new PutCommand({
              TableName: tableName,
              Item: message,
              ConditionExpression: 'attribute_not_exists(id)',
            }),
          );
          return true;
        } catch (err) {
          if (
            err instanceof ConditionalCheckFailedException ||
            (err as Error).name === 'ConditionalCheckFailedException'
          ) {
            return false;
          }
          throw err;
        }
      }),
  };
}

export type MessagesQueue = ReturnType<typeof messagesQueue>;
export type MessagesTable = ReturnType<typeof messagesTable>;
