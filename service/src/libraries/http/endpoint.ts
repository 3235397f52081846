import type { Request, RequestHandler, Response, Router } from 'express';
import { AppError } from '../errors';
import { type OpenAPIRegistry, type Operation, registerOperation, type z } from '../openapi';
import { type Method, route } from './index';

type Params = z.ZodObject;

/** What a handler receives: the request's path parameters and query as its schemas parsed them, and its body. */
export interface EndpointInput<P extends Params, Q extends Params, B> {
  readonly params: z.output<P>;
  readonly query: z.output<Q>;
  readonly body: B;
}

/**
 * One operation of the API, declared once: its method and path, how its request is parsed, what the
 * OpenAPI document says about it, and its handler. `C` is what the handler needs from its component
 * (its services, its configuration), given when the component's endpoints are mounted.
 */
export interface EndpointSpec<C, P extends Params, Q extends Params, B> extends Omit<
  Operation,
  'method' | 'path' | 'request' | 'operationId'
> {
  readonly method: Method;
  /** The OpenAPI path template (`/users/{id}`); Express matches it as `/users/:id`. */
  readonly path: string;
  readonly operationId: string;
  /** Other paths serving the same operation, each with its own operationId (path → operationId). */
  readonly aliases?: Readonly<Record<string, string>>;
  readonly request?: Omit<NonNullable<Operation['request']>, 'params' | 'query'> & {
    /** Parses `req.params`; the document lists its members as path parameters. */
    readonly params?: P;
    /** Parses `req.query`; the document lists its members as query parameters. */
    readonly query?: Q;
  };
  /** The answer to a request whose params or query their schema rejects (default: 400 "Invalid request"). */
  readonly rejected?: (where: 'params' | 'query', issues: readonly z.core.$ZodIssue[]) => AppError;
  /** Reads the request body before the handler runs (multipart, JSON), each failure with its own answer. */
  readonly readBody?: (context: C) => RequestHandler;
  /** The body the handler receives, validated from what `readBody` left on the request. */
  readonly body?: (req: Request) => B;
  readonly handler: (input: EndpointInput<P, Q, B>, res: Response, context: C, req: Request) => unknown;
}

/** An endpoint as `defineEndpoint` returns it: mounted by `mountEndpoints`, documented by `registerEndpoints`. */
export interface Endpoint<C> {
  readonly method: Method;
  /** Every path of the operation with its operationId, the main path first. */
  readonly operations: ReadonlyArray<{ readonly path: string; readonly operationId: string }>;
  /** The OpenAPI operation without its path and operationId. */
  readonly operation: Omit<Operation, 'path' | 'operationId'>;
  /** Whether the endpoint reads its own body (and so bounds it itself). */
  readonly readsBody: boolean;
  readonly handlers: (context: C) => RequestHandler[];
}

const EMPTY = undefined as never;

// The value is read only when there is a schema: Express parses the query string anew on every
// read of req.query, which an endpoint without query parameters need not pay for.
function parsed<S extends Params>(
  schema: S | undefined,
  value: () => unknown,
  where: 'params' | 'query',
  rejected: NonNullable<EndpointSpec<unknown, Params, Params, unknown>['rejected']>,
): z.output<S> {
  if (!schema) return {} as z.output<S>;
  const result = schema.safeParse(value());
  if (!result.success) throw rejected(where, result.error.issues);
  return result.data as z.output<S>;
}

const invalidRequest = () => AppError.badRequest('Invalid request');

/** Declares one endpoint: the route, its request parsing and its OpenAPI operation come from this one definition. */
export function defineEndpoint<
  C,
  P extends Params = z.ZodObject<Record<never, never>>,
  Q extends Params = z.ZodObject<Record<never, never>>,
  B = undefined,
>(spec: EndpointSpec<C, P, Q, B>): Endpoint<C> {
  const { path, operationId, aliases, rejected, readBody, body, handler, ...operation } = spec;
  const reject = rejected ?? invalidRequest;
  return {
    method: spec.method,
    operations: [
      { path, operationId },
      ...Object.entries(aliases ?? {}).map(([p, id]) => ({ path: p, operationId: id })),
    ],
    operation,
    readsBody: readBody !== undefined,
    handlers: (context) => [
      ...(readBody ? [readBody(context)] : []),
      async (req: Request, res: Response) => {
        const input: EndpointInput<P, Q, B> = {
          params: parsed(spec.request?.params, () => req.params, 'params', reject),
          query: parsed(spec.request?.query, () => req.query, 'query', reject),
          body: body ? body(req) : EMPTY,
        };
        await handler(input, res, context, req);
      },
    ],
  };
}

/** `/users/{id}` → `/users/:id`. */
export const expressPath = (path: string): string => path.replace(/\{([^}]+)\}/g, ':$1');

/** Every path the endpoints serve, as Express matches it. */
export const endpointPaths = (endpoints: readonly Endpoint<never>[]): string[] => [
  ...new Set(endpoints.flatMap((e) => e.operations.map((o) => expressPath(o.path)))),
];

const METHOD_ORDER: readonly Method[] = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * Mounts the endpoints on the router, one route per path (in the order the endpoints first name
 * it), each answering its other methods with 405 and `Allow`.
 */
export function mountEndpoints<C>(router: Router, endpoints: readonly Endpoint<C>[], context: C): void {
  const byPath = new Map<string, Map<Method, RequestHandler[]>>();
  for (const endpoint of endpoints) {
    const handlers = endpoint.handlers(context);
    for (const { path } of endpoint.operations) {
      const methods = byPath.get(expressPath(path)) ?? new Map<Method, RequestHandler[]>();
      if (methods.has(endpoint.method)) throw new Error(`Two endpoints for ${endpoint.method} ${path}`);
      methods.set(endpoint.method, handlers);
      byPath.set(expressPath(path), methods);
    }
  }
  for (const [path, methods] of byPath) {
    route(
      router,
      path,
      Object.fromEntries(METHOD_ORDER.filter((m) => methods.has(m)).map((m) => [m, methods.get(m)])),
    );
  }
}

/** Registers each endpoint's operation under each of its paths. */
export function registerEndpoints(registry: OpenAPIRegistry, endpoints: readonly Endpoint<never>[]): void {
  for (const endpoint of endpoints) {
    for (const { path, operationId } of endpoint.operations) {
      registerOperation(registry, { ...endpoint.operation, path, operationId });
    }
  }
}
