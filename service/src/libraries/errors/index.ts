import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';

export type Dependency = 'dynamodb' | 's3' | 'sqs' | 'redis' | 'secretsmanager' | 'elasticache';

/** Seconds a client should wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 5;

export interface AppErrorOptions {
  /** false: a bug or an unknown state (logged at error level); true: expected (bad input, a dependency down). */
  readonly operational?: boolean;
  readonly headers?: Record<string, string>;
  readonly dependency?: Dependency;
  readonly cause?: unknown;
}

/** The one error type: an HTTP status, the exact JSON body the client gets, and whether it was expected. */
export class AppError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly operational: boolean;
  readonly headers: Record<string, string>;
  readonly dependency?: Dependency;

  constructor(status: number, body: Record<string, unknown>, options: AppErrorOptions = {}) {
    super(
      typeof body.error === 'string'
        ? body.error
        : typeof body.message === 'string'
          ? body.message
          : `HTTP ${status}`,
      {
        cause: options.cause,
      },
    );
    this.name = 'AppError';
    this.status = status;
    this.body = body;
    this.operational = options.operational ?? status < 500;
    this.headers = options.headers ?? {};
    this.dependency = options.dependency;
  }

  static badRequest(error: string): AppError {
    return new AppError(400, { error });
  }

  static notFound(error = 'Not Found'): AppError {
    return new AppError(404, { error });
  }

  static unavailable(dependency: Dependency, cause?: unknown): AppError {
    return new AppError(
      503,
      { error: `${dependency} unavailable` },
      { operational: true, dependency, cause, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } },
    );
  }

  static internal(cause?: unknown): AppError {
    return new AppError(500, { error: 'Internal Server Error' }, { operational: false, cause });
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);
const UNAVAILABLE_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'AbortError',
  'ThrottlingException',
  'Throttling',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'ServiceUnavailable',
  'SlowDown',
  'InternalServerError',
  'InternalError',
  'TransactionConflictException',
]);

const NETWORK_MESSAGE =
  /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\b|socket hang up/;

interface SdkLikeError {
  name?: string;
  code?: string;
  errno?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
  cause?: unknown;
}

/** True when an AWS SDK / socket error means "the dependency cannot be reached now", not "you asked wrongly". */
export function isUnavailableError(err: unknown): boolean {
  for (let e = err as SdkLikeError | undefined, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if (e.code && NETWORK_CODES.has(e.code)) return true;
    if (e.errno && NETWORK_CODES.has(e.errno)) return true;
    if (e.name && UNAVAILABLE_NAMES.has(e.name)) return true;
    // An SDK error that carries metadata but no HTTP status never got an answer: a network failure.
    if (e.$metadata && e.$metadata.httpStatusCode === undefined) return true;
    const status = e.$metadata?.httpStatusCode;
    if (status !== undefined && (status >= 500 || status === 429)) return true;
    if (e instanceof Error && NETWORK_MESSAGE.test(e.message)) return true;
    e = e.cause as SdkLikeError | undefined;
  }
  return false;
}

/** Maps a failed dependency call: unreachable/timeouts/throttling become a 503 for that dependency, the rest a 500. */
export function fromDependencyError(dependency: Dependency, err: unknown): AppError {
  if (err instanceof AppError) return err;
  return isUnavailableError(err) ? AppError.unavailable(dependency, err) : AppError.internal(err);
}

interface HttpishError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
}

/** Maps anything thrown (AppError, body-parser errors, SDK errors, plain bugs) to an AppError. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as HttpishError | undefined;
  if (e && typeof e === 'object') {
    if (e.type === 'entity.parse.failed') return new AppError(400, { error: 'Malformed JSON' });
    if (e.type === 'entity.too.large') return new AppError(413, { error: 'Payload Too Large' });
    const status = e.status ?? e.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500 && e.expose !== false) {
      return new AppError(status, { error: status === 404 ? 'Not Found' : 'Bad Request' });
    }
  }
  if (isUnavailableError(err))
    return new AppError(
      503,
      { error: 'Service Unavailable' },
      { headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } },
    );
  return AppError.internal(err);
}

/** Wraps a promise-returning dependency call so its failures arrive already mapped. */
export async function callDependency<T>(dependency: Dependency, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fromDependencyError(dependency, err);
  }
}

/** The final middleware: one JSON body, the right headers, no stack trace, one log line. */
export function errorHandler(logger: Logger, metrics: Metrics): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = toAppError(err);
    if (appError.dependency) metrics.dependencyErrors.inc({ dependency: appError.dependency });
    const log = (req as { log?: Logger }).log ?? logger;
    const cause = appError.cause ?? (err === appError ? undefined : err);
    const fields = {
      status: appError.status,
      dependency: appError.dependency,
      err: cause instanceof Error ? cause : undefined,
    };
    if (!appError.operational) log.error(fields, 'request failed');
    else if (appError.status >= 500) log.warn(fields, 'dependency unavailable');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(appError.status).set(appError.headers).json(appError.body);
  };
}
