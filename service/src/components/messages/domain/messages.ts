import type { Metrics } from '../../../libraries/metrics';
import type { MessagesQueue, MessagesTable, StoredMessage } from '../data-access/messages-store';

/** SQS's message size limit (256 KiB). */
export const MAX_MESSAGE_BYTES = 256 * 1024;

export class MessageTooLargeError extends Error {}

export function messagesService(deps: { queue: MessagesQueue; table: MessagesTable; metrics: Metrics }) {
  return {
    /** Sends a JSON object or array as compact JSON text; resolves with the text and the SQS MessageId. */
    async enqueue(payload: object): Promise<{ data: string; messageId: string }> {
      const data = JSON.stringify(payload);
      if (Buffer.byteLength(data) > MAX_MESSAGE_BYTES) throw new MessageTooLargeError('Message too large');
      const messageId = await deps.queue.send(data);
      deps.metrics.messagesEnqueued.inc();
      return { data, messageId };
    },

    find: (id: string): Promise<StoredMessage | undefined> => deps.table.get(id),

    /**
     * The worker's use case: store a received message keyed by its MessageId, once. Resolves
     * 'stored' or 'duplicate' (both mean the message may now be deleted); rejects when the write failed.
     */
    async store(
      message: { MessageId?: string; Body?: string },
      now = new Date(),
    ): Promise<'stored' | 'duplicate'> {
      if (!message.MessageId) throw new Error('SQS message without MessageId');
      try {
        const written = await deps.table.putIfAbsent({
          id: message.MessageId,
          content: message.Body ?? '',
          received_at: now.toISOString(),
        });
        deps.metrics.messagesProcessed.inc();
        return written ? 'stored' : 'duplicate';
      } catch (err) {
        deps.metrics.messagesFailed.inc();
        throw err;
      }
    },
  };
}

export type MessagesService = ReturnType<typeof messagesService>;
