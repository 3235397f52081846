import { DescribeReplicationGroupsCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisSettings } from '../config';
import type { Logger } from '../logger';

export type { Redis } from 'ioredis';

/** Connection facts after resolving secrets and the replication group; what `createRedis` needs. */
export interface RedisConnection {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
}

/** Reads the AUTH token from Secrets Manager: a plain string, or JSON with `password`/`token`/`authToken`. */
async function readAuthSecret(secrets: SecretsManagerClient, arn: string): Promise<string> {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
  const raw = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : '');
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    if (parsed && typeof parsed === 'object') {
      const value = parsed.password ?? parsed.token ?? parsed.authToken ?? parsed.auth_token;
      if (typeof value === 'string') return value;
    }
  } catch {
    // not JSON: the secret string is the token itself
  }
  if (!raw) throw new Error(`Secret ${arn} holds no Redis AUTH token`);
  return raw;
}

/** The primary endpoint of an ElastiCache replication group (cluster mode disabled). */
async function resolveReplicationGroup(
  elasticache: ElastiCacheClient,
  id: string,
): Promise<{ host: string; port: number; tls: boolean }> {
  const out = await elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
  const group = out.ReplicationGroups?.[0];
  const endpoint = group?.NodeGroups?.[0]?.PrimaryEndpoint ?? group?.ConfigurationEndpoint;
  if (!endpoint?.Address || !endpoint.Port)
    throw new Error(`Replication group ${id} has no primary endpoint yet`);
  return { host: endpoint.Address, port: endpoint.Port, tls: group?.TransitEncryptionEnabled ?? false };
}

/** Resolves REDIS_URL / REDIS_HOST / REDIS_REPLICATION_GROUP_ID and the AUTH token into connection facts, at start-up. */
export async function resolveRedisConnection(
  settings: RedisSettings,
  aws: { secrets: SecretsManagerClient; elasticache: ElastiCacheClient },
): Promise<RedisConnection> {
  let host = settings.host;
  let port = settings.port;
  let tls = settings.tls;
  let username: string | undefined;
  let password = settings.password;
  let db: number | undefined;
  if (settings.url) {
    const u = new URL(settings.url);
    host = u.hostname;
    port = u.port ? Number(u.port) : 6379;
    tls = tls || u.protocol === 'rediss:';
    username = u.username ? decodeURIComponent(u.username) : undefined;
    password = u.password ? decodeURIComponent(u.password) : password;
    const path = u.pathname.replace(/^\//, '');
    db = /^\d+$/.test(path) ? Number(path) : undefined;
  } else if (settings.replicationGroupId && !host) {
    const group = await resolveReplicationGroup(aws.elasticache, settings.replicationGroupId);
    host = group.host;
    port = group.port;
    tls = tls || group.tls;
  }
  if (settings.authSecretArn) password = await readAuthSecret(aws.secrets, settings.authSecretArn);
  if (!host) throw new Error('No Redis host configured');
  return { host, port, tls, username, password, db };
}

export interface RedisClientOptions {
  /** Per-command timeout in ms; a slow or half-open connection fails fast instead of hanging a request. */
  readonly commandTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly keyPrefix?: string;
}

/**
 * An ioredis client that never queues commands while disconnected (a down Redis answers at once,
 * the route says 503), reconnects forever with capped backoff, and does not connect until told to.
 */
export function createRedis(conn: RedisConnection, logger: Logger, options: RedisClientOptions = {}): Redis {
  const redisOptions: RedisOptions = {
    host: conn.host,
    port: conn.port,
    username: conn.username,
    password: conn.password,
    db: conn.db,
    tls: conn.tls ? { servername: conn.host } : undefined,
    keyPrefix: options.keyPrefix,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 10), 2000),
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
  };
  const redis = new Redis(redisOptions);
  let wasReady = false;
  redis.on('ready', () => {
    wasReady = true;
    logger.info({ dependency: 'redis' }, 'redis connected');
  });
  redis.on('error', (err: Error) => {
    // ioredis emits one error per failed reconnect attempt: log the first after a loss only.
    if (wasReady)
      logger.warn({ dependency: 'redis', err: { message: err.message } }, 'redis connection lost');
    wasReady = false;
  });
  return redis;
}

/** Starts connecting; when Redis is down the client keeps retrying in the background instead of failing start-up. */
export function connectInBackground(redis: Redis, logger: Logger): void {
  redis.connect().catch((err: Error) => {
    logger.warn({ dependency: 'redis', err: { message: err.message } }, 'redis not reachable yet; retrying');
  });
}
