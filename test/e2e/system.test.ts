/**
 * Home, configuration, health, readiness, metrics, request ids and the JSON 404/405 answers
 * (API.md "Home, configuration, health" and its preamble), black-box over HTTP.
 */
import { randomUUID } from 'crypto';
import { allowOf, call, expectJson, get, mediaType, type Reply, unique } from './support/http';
import { COUNTERS, family, parseMetrics, scrape } from './support/metrics';
import { serviceEnv } from './support/service-env';

describe('home and configuration', () => {
  test('when GET /, then 200 with the greeting, "healthy" and a version', async () => {
    const reply = await get('/');
    expectJson(reply, 200, {
      message: 'Hello, this is a message from your app!',
      status: 'healthy',
      version: expect.stringMatching(/\S/),
    });
    const env = serviceEnv();
    if (env.APP_VERSION) expect((reply.body as { version: string }).version).toBe(env.APP_VERSION);
  });

  test.each(['/config', '/config/', '/configs'])(
    'when GET %s, then 200 with exactly the public values and Yes/No for each secret',
    async (path) => {
      const env = serviceEnv();
      const secretStatus = (name: string) =>
        env[name] === undefined ? expect.stringMatching(/^(Yes|No)$/) : env[name] ? 'Yes' : 'No';
      const value = (name: string, fallback: string) =>
        Object.keys(env).length === 0 ? expect.any(String) : (env[name] ?? fallback);
      expectJson(await get(path), 200, {
        message: 'Configuration values (secrets excluded for security)',
        config: {
          API_BASE_URL: value('API_BASE_URL', 'not configured'),
          LOG_LEVEL: value('LOG_LEVEL', 'INFO'),
          MAX_CONNECTIONS: value('MAX_CONNECTIONS', '10'),
        },
        secrets_status: { SECRET_KEY: secretStatus('SECRET_KEY'), DB_PASSWORD: secretStatus('DB_PASSWORD') },
      });
    },
  );

  test('when the service has secrets configured, then no response of the public routes contains their values', async () => {
    const env = serviceEnv();
    const secrets = ['SECRET_KEY', 'DB_PASSWORD', 'REDIS_PASSWORD']
      .map((k) => env[k])
      .filter((v): v is string => !!v && v.length >= 4);
    const paths = [
      '/',
      '/config',
      '/configs',
      '/readyz',
      '/metrics',
      '/openapi.json',
      `/no-such-${randomUUID()}`,
    ];
    const bodies = await Promise.all(paths.map(async (p) => (await get(p)).text));
    for (const s of secrets) for (const body of bodies) expect(body).not.toContain(s);
    // Whatever is configured, the secrets block only ever says Yes or No.
    expect(JSON.stringify((await get('/config')).body)).not.toMatch(
      /"(SECRET_KEY|DB_PASSWORD)":"(?!Yes"|No")/,
    );
  });
});

describe('health and readiness', () => {
  test('when GET /healthz, then 200 {"status":"ok"}', async () => {
    expectJson(await get('/healthz'), 200, { status: 'ok' });
  });

  test.each(['/health', '/health-check'])('when GET %s, then 200 {"status":"healthy"}', async (path) => {
    expectJson(await get(path), 200, { status: 'healthy' });
  });

  test.each(['/readyz', '/ready'])(
    'when GET %s, then 200 ready with dynamodb, s3, sqs and redis all "ok"',
    async (path) => {
      expectJson(await get(path), 200, {
        status: 'ready',
        checks: { dynamodb: 'ok', s3: 'ok', sqs: 'ok', redis: 'ok' },
      });
    },
  );
});

