import { Router, type Request } from 'express';
import type { AwsClients } from '../../../../libraries/aws';
import type { Config } from '../../../../libraries/config';
import { AppError } from '../../../../libraries/errors';
import { defineEndpoint, mountEndpoints } from '../../../../libraries/http/endpoint';
import type { Metrics } from '../../../../libraries/metrics';
import { errorResponse, jsonContent, unavailableResponse } from '../../../../libraries/openapi';
import { messagesQueue, messagesTable } from '../../data-access/messages-store';
import {
  MAX_MESSAGE_BYTES,
  type MessagesService,
  MessageTooLargeError,
  messagesService,
} from '../../domain/messages';
import { messageError, readJsonBody } from './json-body';
import {
  MessageError,
  MessageIdParams,
  ProcessMessageBody,
  ProcessMessageResponse,
  StoredMessageResponse,
} from './schemas';

const tags = ['messages'];
const errorOf = (description: string) => ({ description, content: jsonContent(MessageError) });
const messageNotFound = () => AppError.notFound('Message not found');

/** The message to send: `null`, `{}` and `[]` count as no message. */
function messageOf(req: Request) {
  const body: unknown = req.body;
  const isEmpty = body === null || (typeof body === 'object' && Object.keys(body).length === 0);
  if (body === undefined || isEmpty) throw messageError(400, 'No message received');
  const parsed = ProcessMessageBody.safeParse(body);
  if (!parsed.success) throw messageError(400, 'Message must be a JSON object or array');
  return parsed.data;
}

/** The messages API, in the order the document lists it. */
export const messagesEndpoints = [
  defineEndpoint({
    method: 'post',
    path: '/process_message',
    operationId: 'processMessage',
    tags,
    summary: 'Send a JSON object or array to the SQS queue; the worker stores it in DynamoDB',
    request: { body: { required: true, content: jsonContent(ProcessMessageBody) } },
    readBody: () => readJsonBody,
    body: messageOf,
    handler: async ({ body }, res, service: MessagesService) => {
      try {
        const { data, messageId } = await service.enqueue(body);
        res.json({ status: 'success', data, messageId });
      } catch (err) {
        if (err instanceof MessageTooLargeError) throw messageError(413, 'Message too large');
        throw err;
      }
    },
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
  }),
  defineEndpoint({
    method: 'get',
    path: '/messages/{messageId}',
    operationId: 'getMessage',
    tags,
    summary: 'A message stored by the worker',
    request: { params: MessageIdParams },
    rejected: messageNotFound,
    handler: async ({ params }, res, service: MessagesService) => {
      const message = await service.find(params.messageId);
      if (!message) throw messageNotFound();
      res.json({ id: message.id, content: message.content, received_at: message.received_at });
    },
    responses: {
      200: { description: 'The stored message', content: jsonContent(StoredMessageResponse) },
      404: errorResponse('Not stored (yet): {"error":"Message not found"}'),
      503: unavailableResponse('DynamoDB'),
    },
  }),
];

export function messagesRouter(deps: { config: Config; metrics: Metrics; aws: AwsClients }): Router {
  const router = Router();
  const service = messagesService({
    queue: messagesQueue(deps.aws, deps.config.queueUrl),
    table: messagesTable(deps.aws, deps.config.messagesTable),
    metrics: deps.metrics,
  });
  mountEndpoints(router, messagesEndpoints, service);
  return router;
}
