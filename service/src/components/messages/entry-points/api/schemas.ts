import { z } from '../../../../libraries/openapi';
import { MAX_MESSAGE_BYTES } from '../../domain/messages';

/** A JSON object with at least one member (zod has no keyword for it, so the document is told here). */
const NonEmptyObject = z
  .record(z.string(), z.unknown())
  .refine((value) => Object.keys(value).length >= 1, { message: 'Empty object' })
  .openapi({ minProperties: 1 });

export const ProcessMessageBody = z
  .union([NonEmptyObject, z.array(z.unknown()).min(1)])
  .openapi('MessagePayload', {
    description: `Any non-empty JSON object or array, at most ${MAX_MESSAGE_BYTES / 1024} KiB as sent and as compact JSON`,
    example: { order: 42, item: 'book' },
  });
/** SQS MessageIds are UUIDs; anything else of this shape is looked up (and not found). */
const MessageId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);
export const MessageIdParams = z.object({ messageId: MessageId });

export const ProcessMessageResponse = z
  .object({
    status: z.literal('success'),
    data: z
      .string()
      .openapi({ description: 'The body as compact JSON text', example: '{"order":42,"item":"book"}' }),
    messageId: MessageId.openapi({ description: 'The SQS MessageId' }),
  })
  .openapi('MessageAccepted');
export const MessageError = z
  .object({ status: z.literal('error'), message: z.string() })
  .openapi('MessageError');
export const StoredMessageResponse = z
  .object({
    id: MessageId,
    content: z.string().openapi({ description: 'The message body (JSON text)' }),
    received_at: z.iso.datetime(),
  })
  .openapi('StoredMessage');
