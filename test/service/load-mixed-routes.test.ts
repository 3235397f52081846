import { PNG } from './helpers/images';
import {
  type LoadRequest,
  type LoadRecord,
  sendOnce,
  sleep,
  startHttpLoad,
  tally,
} from '../support/http-load';
import { useServiceFixture } from './helpers/service-procs';

/**
 * Mixed keep-alive load over every route of the api (valid requests only) against the real api
 * and worker processes: 8 connections for LOAD_MS, each request the next route in turn. Asserted:
 * no network error, no client timeout, no 5xx, and each route answers exactly its success status
 * (201 for POST /user, 200 for the rest); every route is exercised.
 *
 * The rest of the load and fault suite: faults-redis.test.ts (Redis killed and
 * restarted under POST /write), faults-emulator-stall.test.ts (the emulator stalled for 5 s under
 * reads), faults-worker-kill.test.ts (the worker SIGKILLed mid-stream). SIGTERM under load is
 * shutdown-under-load.test.ts (5 SIGTERMs under 16 keep-alive connections, zero dropped), not
 * repeated here.
 */
const CONNECTIONS = 8;
const LOAD_MS = Number(process.env.LOAD_MIXED_MS ?? 4000);

const multipart = (fields: Record<string, string>, file: { name: string; type: string; bytes: Buffer }) => {
  const boundary = `----mixed${Math.random().toString(36).slice(2)}`;
  const parts: Buffer[] = Object.entries(fields).map(([k, v]) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`),
  );
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="avatar"; filename="${file.name}"\r\n` +
        `Content-Type: ${file.type}\r\n\r\n`,
    ),
    file.bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: Buffer.concat(parts),
  };
};

describe('load: mixed traffic over every route', () => {
  const fx = useServiceFixture('lmix');

  test(`when ${CONNECTIONS} keep-alive connections send every route for ${LOAD_MS / 1000} s, then nothing fails`, async () => {
    const [api] = await Promise.all([fx.startApi(), fx.startWorker()]);
    const port = api.port;
    const runTag = Date.now().toString(36);
    let seq = 0;
    const newUser = (): LoadRequest => ({
      name: 'POST /user',
      method: 'POST',
      path: '/user',
      ...multipart(
        { name: `Load ${seq}`, email: `load-${runTag}-${seq++}@example.com` },
        { name: 'avatar.png', type: 'image/png', bytes: PNG },
      ),
    });
    const message = (): LoadRequest => ({
      name: 'POST /process_message',
      method: 'POST',
      path: '/process_message',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ run: runTag, n: seq++ })),
    });

    // One user and one stored message to read back.
    const created = await sendOnce(port, newUser(), { keepBody: true });
    expect(created.status).toBe(201);
    const userId = (JSON.parse(created.body ?? '{}') as { id: string }).id;
    const sent = await sendOnce(port, message(), { keepBody: true });
    expect(sent.status).toBe(200);
    const messageId = (JSON.parse(sent.body ?? '{}') as { messageId: string }).messageId;
    for (let i = 0; i < 200; i++) {
      if ((await sendOnce(port, { name: 'get', path: `/messages/${messageId}` })).status === 200) break;
      await sleep(50);
    }

    const routes: Array<{ expect: number; request: () => LoadRequest }> = [
      { expect: 200, request: () => ({ name: 'GET /', path: '/' }) },
      { expect: 200, request: () => ({ name: 'GET /config', path: '/config' }) },
      { expect: 200, request: () => ({ name: 'GET /healthz', path: '/healthz' }) },
      { expect: 200, request: () => ({ name: 'GET /readyz', path: '/readyz' }) },
      { expect: 200, request: () => ({ name: 'GET /read', path: '/read' }) },
      { expect: 200, request: () => ({ name: 'POST /write', method: 'POST', path: '/write' }) },
      { expect: 200, request: () => ({ name: 'GET /users', path: '/users' }) },
      { expect: 201, request: newUser },
      { expect: 200, request: () => ({ name: 'GET /users/:id', path: `/users/${userId}` }) },
      { expect: 200, request: message },
      { expect: 200, request: () => ({ name: 'GET /messages/:id', path: `/messages/${messageId}` }) },
      { expect: 200, request: () => ({ name: 'GET /metrics', path: '/metrics' }) },
      { expect: 200, request: () => ({ name: 'GET /openapi.json', path: '/openapi.json' }) },
    ];
    const expected = new Map<string, number>();
    const load = startHttpLoad({
      port,
      connections: CONNECTIONS,
      requestTimeoutMs: 15_000,
      maxDurationMs: LOAD_MS + 20_000,
      next: (n, loop) => {
        const route = routes[(n * CONNECTIONS + loop) % routes.length];
        const r = route.request();
        expected.set(r.name, route.expect);
        return r;
      },
      keepBody: (status) => status >= 300,
    });
    let records: LoadRecord[];
    try {
      await sleep(LOAD_MS);
    } finally {
      records = await load.stop();
    }
    const counts = tally(records);
    const p99 = [...records.map((r) => r.durationMs)].sort((a, b) => a - b)[
      Math.floor(records.length * 0.99)
    ];
    process.stdout.write(
      `load-mixed-routes: ${records.length} requests in ${LOAD_MS} ms over ${CONNECTIONS} connections, ` +
        `p99 ${p99} ms, ${JSON.stringify(counts)}\n`,
    );
    const failed = records.filter((r) => r.error !== undefined || r.status !== expected.get(r.name));
    expect(failed.slice(0, 5).map((r) => `${r.name}: ${r.error ?? r.status} ${r.body ?? ''}`)).toEqual([]);
    for (const route of routes) {
      const name = route.request().name;
      expect({ name, hits: (counts[name]?.[String(route.expect)] ?? 0) > 0 }).toEqual({ name, hits: true });
    }
  }, 90_000);
});
