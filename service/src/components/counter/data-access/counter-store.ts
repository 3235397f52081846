import { ReplyError } from 'ioredis';
import { AppError } from '../../../libraries/errors';
import type { Redis } from '../../../libraries/redis';

const KEY = 'counter';

/** Replies that mean "this server cannot serve us now" (auth, loading, failover), not a bad command. */
const UNAVAILABLE_REPLY = /^(NOAUTH|WRONGPASS|LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|BUSY)\b/;

/** Redis failures: a reply error such as WRONGTYPE is a bug (500); anything else means Redis is unavailable (503). */
async function redisCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const isBug = err instanceof ReplyError && !UNAVAILABLE_REPLY.test((err as Error).message);
    throw isBug ? AppError.internal(err) : AppError.unavailable('redis', err);
  }
}

export function counterStore(redis: Redis) {
  return {
    read: () => redisCall(async () => Number((await redis.get(KEY)) ?? 0)),
    /** One atomic INCR: concurrent writers never lose an update. */
    increment: () => redisCall(() => redis.incr(KEY)),
  };
}

export type CounterStore = ReturnType<typeof counterStore>;
