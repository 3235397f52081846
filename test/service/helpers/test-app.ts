import { Writable } from 'node:stream';
import type { Express } from 'express';
import { createApp } from '../../../service/src/app';
import { type Lifecycle, createLifecycle } from '../../../service/src/components/system/domain/readiness';
import { type Config, loadConfig } from '../../../service/src/libraries/config';
import { createLogger } from '../../../service/src/libraries/logger';
import { type Metrics, createMetrics } from '../../../service/src/libraries/metrics';
import { type Redis, createRedis, resolveRedisConnection } from '../../../service/src/libraries/redis';
import type { Backends } from './backends';

export interface TestApp {
  readonly app: Express;
  readonly config: Config;
  readonly redis: Redis;
  readonly metrics: Metrics;
  readonly lifecycle: Lifecycle;
  /** Every log line the app wrote. */
  readonly logs: string[];
  close(): Promise<void>;
}

/** The real app over real backends; the configuration goes through the same parser as in production. */
export async function buildTestApp(
  backends: Backends,
  redisUrl: string,
  env: Record<string, string> = {},
): Promise<TestApp> {
  const config = loadConfig({ ...backends.env, REDIS_URL: redisUrl, LOG_LEVEL: 'info', ...env }, 'api');
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const logger = createLogger({
    level: config.logLevel,
    secretValues: Object.values(config.secrets),
    destination,
  });
  const redis = createRedis(await resolveRedisConnection(config.redis, backends.aws), logger, {
    commandTimeoutMs: 500,
  });
  await redis.connect().catch(() => undefined);
  const metrics = createMetrics();
  const lifecycle = createLifecycle();
  const app = createApp({
    config,
    logger,
    aws: backends.aws,
    redis,
    metrics,
    lifecycle,
    readinessTimeoutMs: 2000,
  });
  return {
    app,
    config,
    redis,
    metrics,
    lifecycle,
    logs,
    async close() {
      redis.disconnect();
    },
  };
}