describe('GET /metrics', () => {
  test('when scraped, then Prometheus text with default process metrics', async () => {
    const s = await scrape();
    expect(s.contentType).toMatch(/^text\/plain/);
    expect([...s.types.keys()].some((name) => /^(\w+_)?process_cpu_(user_)?seconds_total$/.test(name))).toBe(
      true,
    );
    expect([...s.types.keys()].some((name) => /^(\w+_)?process_resident_memory_bytes$/.test(name))).toBe(
      true,
    );
  });

  test('when scraped, then it has a counter for each of users created, avatar bytes, messages enqueued/processed/failed, counter increments and dependency errors', async () => {
    const s = await scrape();
    for (const pattern of Object.values(COUNTERS))
      expect(family(s, pattern, 'counter')).toEqual(expect.any(String));
  });

  test('when readiness has been checked, then dependency_up is 1 for each of redis, dynamodb, s3 and sqs', async () => {
    expect((await get('/readyz')).status).toBe(200);
    const s = await scrape();
    expect(s.types.get(family(s, /dependency_up$/, 'gauge'))).toBe('gauge');
    const up = Object.fromEntries(
      s.samples.filter((x) => /dependency_up$/.test(x.name)).map((x) => [x.labels.dependency, x.value]),
    );
    expect(up).toEqual({ redis: 1, dynamodb: 1, s3: 1, sqs: 1 });
  });

  test('when /users/<id> is requested, then the duration histogram counts it under the route template, never the raw id', async () => {
    const ids = [randomUUID(), randomUUID()];
    const before = await scrape();
    const histogram = family(before, /http_request_duration/, 'histogram');
    const labelled = (s: typeof before) =>
      s.samples.filter(
        (x) =>
          x.name === `${histogram}_count` &&
          x.labels.method === 'GET' &&
          ['/users/:id', '/users/{id}'].includes(x.labels.route) &&
          (x.labels.status_code ?? x.labels.status) === '404',
      );
    const count = (s: typeof before) => labelled(s).reduce((sum, x) => sum + x.value, 0);
    for (const id of ids) expect((await get(`/users/${id}`)).status).toBe(404);
    const after = await scrape();
    expect(labelled(after)).toHaveLength(1);
    expect(count(after)).toBeGreaterThanOrEqual(count(before) + 2);
    for (const id of ids) expect(after.text).not.toContain(id);
    const buckets = after.samples.filter(
      (x) => x.name === `${histogram}_bucket` && x.labels.route === labelled(after)[0].labels.route,
    );
    expect(buckets.map((b) => b.labels.le)).toContain('+Inf');
    expect(after.samples.some((x) => x.name === `${histogram}_sum`)).toBe(true);
  });

  test('when alias paths are requested, then each is labelled with one route template, never a list of paths', async () => {
    const aliases: Array<[string, string[]]> = [
      ['/ready', ['/ready', '/readyz']],
      ['/health-check', ['/health-check', '/health']],
      ['/configs', ['/configs', '/config']],
      ['/config/', ['/config', '/config/']],
      ['/static/swagger.json', ['/static/swagger.json', '/openapi.json']],
    ];
    for (const [path] of aliases) expect((await get(path)).status).toBe(200);
    const routes = new Set(
      (await scrape()).samples
        .filter((x) => /http_request_duration\w*_count$/.test(x.name))
        .map((x) => x.labels.route),
    );
    expect([...routes].filter((r) => r.includes(','))).toEqual([]);
    for (const [, templates] of aliases) expect(templates.some((t) => routes.has(t))).toBe(true);
  });

  test('when /healthz is requested, then its histogram count under route "/healthz" increases', async () => {
    const count = (text: string) =>
      parseMetrics(text)
        .samples.filter(
          (x) => /http_request_duration\w*_count$/.test(x.name) && x.labels.route === '/healthz',
        )
        .reduce((sum, x) => sum + x.value, 0);
    const before = count((await get('/metrics')).text);
    for (let i = 0; i < 3; i++) await get('/healthz');
    expect(count((await get('/metrics')).text)).toBeGreaterThanOrEqual(before + 3);
  });
});

describe('X-Request-Id', () => {
  test.each([
    ['GET', '/healthz', 200],
    ['GET', `/no-such-path`, 404],
    ['DELETE', '/healthz', 405],
    ['GET', '/users?limit=0', 400],
    ['GET', '/metrics', 200],
    ['GET', '/swagger/', 200],
    ['GET', '/openapi.json', 200],
    ['POST', '/read', 405],
    ['GET', `/messages/${randomUUID()}`, 404],
  ])('when %s %s carries an X-Request-Id, then the %d response echoes it', async (method, path, status) => {
    const id = unique('e2e-req');
    const reply = await call(path, { method, headers: { 'X-Request-Id': id, 'Content-Type': 'text/plain' } });
    expect({ status: reply.status, requestId: reply.headers.get('x-request-id') }).toEqual({
      status,
      requestId: id,
    });
  });

  test('when no X-Request-Id is sent, then each response carries a new generated one', async () => {
    const replies: Reply[] = await Promise.all([
      get('/healthz'),
      get('/healthz'),
      get(`/no-such-${randomUUID()}`),
    ]);
    const ids = replies.map((r) => r.headers.get('x-request-id'));
    for (const id of ids) expect(id).toEqual(expect.stringMatching(/\S/));
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('unknown paths and wrong methods', () => {
  test.each([
    ['GET', `/no-such-path-${randomUUID()}`],
    ['POST', '/no-such-path'],
    ['GET', '/users/abc/avatar/extra'],
    ['GET', '/api/users'],
  ])('when %s %s, then 404 {"error":"Not Found"} as JSON', async (method, path) => {
    expectJson(await call(path, { method }), 404, { error: 'Not Found' });
  });

  const id = randomUUID();
  test.each<[string, string, string[]]>([
    ['DELETE', '/', ['GET']],
    ['POST', '/config', ['GET']],
    ['PUT', '/configs', ['GET']],
    ['POST', '/healthz', ['GET']],
    ['POST', '/health', ['GET']],
    ['DELETE', '/health-check', ['GET']],
    ['POST', '/readyz', ['GET']],
    ['PUT', '/ready', ['GET']],
    ['POST', '/metrics', ['GET']],
    ['GET', '/user', ['POST']],
    ['PUT', '/users', ['GET', 'POST']],
    ['PATCH', `/users/${id}`, ['GET', 'DELETE']],
    ['POST', `/users/${id}/avatar`, ['GET']],
    ['GET', '/process_message', ['POST']],
    ['DELETE', `/messages/${id}`, ['GET']],
    ['POST', '/openapi.json', ['GET']],
    ['POST', '/static/swagger.json', ['GET']],
  ])(
    'when %s %s, then 405 {"error":"Method Not Allowed"} with an Allow header listing %j',
    async (method, path, allowed) => {
      const reply = await call(path, { method });
      expectJson(reply, 405, { error: 'Method Not Allowed' });
      expect(allowOf(reply)).toEqual(expect.arrayContaining(allowed));
      expect(allowOf(reply)).not.toContain(method);
    },
  );

  test('when a 404 or 405 is answered, then the body is JSON, never HTML', async () => {
    for (const reply of [await get('/nope'), await call('/healthz', { method: 'DELETE' })]) {
      expect(mediaType(reply)).toBe('application/json');
      expect(reply.text).not.toMatch(/<html|<pre|\bat \w+ \(/i);
    }
  });
});
