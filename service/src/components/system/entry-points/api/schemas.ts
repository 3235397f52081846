import { z } from '../../../../libraries/openapi';

export const HomeResponse = z
  .object({ message: z.string(), status: z.literal('healthy'), version: z.string() })
  .openapi('Home');

const YesNo = z.enum(['Yes', 'No']);
export const ConfigResponse = z
  .object({
    message: z.string(),
    config: z.object({ API_BASE_URL: z.string(), LOG_LEVEL: z.string(), MAX_CONNECTIONS: z.string() }),
    secrets_status: z.object({ SECRET_KEY: YesNo, DB_PASSWORD: YesNo }),
  })
  .openapi('Config');

export const StatusOk = z.object({ status: z.literal('ok') });
export const StatusHealthy = z.object({ status: z.literal('healthy') });
export const ReadinessResponse = z
  .object({
    status: z.enum(['ready', 'not ready']),
    checks: z.record(z.string(), z.enum(['ok', 'unavailable'])),
    shutting_down: z.boolean().optional(),
  })
  .openapi('Readiness');

/** Readiness is never cached. */
export const NoStore = z.object({ 'Cache-Control': z.literal('no-store') });
