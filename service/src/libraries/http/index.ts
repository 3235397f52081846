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

/** Per-request fields requestContext keeps on the request and the response (symbols: no name clash). */
const BASE_LOGGER = Symbol('base logger');
const CHILD_LOGGER = Symbol('child logger');
const STARTED = Symbol('started');
interface ContextRequest extends Request {
  [BASE_LOGGER]?: Logger;
  [CHILD_LOGGER]?: Logger;
}
interface ContextResponse extends Response {
  [STARTED]: number;
}

/**
 * `req.log`, built on first use (most requests only write the access line): one getter on the
 * app's request prototype (Express gives every request its app's prototype), so that a request
 * object gets no property of its own and keeps the shape V8 optimised for.
 */
function installLogGetter(proto: object): void {
  if (Object.prototype.hasOwnProperty.call(proto, 'log')) return;
  Object.defineProperty(proto, 'log', {
    configurable: true,
    get(this: ContextRequest): Logger | undefined {
      const base = this[BASE_LOGGER];
      if (!base) return undefined;
      return (this[CHILD_LOGGER] ??= base.child({ requestId: this.id }));
    },
  });
}

/**
 * Request id, per-request logger, one access-log line and the duration histogram, all from one
 * `finish` listener. The route label is the matched template (`/users/:id`), never the raw path.
 */
export function requestContext(logger: Logger, metrics: Metrics): RequestHandler {
  // The access line has fixed fields and no secret-bearing ones, so it skips pino's path redaction
  // (about half of its cost, docs/BENCHMARKS.md); the secret-value scrub of every line still applies.
  const accessLog = logger.child({}, { redact: [] });
  // One listener function for every response (`this` is the response), not a closure per request.
  function onFinish(this: ContextResponse): void {
    const req = this.req;
    const ms = performance.now() - this[STARTED];
    const route = routeLabel(req);
    metrics.httpDuration.observe({ method: req.method, route, status_code: this.statusCode }, ms / 1000);
    accessLog.info(
      {
        requestId: req.id,
        method: req.method,
        route,
        path: req.path,
        status: this.statusCode,
        durationMs: Math.round(ms * 10) / 10,
      },
      'request completed',
    );
  }
  let prototypeWithGetter: object | undefined;
  return (req: ContextRequest, res, next) => {
    (res as ContextResponse)[STARTED] = performance.now();
    const incoming = req.headers['x-request-id'];
    req.id = typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const proto: unknown = Object.getPrototypeOf(req);
    if (proto !== prototypeWithGetter && typeof proto === 'object' && proto) {
      installLogGetter(proto);
      prototypeWithGetter = proto;
    }
    req[BASE_LOGGER] = logger;
    res.setHeader('X-Request-Id', req.id);
    res.on('finish', onFinish);
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
