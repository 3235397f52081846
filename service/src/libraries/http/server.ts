import { type RequestListener, type Server, createServer } from 'node:http';

/** Above the ALB's 60 s idle timeout, so that the load balancer, not the pod, closes idle connections. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface HttpTimeouts {
  /** The whole request, headers and body, must arrive within it (Node answers 408 and closes). */
  readonly requestTimeoutMs: number;
  /** The request headers must arrive within it (408); at most requestTimeoutMs. */
  readonly headersTimeoutMs: number;
}

/**
 * An HTTP server with the request and header timeouts set (Node's defaults are 300 s and 60 s)
 * and keep-alive above the ALB's idle timeout. Node checks the timeouts every
 * `connectionsCheckingInterval` (30 s by default), which would let a slow client hold a socket up to
 * 30 s longer than configured: here the check runs every second (or more often for short timeouts).
 * Idle keep-alive connections are not subject to headersTimeout: it counts from the first byte of a request.
 */
export function createHttpServer(handler: RequestListener, timeouts: HttpTimeouts): Server {
  const server = createServer(
    {
      requestTimeout: timeouts.requestTimeoutMs,
      headersTimeout: timeouts.headersTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(timeouts.headersTimeoutMs / 4))),
    },
    handler,
  );
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  return server;
}
