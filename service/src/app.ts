import express, { type Express } from 'express';
import swaggerUi from 'swagger-ui-express';
import { counterRouter, registerCounterOpenApi } from './components/counter/api/routes';
import { messagesRouter, registerMessagesOpenApi } from './components/messages/api/routes';
import { dependencyProbes } from './components/system/data-access/probes';
import { registerSystemOpenApi, systemRouter } from './components/system/api/routes';
import { type Lifecycle, createLifecycle } from './components/system/domain/readiness';
import { registerUsersOpenApi, usersRouter } from './components/users/api/routes';
import type { AwsClients } from './libraries/aws';
import type { Config } from './libraries/config';
import { errorHandler } from './libraries/errors';
import { notFound, requestContext, route } from './libraries/http';
import type { Logger } from './libraries/logger';
import { type Metrics, createMetrics } from './libraries/metrics';
import { OpenAPIRegistry, generateDocument } from './libraries/openapi';
import type { Redis } from './libraries/redis';

/** Everything the app talks to, built by the caller (server.ts, a test, the bench). */
export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly aws: AwsClients;
  readonly redis: Redis;
  /** A fresh registry when absent. */
  readonly metrics?: Metrics;
  /** Shared with server.ts so that SIGTERM turns readiness to 503. */
  readonly lifecycle?: Lifecycle;
  /** Time budget of each readiness check, default 1000 ms. */
  readonly readinessTimeoutMs?: number;
}

/** The OpenAPI 3.1 document of every route, from the same zod schemas that validate requests. */
export function buildOpenApiDocument(version: string) {
  const registry = new OpenAPIRegistry();
  registerSystemOpenApi(registry);
  registerUsersOpenApi(registry);
  registerCounterOpenApi(registry);
  registerMessagesOpenApi(registry);
  return generateDocument(registry, version);
}

/** Builds the Express app; it listens on nothing and owns no client. */
export function createApp(deps: AppDeps): Express {
  const { config, logger, aws, redis } = deps;
  const metrics = deps.metrics ?? createMetrics();
  const lifecycle = deps.lifecycle ?? createLifecycle();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use(requestContext(logger, metrics));
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // While draining, tell keep-alive clients to reconnect (to another pod).
    if (lifecycle.shuttingDown) res.setHeader('Connection', 'close');
    next();
  });

  const probes = dependencyProbes(aws, redis, {
    tables: [config.usersTable, config.messagesTable],
    bucket: config.avatarsBucket,
    queueUrl: config.queueUrl,
  });
  app.use(systemRouter({ config, metrics, lifecycle, probes, readinessTimeoutMs: deps.readinessTimeoutMs }));
  app.use(usersRouter({ config, metrics, aws, logger }));
  app.use(counterRouter({ metrics, redis }));
  app.use(messagesRouter({ config, metrics, aws }));

  const document = buildOpenApiDocument(config.appVersion);
  const router = express.Router();
  route(router, ['/openapi.json', '/static/swagger.json'], { get: (_req, res) => void res.json(document) });
  app.use(router);
  app.use(
    '/swagger',
    swaggerUi.serveFiles(document),
    swaggerUi.setup(document, { customSiteTitle: 'eks-cdk-reference API' }),
  );

  app.use(notFound);
  app.use(errorHandler(logger, metrics));
  return app;
}
