import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import type { Logger } from '../../../../libraries/logger';
import { TRACE_CONTEXT_FIELDS, inMessageSpan } from '../../../../libraries/tracing';
import type { MessagesService } from '../../domain/messages';

export interface ConsumerSettings {
  readonly queueUrl: string;
  readonly sqs: SQSClient;
  readonly service: MessagesService;
  readonly logger: Logger;
  /** Long-poll wait, seconds (default 20). */
  readonly waitTimeSeconds?: number;
  readonly batchSize?: number;
  /** How long stop() waits for the poll in progress and the messages in hand, ms (default 9000). */
  readonly drainTimeoutMs?: number;
  /**
   * Seconds before a message whose write failed becomes visible again, from its receive count
   * (default: 2^count capped at 60, so a short outage is retried soon, a poison message ends in
   * the DLQ after maxReceiveCount receives).
   */
  readonly retryDelaySeconds?: (receiveCount: number) => number;
}

const defaultRetryDelay = (receiveCount: number): number => Math.min(60, 2 ** receiveCount);

/**
 * The SQS → DynamoDB consumer (sqs-consumer): the handler resolves only after the conditional
 * write (or on a duplicate), and only then does the library delete the message. A failed write
 * leaves the message for redelivery and, after maxReceiveCount receives, the dead-letter queue.
 */
export function createMessageConsumer(settings: ConsumerSettings): Consumer {
  const retryDelay = settings.retryDelaySeconds ?? defaultRetryDelay;
  const consumer = Consumer.create({
    queueUrl: settings.queueUrl,
    sqs: settings.sqs,
    batchSize: settings.batchSize ?? 10,
    waitTimeSeconds: settings.waitTimeSeconds ?? 20,
    // No VisibilityTimeout on receive: the queue's own applies (the data stack sets it), so a message
    // the worker received and never deleted returns after the time the queue says.
    messageSystemAttributeNames: ['ApproximateReceiveCount'],
    // The trace context the api attached (libraries/tracing); absent when it does not trace.
    messageAttributeNames: [...TRACE_CONTEXT_FIELDS],
    // stop() waits for the poll in progress and the messages in hand (not aborted: their deletes must still go out).
    pollingCompleteWaitTimeMs: settings.drainTimeoutMs ?? 9000,
    terminateVisibilityTimeout: (messages: Message[]) =>
      retryDelay(Number(messages[0]?.Attributes?.ApproximateReceiveCount ?? '1')),
    handleMessage: (message: Message) =>
      inMessageSpan(message, settings.queueUrl, async () => {
        const outcome = await settings.service.store(message);
        settings.logger.info({ messageId: message.MessageId, outcome }, 'message stored');
        return message;
      }),
  });
  consumer.on('processing_error', (err, message) =>
    settings.logger.warn(
      { messageId: message.MessageId, err: { message: err.message } },
      'message not stored; left for redelivery',
    ),
  );
  consumer.on('error', (err) =>
    settings.logger.error({ err: { message: err.message } }, 'SQS consumer error'),
  );
  return consumer;
}
