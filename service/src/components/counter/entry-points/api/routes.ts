import { Router } from 'express';
import { defineEndpoint, mountEndpoints } from '../../../../libraries/http/endpoint';
import type { Metrics } from '../../../../libraries/metrics';
import { jsonContent, unavailableResponse } from '../../../../libraries/openapi';
import type { Redis } from '../../../../libraries/redis';
import { counterStore } from '../../data-access/counter-store';
import { type CounterService, counterService } from '../../domain/counter';
import { CounterResponse } from './schemas';

const tags = ['counter'];

/** The counter API, in the order the document lists it. */
export const counterEndpoints = [
  defineEndpoint({
    method: 'get',
    path: '/read',
    operationId: 'readCounter',
    tags,
    summary: 'Read the counter (0 when it was never written)',
    handler: async (_input, res, service: CounterService) => void res.json({ counter: await service.read() }),
    responses: {
      200: { description: 'The current value', content: jsonContent(CounterResponse) },
      503: unavailableResponse('Redis'),
    },
  }),
  defineEndpoint({
    method: 'post',
    path: '/write',
    operationId: 'incrementCounter',
    tags,
    summary: 'Increment the counter atomically (Redis INCR)',
    handler: async (_input, res, service: CounterService) =>
      void res.json({ counter: await service.increment() }),
    responses: {
      200: { description: 'The value after the increment', content: jsonContent(CounterResponse) },
      503: unavailableResponse('Redis'),
    },
  }),
];

export function counterRouter(deps: { metrics: Metrics; redis: Redis }): Router {
  const router = Router();
  mountEndpoints(router, counterEndpoints, counterService(counterStore(deps.redis), deps.metrics));
  return router;
}
