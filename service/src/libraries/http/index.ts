import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';

declare module 'express-serve-static-core' {
  interface Request {
    /** The request id, echoed from X-Request-Id or generated. */
    id: string;
    /** A child logger carrying the request id. */
    log: Logger;
  }
}

const VALID_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/**
 * Request id, per-request logger, one access-log line and the duration histogram, all from one
 * `finish` listener. The route label is the matched template (`/users/:id`), never the raw path.
 */
export function requestContext(logger: Logger, metrics: Metrics): RequestHandler {
  // The access line has fixed fields and no secret-bearing ones, so it skips pino's path redaction
  // (about half of its cost, docs/BENCHMARKS.md); the secret-value scrub of every line still applies.
  const accessLog = logger.child({}, { redact: [] });
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    const incoming = req.headers['x-request-id'];
    req.id = typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    // The child logger is built only when a handler logs (most requests write the access line only).
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', {
      get: () => (child ??= logger.child({ requestId: req.id })),
      configurable: true,
    });
    res.setHeader('X-Request-Id', req.id);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = routeLabel(req);
      metrics.httpDuration.observe({ method: req.method, route, status_code: res.statusCode }, seconds);
      accessLog.info(
        {
          requestId: req.id,
          method: req.method,
          route,
          path: req.path,
          status: res.statusCode,
          durationMs: Math.round(seconds * 1e4) / 10,
        },
        'request completed',
      );
    });
    next();
  };
}

function routeLabel(req: Request): string {
  const template: unknown = req.route?.path;
  if (typeof template === 'string') return `${req.baseUrl}${template}` || '/';
  if (Array.isArray(template)) {
    // One route serving aliases (`/readyz`, `/ready`): label with the alias that matched, else the first.
    const path = req.path.length > 1 ? req.path.replace(/\/$/, '') : req.path;
    return `${req.baseUrl}${String(template.find((t) => t === path) ?? template[0])}`;
  }
  if (req.baseUrl) return req.baseUrl; // a mounted static handler such as /swagger
  return 'unmatched';
}

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Handlers = Partial<Record<Method, RequestHandler | RequestHandler[]>>;

/**
 * Registers a path's handlers and answers any other method with 405 and an `Allow` header
 * (OPTIONS gets 204 with the same header).
 */
export function route(router: Router, path: string | string[], handlers: Handlers): void {
  const methods = Object.keys(handlers) as Method[];
  const allow = [
    ...methods.map((m) => m.toUpperCase()),
    ...(methods.includes('get') ? ['HEAD'] : []),
    'OPTIONS',
  ].join(', ');
  const r = router.route(path);
  for (const m of methods) {
    const h = handlers[m];
    if (h) r[m](...(Array.isArray(h) ? h : [h]));
  }
  r.all((req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Allow', allow);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next(new AppError(405, { error: 'Method Not Allowed' }));
  });
}

/** Unknown path: JSON 404. */
export const notFound: RequestHandler = (_req, _res, next) => next(AppError.notFound());

export { DEFAULT_BODY_LIMIT_BYTES, limitBody } from './body-limit';
export {
  API_CSP_DIRECTIVES,
  SWAGGER_UI_CSP_DIRECTIVES,
  securityHeaders,
  swaggerUiCsp,
} from './security-headers';
export { type HttpTimeouts, KEEP_ALIVE_TIMEOUT_MS, createHttpServer } from './server';
