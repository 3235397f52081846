import type { Server } from 'node:http';
import { createApp } from './app';
import { createLifecycle } from './components/system/domain/readiness';
import { createAwsClients } from './libraries/aws';
import { loadConfigOrExit } from './libraries/config';
import { withAppSecretOrExit } from './libraries/config/app-secret';
import { createLogger } from './libraries/logger';
import { createMetrics } from './libraries/metrics';
import { connectInBackground, createRedis, resolveRedisConnection } from './libraries/redis';

/**
 * The api process: configuration (fail fast), clients built once, the HTTP server, and shutdown.
 * Node runs as PID 1 in the container and SIGTERM is handled here (no tini needed: this process
 * installs its own handlers and spawns no children, so there are no zombies to reap).
 */
/** How long the api keeps answering (with `Connection: close`) after SIGTERM: a quarter of the drain time, at most 5 s. */
const drainDelayMs = (shutdownTimeoutMs: number): number => Math.min(5000, Math.floor(shutdownTimeoutMs / 4));

async function main(): Promise<void> {
  const env = loadConfigOrExit('api');
  const aws = createAwsClients({ region: env.region, endpoint: env.endpoint });
  // Secrets (APP_SECRET_ARN, the Redis AUTH token) are read before the logger exists, so that the
  // logger scrubs their values from every line.
  const config = await withAppSecretOrExit(env, aws.secrets);
  const resolved = await resolveRedisConnection(config.redis, aws).then(
    (connection) => ({ connection, err: undefined }),
    (err: unknown) => ({ connection: undefined, err }),
  );
  const logger = createLogger({
    level: config.logLevel,
    secretValues: [...Object.values(config.secrets), resolved.connection?.password],
    base: { service: 'api', version: config.appVersion },
  });
  const redisConnection = resolved.connection;
  if (!redisConnection) {
    logger.fatal({ err: resolved.err }, 'cannot resolve the Redis endpoint or AUTH token');
    logger.flush();
    process.exit(1);
  }
  logger.flush();
  const redis = createRedis(redisConnection, logger);
  connectInBackground(redis, logger);
  const metrics = createMetrics();
  const lifecycle = createLifecycle();
  const app = createApp({ config, logger, aws, redis, metrics, lifecycle });

  // Express 5 hands a listen error (e.g. EADDRINUSE) to this callback instead of throwing it.
  const server: Server = app.listen(config.port, (err?: Error) => {
    if (err) {
      logger.fatal({ err, port: config.port }, 'cannot listen');
      logger.flush();
      process.exit(1);
    }
    logger.info({ port: config.port }, 'api listening');
  });
  server.keepAliveTimeout = 65_000; // above the ALB's 60 s idle timeout
  server.headersTimeout = 66_000;

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    lifecycle.shuttingDown = true;
    logger.info(
      { signal, timeoutMs: config.shutdownTimeoutMs },
      'shutting down: draining in-flight requests',
    );
    const force = setTimeout(() => {
      logger.error('drain timed out; exiting');
      logger.flush();
      process.exit(1);
    }, config.shutdownTimeoutMs - 500);
    force.unref();
    // First keep serving, every response with `Connection: close` (app.ts), so that keep-alive
    // clients and load balancers move to another instance on their own; closing idle sockets at
    // once would race a client that is just reusing one (ECONNRESET). Then stop accepting.
    setTimeout(() => stopAccepting(), drainDelayMs(config.shutdownTimeoutMs));
  };
  const stopAccepting = () => {
    logger.info('drain delay over: closing the listener');
    server.close((err) => {
      void (async () => {
        await redis.quit().catch(() => redis.disconnect());
        aws.destroy();
        logger.info('stopped');
        logger.flush();
        process.exit(err ? 1 : 0);
      })();
    });
    // Keep-alive connections that finish their last request after close() would otherwise stay open.
    setInterval(() => server.closeIdleConnections(), 100).unref();
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
}

void main();
