import { Writable } from 'node:stream';
import type { Express } from 'express';
import { createApp } from '../../../service/src/app';
import { type Lifecycle, createLifecycle } from '../../../service/src/components/system/domain/readiness';
import { type Config, loadConfig } from '../../../service/src/libraries/config';
import { createLogger } from '../../../service/src/libraries/logger';
import { type Metrics, createMetrics } from '../../../service/src/libraries/metrics';
import { type Redis, createRedis, resolveRedisConnection } from '../../../service/src/libraries/redis';
import { type Backends, createBackends } from './backends';
import { RedisServer } from './redis-server';

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

export interface TestAppContext {
  readonly backends: Backends;
  readonly redisServer: RedisServer;
  readonly app: Express;
  readonly config: Config;
  readonly redis: Redis;
  readonly metrics: Metrics;
  readonly lifecycle: Lifecycle;
  readonly logs: string[];
}

/**
 * The usual arrangement of a test file: its own backends on the emulator, its own redis-server,
 * and the app over them, built in beforeAll and torn down in afterAll.
 */
export function useTestApp(
  prefix: string,
  options: { env?: Record<string, string>; maxReceiveCount?: number } = {},
): TestAppContext {
  let backends: Backends | undefined;
  let redisServer: RedisServer | undefined;
  let t: TestApp | undefined;
  beforeAll(async () => {
    backends = await createBackends(prefix, { maxReceiveCount: options.maxReceiveCount });
    redisServer = await RedisServer.start();
    t = await buildTestApp(backends, redisServer.url, options.env);
  });
  afterAll(async () => {
    await t?.close();
    await redisServer?.stop();
    await backends?.destroy();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useTestApp: used before beforeAll ran');
    return value;
  };
  return {
    get backends() {
      return ready(backends);
    },
    get redisServer() {
      return ready(redisServer);
    },
    get app() {
      return ready(t).app;
    },
    get config() {
      return ready(t).config;
    },
    get redis() {
      return ready(t).redis;
    },
    get metrics() {
      return ready(t).metrics;
    },
    get lifecycle() {
      return ready(t).lifecycle;
    },
    get logs() {
      return ready(t).logs;
    },
  };
}
