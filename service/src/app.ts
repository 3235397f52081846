import express, { type Express } from 'express';
import swaggerUi from 'swagger-ui-express';
import { counterEndpoints, counterRouter } from './components/counter/entry-points/api/routes';
import { messagesEndpoints, messagesRouter } from './components/messages/entry-points/api/routes';
import { dependencyProbes } from './components/system/data-access/probes';
import { systemEndpoints, systemRouter } from './components/system/entry-points/api/routes';
import { type Lifecycle, createLifecycle } from './components/system/domain/readiness';
import { usersEndpoints, usersRouter } from './components/users/entry-points/api/routes';
import type { AwsClients } from './libraries/aws';
import type { Config } from './libraries/config';
import { errorHandler } from './libraries/errors';
import { limitBody, notFound, requestContext, route, securityHeaders, swaggerUiCsp } from './libraries/http';
import { endpointPaths, registerEndpoints } from './libraries/http/endpoint';
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

/** Every endpoint of the API, in the order the document lists them (each component mounts its own). */
export const apiEndpoints = [
  ...systemEndpoints,
  ...usersEndpoints,
  ...counterEndpoints,
  ...messagesEndpoints,
];

/** The OpenAPI 3.1 document of every endpoint, from the definitions that route and parse its requests. */
export function buildOpenApiDocument(version: string) {
  const registry = new OpenAPIRegistry();
  registerEndpoints(registry, apiEndpoints);
  return generateDocument(registry, version);
}

/**
 * A body limit on every route. The endpoints that read a body bound it themselves, each with its own
 * 413 answer: `POST /process_message` (express.json, 256 KiB, the messages error shape), `POST /user`
 * and `POST /users` (multer: AVATAR_MAX_BYTES for the one file, 8 KiB per field, 11 parts). Every
 * other route ignores its body: it gets 64 KiB at most, else 413 `{"error":"Payload Too Large"}`.
 * Express's own path matching decides which is which (case, trailing slash).
 */
function bodyLimits(): express.RequestHandler {
  const router = express.Router();
  const readers = apiEndpoints.filter((e) => e.readsBody);
  const methods = new Set(readers.map((e) => e.method.toUpperCase()));
  // `use`, not `post`: a route here would make the router answer OPTIONS for these paths itself.
  router.use(endpointPaths(readers), (req, _res, next) =>
    methods.has(req.method) && req.path === '/' ? next('router') : next(),
  );
  router.use(limitBody());
  // Most requests carry no body at all: they skip the router (and its path matching) entirely.
  return (req, res, next) => {
    const length = req.headers['content-length'];
    if ((length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined) next();
    else router(req, res, next);
  };
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
  // helmet: HSTS, nosniff, frame and cross-origin policies, and a Content-Security-Policy that lets
  // nothing load from an API response (Swagger UI gets its own below).
  app.use(securityHeaders());
  app.use((_req, res, next) => {
    // While draining, tell keep-alive clients to reconnect (to another pod). The process lifecycle
    // (libraries/lifecycle) does the same at the server; this covers an app embedded without it.
    if (lifecycle.shuttingDown) res.setHeader('Connection', 'close');
    next();
  });
  app.use(bodyLimits());

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
    swaggerUiCsp(),
    swaggerUi.serveFiles(document),
    swaggerUi.setup(document, { customSiteTitle: 'eks-cdk-reference API' }),
  );

  app.use(notFound);
  app.use(errorHandler(logger, metrics));
  return app;
}
