import './instrumentation';
import { createApp } from './app';
import { createLifecycle } from './components/system/domain/readiness';
import { createAwsClients } from './libraries/aws';
import { loadConfigOrExit } from './libraries/config';
import { withAppSecretOrExit } from './libraries/config/app-secret';
import { createHttpServer } from './libraries/http';
import { installProcessLifecycle } from './libraries/lifecycle';
import { createLogger } from './libraries/logger';
import { createMetrics } from './libraries/metrics';
import { connectInBackground, createRedis, resolveRedisConnection } from './libraries/redis';
import { shutdownTracing } from './libraries/tracing';

/**
 * The api process: configuration (fail fast), clients built once, the HTTP server, and shutdown
 * (libraries/lifecycle: SIGTERM turns readiness 503, keeps answering with `Connection: close` for
 * SHUTDOWN_DRAIN_DELAY_MS, then closes the listener, lets in-flight requests finish, quits Redis and
 * the SDK clients, exits 0). Node runs as PID 1 in the container and SIGTERM is handled here (no tini
 * needed: this process installs its own handlers and spawns no children, so there are no zombies to reap).
 */
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

  const server = createHttpServer(app, config);
  installProcessLifecycle({
    logger,
    timeoutMs: config.shutdownTimeoutMs,
    state: lifecycle,
    http: { server, drainDelayMs: config.shutdownDrainDelayMs },
    cleanup: async () => {
      await redis.quit().catch(() => redis.disconnect());
      aws.destroy();
      await shutdownTracing();
    },
  });
  server.once('error', (err) => {
    logger.fatal({ err, port: config.port }, 'cannot listen');
    logger.flush();
    process.exit(1);
  });
  server.listen(config.port, () => logger.info({ port: config.port }, 'api listening'));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
}

void main();
