/**
 * The Redis counter (API.md "Counter"), black-box over HTTP against the running local environment.
 * The counter of a long-lived environment is not 0: every test reads it first and checks the
 * difference. This is the only e2e file that writes the counter.
 */
import { allowOf, call, expectJson, get } from './support/http';
import { COUNTERS, counterValue } from './support/metrics';

async function readCounter(): Promise<number> {
  const reply = await get('/read');
  expectJson(reply, 200, { counter: expect.any(Number) });
  const n = (reply.body as { counter: number }).counter;
  expect(Number.isInteger(n) && n >= 0).toBe(true);
  return n;
}

const write = () => call('/write', { method: 'POST' });

describe('the counter: GET /read and POST /write', () => {
  test('when GET /read, then 200 {"counter": N} with N a non-negative integer', async () => {
    await readCounter();
  });

  test('when POST /write, then 200 {"counter": N+1} and GET /read returns N+1', async () => {
    const before = await readCounter();
    expectJson(await write(), 200, { counter: before + 1 });
    expect(await readCounter()).toBe(before + 1);
  });

  test('when 50 POST /write run concurrently, then the counter grows by exactly 50 and each answer is a distinct value', async () => {
    const before = await readCounter();
    const replies = await Promise.all(Array.from({ length: 50 }, write));
    expect(replies.map((r) => r.status)).toEqual(Array(50).fill(200));
    const values = replies.map((r) => (r.body as { counter: number }).counter).sort((a, b) => a - b);
    expect(values).toEqual(Array.from({ length: 50 }, (_v, i) => before + 1 + i));
    expect(await readCounter()).toBe(before + 50);
  });

  test.each([
    ['POST', '/read', 'GET'],
    ['GET', '/write', 'POST'],
    ['PUT', '/write', 'POST'],
    ['DELETE', '/read', 'GET'],
  ])(
    'when %s %s, then 405 {"error":"Method Not Allowed"} with Allow: %s and the counter is unchanged',
    async (method, path, allowed) => {
      const before = await readCounter();
      const reply = await call(path, { method });
      expectJson(reply, 405, { error: 'Method Not Allowed' });
      expect(allowOf(reply)).toContain(allowed);
      expect(allowOf(reply)).not.toContain(method);
      expect(await readCounter()).toBe(before);
    },
  );

  test('when the counter is written 3 times, then counter_increments_total in /metrics increases by at least 3', async () => {
    const before = await counterValue(COUNTERS.counterIncrements);
    for (let i = 0; i < 3; i++) expect((await write()).status).toBe(200);
    expect(await counterValue(COUNTERS.counterIncrements)).toBeGreaterThanOrEqual(before + 3);
  });
});
