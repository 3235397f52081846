import { ReplyError } from 'ioredis';
import { AppError } from '../../../libraries/errors';
import type { Redis } from '../../../libraries/redis';

const KEY = 'counter';

/** Redis failures: a reply error (wrong type…) is a bug, anything else means Redis is unreachable. */
async function redisCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw err instanceof ReplyError ? AppError.internal(err) : AppError.unavailable('redis', err);
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
