import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { AwsClients } from '../../../../libraries/aws';
import type { Config } from '../../../../libraries/config';
import { AppError } from '../../../../libraries/errors';
import { route } from '../../../../libraries/http';
import type { Metrics } from '../../../../libraries/metrics';
import {
  type OpenAPIRegistry,
  errorResponse,
  jsonContent,
  registerOperation,
  unavailableResponse,
  z,
} from '../../../../libraries/openapi';
import { messagesQueue, messagesTable } from '../../data-access/messages-store';
import { MAX_MESSAGE_BYTES, MessageTooLargeError, messagesService } from '../../domain/messages';

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

const messageError = (status: number, message: string) => new AppError(status, { status: 'error', message });

const parseJson = express.json({ limit: MAX_MESSAGE_BYTES, strict: false, type: () => true });

/** Whether the request carries a body at all (a length of 0 counts as an empty body). */
const hasBody = (req: Request): boolean =>
  req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';

/** Content-Type first, then the body: each failure with the messages API's own error shape. */
function readJsonBody(req: Request, res: Response, next: NextFunction): void {
  if (!hasBody(req)) return next(messageError(400, 'No message received'));
  if (!req.is('application/json')) return next(messageError(415, 'Content-Type must be application/json'));
  parseJson(req, res, (err?: unknown) => {
    if (!err) return next();
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') return next(messageError(413, 'Message too large'));
    if (type === 'entity.parse.failed') return next(messageError(400, 'Malformed JSON'));
    if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
      return next(messageError(415, 'Content-Type must be application/json'));
    }
    // Anything else the client caused (an aborted or mis-sized body) still has this API's error shape.
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return next(messageError(400, 'Malformed request body'));
    }
    next(err);
  });
}

export function messagesRouter(deps: { config: Config; metrics: Metrics; aws: AwsClients }): Router {
  const router = Router();
  const service = messagesService({
    queue: messagesQueue(deps.aws, deps.config.queueUrl),
    table: messagesTable(deps.aws, deps.config.messagesTable),
    metrics: deps.metrics,
  });

  route(router, '/process_message', {
    post: [
      readJsonBody,
      async (req, res) => {
        const body: unknown = req.body;
        const isEmpty = body === null || (typeof body === 'object' && Object.keys(body).length === 0);
        if (body === undefined || isEmpty) throw messageError(400, 'No message received');
        const parsed = ProcessMessageBody.safeParse(body);
        if (!parsed.success) throw messageError(400, 'Message must be a JSON object or array');
        try {
          const { data, messageId } = await service.enqueue(parsed.data);
          res.json({ status: 'success', data, messageId });
        } catch (err) {
          if (err instanceof MessageTooLargeError) throw messageError(413, 'Message too large');
          throw err;
        }
      },
    ],
  });

  route(router, '/messages/:messageId', {
    get: async (req, res) => {
      const params = MessageIdParams.safeParse(req.params);
      const message = params.success ? await service.find(params.data.messageId) : undefined;
      if (!message) throw AppError.notFound('Message not found');
      res.json({ id: message.id, content: message.content, received_at: message.received_at });
    },
  });
  return router;
}

export function registerMessagesOpenApi(registry: OpenAPIRegistry): void {
  const tags = ['messages'];
  const errorOf = (description: string) => ({ description, content: jsonContent(MessageError) });
  registerOperation(registry, {
    method: 'post',
    path: '/process_message',
    operationId: 'processMessage',
    tags,
    summary: 'Send a JSON object or array to the SQS queue; the worker stores it in DynamoDB',
    request: { body: { required: true, content: jsonContent(ProcessMessageBody) } },
    responses: {
      200: {
        description: 'Sent to the queue',
        content: jsonContent(ProcessMessageResponse),
        links: {
          GetMessage: { operationId: 'getMessage', parameters: { messageId: '$response.body#/messageId' } },
        },
      },
      400: errorOf('No body, `{}`, `[]`, `null`, malformed JSON, or not an object or array'),
      413: errorOf(`Body over ${MAX_MESSAGE_BYTES / 1024} KiB`),
      415: errorOf('Content-Type is not application/json (UTF-8)'),
      503: unavailableResponse('SQS'),
    },
  });
  registerOperation(registry, {
    method: 'get',
    path: '/messages/{messageId}',
    operationId: 'getMessage',
    tags,
    summary: 'A message stored by the worker',
    request: { params: MessageIdParams },
    responses: {
      200: { description: 'The stored message', content: jsonContent(StoredMessageResponse) },
      404: errorResponse('Not stored (yet): {"error":"Message not found"}'),
      503: unavailableResponse('DynamoDB'),
    },
  });
}
