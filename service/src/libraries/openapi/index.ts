import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type RouteConfig,
  extendZodWithOpenApi,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export { OpenAPIRegistry, z };

/** `{"error":"…"}`, the body of every error response outside the messages API. */
export const ErrorBody = z.object({ error: z.string() }).openapi('Error');

export const jsonContent = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

export const errorResponse = (description: string) => ({ description, content: jsonContent(ErrorBody) });

export const unavailableResponse = (dependency: string) => ({
  description: `${dependency} unreachable or timing out`,
  headers: {
    'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' as const } },
  },
  content: jsonContent(ErrorBody),
});

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

/** Registers one operation under each alias path (`/readyz` and `/ready`, `/user` and `/users`, …). */
export function registerAliases(
  registry: OpenAPIRegistry,
  paths: readonly string[],
  route: Omit<RouteConfig, 'path'>,
): void {
  for (const path of paths) registry.registerPath({ ...route, path });
}
