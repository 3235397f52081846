import request from 'supertest';
import { waitFor } from './helpers/redis-server';
import { useTestApp } from './helpers/test-app';

describe('counter on Redis', () => {
  const t = useTestApp('ctr');

  beforeEach(async () => {
    await waitFor(async () => t.redis.status === 'ready', 'redis client ready');
    await t.redis.del('counter');
  });

  test('when the counter was never written, then GET /read returns 0', async () => {
    const res = await request(t.app).get('/read');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ counter: 0 });
  });

  test('when POST /write, then the counter goes up by one and GET /read shows it', async () => {
    expect((await request(t.app).post('/write')).body).toEqual({ counter: 1 });
    expect((await request(t.app).post('/write')).body).toEqual({ counter: 2 });
    expect((await request(t.app).get('/read')).body).toEqual({ counter: 2 });
  });

  test('when 50 POST /write run concurrently from 0, then the counter is exactly 50 and each got a distinct value', async () => {
    const responses = await Promise.all(Array.from({ length: 50 }, () => request(t.app).post('/write')));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const values = responses.map((r) => r.body.counter as number).sort((a, b) => a - b);
    expect(values).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect((await request(t.app).get('/read')).body).toEqual({ counter: 50 });
  });

  test.each([
    ['post', '/read', 'GET, HEAD, OPTIONS'],
    ['get', '/write', 'POST, OPTIONS'],
  ] as const)('when %s %s, then 405 with Allow', async (method, path, allow) => {
    const res = await request(t.app)[method](path);
    expect(res.status).toBe(405);
    expect(res.body).toEqual({ error: 'Method Not Allowed' });
    expect(res.headers.allow).toBe(allow);
  });

  test('when the counter key holds something INCR cannot use, then 500 JSON without a stack trace', async () => {
    await t.redis.set('counter', 'not-a-number');
    const res = await request(t.app).post('/write');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'Internal Server Error' });
    expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  test('when Redis hangs (no answer on an open connection), then /read and /readyz answer 503 instead of waiting', async () => {
    t.redisServer.pause();
    try {
      const res = await request(t.app).get('/read');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: 'redis unavailable' });
      expect(res.headers['retry-after']).toBe('5');
      const ready = await request(t.app).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.redis).toBe('unavailable');
    } finally {
      t.redisServer.resume();
    }
    await waitFor(async () => (await request(t.app).get('/read')).status === 200, 'redis answering again');
  });

  test('when Redis stops, then /read, /write and /readyz answer 503 and dependency_up{redis} is 0 while /healthz stays 200; when it returns, all recover', async () => {
    await t.redisServer.stop();
    try {
      await waitFor(async () => t.redis.status !== 'ready', 'client to notice');
      for (const res of [await request(t.app).get('/read'), await request(t.app).post('/write')]) {
        expect(res.status).toBe(503);
        expect(res.body).toEqual({ error: 'redis unavailable' });
        expect(res.headers['retry-after']).toBe('5');
      }
      const ready = await request(t.app).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({
        status: 'not ready',
        checks: { dynamodb: 'ok', s3: 'ok', sqs: 'ok', redis: 'unavailable' },
      });
      const down = (await request(t.app).get('/metrics')).text;
      expect(down).toContain('dependency_up{dependency="redis"} 0\n');
      expect(down).toContain('dependency_up{dependency="dynamodb"} 1\n');
      expect((await request(t.app).get('/healthz')).status).toBe(200);
    } finally {
      await t.redisServer.startProcess();
    }
    await waitFor(async () => (await request(t.app).get('/readyz')).status === 200, 'readiness to recover');
    expect((await request(t.app).get('/metrics')).text).toContain('dependency_up{dependency="redis"} 1\n');
    expect((await request(t.app).post('/write')).body).toEqual({ counter: 1 });
  });
});
