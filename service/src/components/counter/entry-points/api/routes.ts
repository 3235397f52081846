import { Router } from 'express';
import { route } from '../../../../libraries/http';
import type { Metrics } from '../../../../libraries/metrics';
import {
  type OpenAPIRegistry,
  jsonContent,
  registerOperation,
  unavailableResponse,
  z,
} from '../../../../libraries/openapi';
import type { Redis } from '../../../../libraries/redis';
import { counterStore } from '../../data-access/counter-store';
import { counterService } from '../../domain/counter';

export const CounterResponse = z
  .object({ counter: z.int().min(0).openapi({ example: 42 }) })
  .openapi('Counter');

export function counterRouter(deps: { metrics: Metrics; redis: Redis }): Router {
  const router = Router();
  const service = counterService(counterStore(deps.redis), deps.metrics);
  route(router, '/read', { get: async (_req, res) => void res.json({ counter: await service.read() }) });
  route(router, '/write', {
    post: async (_req, res) => void res.json({ counter: await service.increment() }),
  });
  return router;
}

export function registerCounterOpenApi(registry: OpenAPIRegistry): void {
  const tags = ['counter'];
  registerOperation(registry, {
    method: 'get',
    path: '/read',
    operationId: 'readCounter',
    tags,
    summary: 'Read the counter (0 when it was never written)',
    responses: {
      200: { description: 'The current value', content: jsonContent(CounterResponse) },
      503: unavailableResponse('Redis'),
    },
  });
  registerOperation(registry, {
    method: 'post',
    path: '/write',
    operationId: 'incrementCounter',
    tags,
    summary: 'Increment the counter atomically (Redis INCR)',
    responses: {
      200: { description: 'The value after the increment', content: jsonContent(CounterResponse) },
      503: unavailableResponse('Redis'),
    },
  });
}
