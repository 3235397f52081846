import { Router } from 'express';
import type { Config } from '../../../../libraries/config';
import { defineEndpoint, mountEndpoints } from '../../../../libraries/http/endpoint';
import type { Metrics } from '../../../../libraries/metrics';
import { jsonContent } from '../../../../libraries/openapi';
import { configView } from '../../domain/config-view';
import { type Lifecycle, type Probe, checkReadiness } from '../../domain/readiness';
import { ConfigResponse, HomeResponse, NoStore, ReadinessResponse, StatusHealthy, StatusOk } from './schemas';

export interface SystemDeps {
  readonly config: Config;
  readonly metrics: Metrics;
  readonly lifecycle: Lifecycle;
  readonly probes: Record<string, Probe>;
  /** Time budget of each readiness check. */
  readonly readinessTimeoutMs?: number;
}

/** What the system endpoints answer with, built once. */
interface SystemContext extends SystemDeps {
  readonly home: { message: string; status: 'healthy'; version: string };
  readonly view: ReturnType<typeof configView>;
}

const tags = ['system'];

/** The system API, in the order the document lists it. */
export const systemEndpoints = [
  defineEndpoint({
    method: 'get',
    path: '/',
    operationId: 'getHome',
    tags,
    summary: 'Greeting, status and version',
    handler: (_input, res, { home }: SystemContext) => void res.json(home),
    responses: { 200: { description: 'The service answers', content: jsonContent(HomeResponse) } },
  }),
  defineEndpoint({
    method: 'get',
    path: '/config',
    operationId: 'getConfig',
    aliases: { '/configs': 'getConfigs' },
    tags,
    summary: 'Public configuration values; secrets only as "Yes"/"No"',
    handler: (_input, res, { view }: SystemContext) => void res.json(view),
    responses: { 200: { description: 'Configuration', content: jsonContent(ConfigResponse) } },
  }),
  defineEndpoint({
    method: 'get',
    path: '/healthz',
    operationId: 'getLiveness',
    tags,
    summary: 'Liveness: touches no dependency',
    handler: (_input, res) => void res.json({ status: 'ok' }),
    responses: { 200: { description: 'The process is alive', content: jsonContent(StatusOk) } },
  }),
  defineEndpoint({
    method: 'get',
    path: '/health',
    operationId: 'getHealth',
    aliases: { '/health-check': 'getHealthCheck' },
    tags,
    summary: 'Health (compatibility route)',
    handler: (_input, res) => void res.json({ status: 'healthy' }),
    responses: { 200: { description: 'Healthy', content: jsonContent(StatusHealthy) } },
  }),
  defineEndpoint({
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    aliases: { '/ready': 'getReady' },
    tags,
    summary: 'Readiness: checks DynamoDB, S3, SQS and Redis, each with a short timeout',
    handler: async (_input, res, deps: SystemContext, req) => {
      res.setHeader('Cache-Control', 'no-store');
      if (deps.lifecycle.shuttingDown) {
        res.status(503).json({ status: 'not ready', checks: {}, shutting_down: true });
        return;
      }
      const { ready, checks, failures } = await checkReadiness(deps.probes, deps.readinessTimeoutMs ?? 1000);
      for (const [dependency, result] of Object.entries(checks)) {
        deps.metrics.dependencyUp.set({ dependency }, result === 'ok' ? 1 : 0);
      }
      for (const [dependency, reason] of Object.entries(failures)) {
        deps.metrics.dependencyErrors.inc({ dependency });
        req.log.warn({ dependency, reason }, 'readiness check failed');
      }
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
    },
    responses: {
      200: {
        description: 'Every dependency answers',
        headers: NoStore,
        content: jsonContent(ReadinessResponse),
      },
      503: {
        description: 'A dependency is unavailable, or shutdown has begun',
        headers: NoStore,
        content: jsonContent(ReadinessResponse),
      },
    },
  }),
  defineEndpoint({
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    tags,
    summary: 'Prometheus metrics',
    handler: async (_input, res, { metrics }: SystemContext) => {
      res.setHeader('Content-Type', metrics.registry.contentType);
      res.send(await metrics.registry.metrics());
    },
    responses: {
      200: {
        description: 'Prometheus text format',
        content: { 'text/plain': { schema: { type: 'string' } } },
      },
    },
  }),
];

export function systemRouter(deps: SystemDeps): Router {
  const router = Router();
  const home = {
    message: 'Hello, this is a message from your app!',
    status: 'healthy' as const,
    version: deps.config.appVersion,
  };
  mountEndpoints(router, systemEndpoints, { ...deps, home, view: configView(deps.config) });
  return router;
}
