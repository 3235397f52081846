import { z } from '../../../../libraries/openapi';

export const CounterResponse = z
  .object({ counter: z.int().min(0).openapi({ example: 42 }) })
  .openapi('Counter');
