import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
  extendZodWithOpenApi,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { RETRY_AFTER_SECONDS } from '../errors';

extendZodWithOpenApi(z);

export { OpenAPIRegistry, z };

/** `{"error":"…"}`, the body of every error response outside the messages API. */
export const ErrorBody = z.object({ error: z.string() }).openapi('Error');

export const jsonContent = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

export const errorResponse = (description: string) => ({ description, content: jsonContent(ErrorBody) });

export const unavailableResponse = (dependency: string) => ({
  description: `${dependency} unreachable or timing out`,
  headers: z.object({
    'Retry-After': z
      .int()
      .min(0)
      .openapi({ description: `Seconds to wait before retrying (${RETRY_AFTER_SECONDS})` }),
  }),
  content: jsonContent(ErrorBody),
});

/** What any operation answers when it fails unexpectedly: never a stack trace, never HTML. */
export const internalErrorResponse = errorResponse('Unexpected failure: {"error":"Internal Server Error"}');

/** Headers on every response. */
const CommonHeaders = z.object({
  'X-Request-Id': z.string().min(1).openapi({
    description: 'The X-Request-Id of the request when it is a sane token, else a new UUID',
  }),
});

/** A response whose headers, if any, are a zod object (so that they are generated like everything else). */
export type Response = Omit<ResponseConfig, 'headers'> & { headers?: z.ZodObject };
export type Operation = Omit<RouteConfig, 'responses'> & { responses: Record<number, Response> };

/** The route as given, plus what every route can answer: a 500, and `X-Request-Id` on each response. */
function withCommonResponses(route: Operation): RouteConfig {
  const responses: Record<number, Response> = { ...route.responses, 500: internalErrorResponse };
  return {
    ...route,
    responses: Object.fromEntries(
      Object.entries(responses).map(([status, response]) => [
        status,
        {
          ...response,
          headers: response.headers ? CommonHeaders.extend(response.headers.shape) : CommonHeaders,
        },
      ]),
    ),
  };
}

/** Registers one operation (with the responses every route shares). */
export function registerOperation(registry: OpenAPIRegistry, route: Operation): void {
  registry.registerPath(withCommonResponses(route));
}

/**
 * Registers one operation under each alias path (`/readyz` and `/ready`, `/user` and `/users`, …),
 * each with its own operationId (path → operationId).
 */
export function registerAliases(
  registry: OpenAPIRegistry,
  paths: Readonly<Record<string, string>>,
  route: Omit<Operation, 'path' | 'operationId'>,
): void {
  for (const [path, operationId] of Object.entries(paths)) {
    registerOperation(registry, { ...route, path, operationId });
  }
}

export function generateDocument(registry: OpenAPIRegistry, version: string) {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'eks-cdk-reference service',
      version,
      description:
        'Users with avatars (DynamoDB + S3), a Redis counter, SQS messages, configuration and health.',
    },
    servers: [{ url: '/' }],
  });
}
