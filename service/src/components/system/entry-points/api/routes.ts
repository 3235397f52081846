import { Router } from 'express';
import type { Config } from '../../../../libraries/config';
import { route } from '../../../../libraries/http';
import type { Metrics } from '../../../../libraries/metrics';
import {
  type OpenAPIRegistry,
  jsonContent,
  registerAliases,
  registerOperation,
} from '../../../../libraries/openapi';
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

export function systemRouter(deps: SystemDeps): Router {
  const router = Router();
  const home = {
    message: 'Hello, this is a message from your app!',
    status: 'healthy',
    version: deps.config.appVersion,
  };
  const view = configView(deps.config);

  route(router, '/', { get: (_req, res) => void res.json(home) });
  route(router, ['/config', '/configs'], { get: (_req, res) => void res.json(view) });
  route(router, '/healthz', { get: (_req, res) => void res.json({ status: 'ok' }) });
  route(router, ['/health', '/health-check'], { get: (_req, res) => void res.json({ status: 'healthy' }) });
  route(router, ['/readyz', '/ready'], {
    get: async (req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      if (deps.lifecycle.shuttingDown) {
        res.status(503).json({ status: 'not ready', checks: {}, shutting_down: true });
        return;
      }
      const { ready, checks, failures } = await checkReadiness(deps.probes, deps.readinessTimeoutMs ?? 1000);
      for (const [dependency, reason] of Object.entries(failures)) {
        deps.metrics.dependencyErrors.inc({ dependency });
        req.log.warn({ dependency, reason }, 'readiness check failed');
      }
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
    },
  });
  route(router, '/metrics', {
    get: async (_req, res) => {
      res.setHeader('Content-Type', deps.metrics.registry.contentType);
      res.send(await deps.metrics.registry.metrics());
    },
  });
  return router;
}

export function registerSystemOpenApi(registry: OpenAPIRegistry): void {
  const tags = ['system'];
  registerOperation(registry, {
    method: 'get',
    path: '/',
    operationId: 'getHome',
    tags,
    summary: 'Greeting, status and version',
    responses: { 200: { description: 'The service answers', content: jsonContent(HomeResponse) } },
  });
  registerAliases(
    registry,
    { '/config': 'getConfig', '/configs': 'getConfigs' },
    {
      method: 'get',
      tags,
      summary: 'Public configuration values; secrets only as "Yes"/"No"',
      responses: { 200: { description: 'Configuration', content: jsonContent(ConfigResponse) } },
    },
  );
  registerOperation(registry, {
    method: 'get',
    path: '/healthz',
    operationId: 'getLiveness',
    tags,
    summary: 'Liveness: touches no dependency',
    responses: { 200: { description: 'The process is alive', content: jsonContent(StatusOk) } },
  });
  registerAliases(
    registry,
    { '/health': 'getHealth', '/health-check': 'getHealthCheck' },
    {
      method: 'get',
      tags,
      summary: 'Health (compatibility route)',
      responses: { 200: { description: 'Healthy', content: jsonContent(StatusHealthy) } },
    },
  );
  registerAliases(
    registry,
    { '/readyz': 'getReadiness', '/ready': 'getReady' },
    {
      method: 'get',
      tags,
      summary: 'Readiness: checks DynamoDB, S3, SQS and Redis, each with a short timeout',
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
    },
  );
  registerOperation(registry, {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    tags,
    summary: 'Prometheus metrics',
    responses: {
      200: {
        description: 'Prometheus text format',
        content: { 'text/plain': { schema: { type: 'string' } } },
      },
    },
  });
}
