import request from 'supertest';
import { useTestApp } from './helpers/test-app';

const SECRET_KEY = 'sk-system-test-5f2a9c1e';
const REDIS_PASSWORD_UNUSED = 'redis-pass-system-0b7d';

describe('system routes: home, configuration, health, metrics, OpenAPI', () => {
  const t = useTestApp('sys', {
    env: {
      APP_VERSION: '9.9.9-test',
      SECRET_KEY,
      API_BASE_URL: 'https://api.example.com',
      LOG_LEVEL: 'DEBUG',
    },
  });

  test('when GET /, then it greets with status and the APP_VERSION', async () => {
    const res = await request(t.app).get('/');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      message: 'Hello, this is a message from your app!',
      status: 'healthy',
      version: '9.9.9-test',
    });
  });

  test.each(['/config', '/config/', '/configs'])(
    'when GET %s, then public values show and secrets only as Yes/No',
    async (path) => {
      const res = await request(t.app).get(path);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        message: 'Configuration values (secrets excluded for security)',
        config: { API_BASE_URL: 'https://api.example.com', LOG_LEVEL: 'DEBUG', MAX_CONNECTIONS: '10' },
        secrets_status: { SECRET_KEY: 'Yes', DB_PASSWORD: 'No' },
      });
      expect(res.text).not.toContain(SECRET_KEY);
    },
  );

  test('when GET /healthz, then 200 {"status":"ok"}', async () => {
    const res = await request(t.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  test.each(['/health', '/health-check'])('when GET %s, then 200 {"status":"healthy"}', async (path) => {
    const res = await request(t.app).get(path);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'healthy' });
  });

  test.each(['/readyz', '/ready'])(
    'when every dependency answers and GET %s, then 200 ready with each check ok',
    async (path) => {
      const res = await request(t.app).get(path);
      expect(res.body).toEqual({
        status: 'ready',
        checks: { dynamodb: 'ok', s3: 'ok', sqs: 'ok', redis: 'ok' },
      });
      expect(res.status).toBe(200);
    },
  );

  test('when a readiness check passes, then /metrics says dependency_up 1 for each dependency it checked', async () => {
    expect((await request(t.app).get('/readyz')).status).toBe(200);
    const metrics = (await request(t.app).get('/metrics')).text;
    for (const dependency of ['dynamodb', 's3', 'sqs', 'redis']) {
      expect(metrics).toContain(`dependency_up{dependency="${dependency}"} 1\n`);
    }
  });

  test('when shutdown has begun, then /readyz answers 503 while /healthz stays 200', async () => {
    t.lifecycle.shuttingDown = true;
    try {
      const ready = await request(t.app).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe('not ready');
      expect((await request(t.app).get('/healthz')).status).toBe(200);
    } finally {
      t.lifecycle.shuttingDown = false;
    }
  });

  test('when a request carries X-Request-Id, then the response echoes it; otherwise one is generated', async () => {
    const echoed = await request(t.app).get('/healthz').set('X-Request-Id', 'abc-123');
    expect(echoed.headers['x-request-id']).toBe('abc-123');
    const generated = await request(t.app).get('/healthz');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const notFound = await request(t.app).get('/nope');
    expect(notFound.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('when the path is unknown, then 404 JSON', async () => {
    const res = await request(t.app).get('/does/not/exist');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toEqual({ error: 'Not Found' });
  });

  test.each([
    ['post', '/healthz', 'GET, HEAD, OPTIONS'],
    ['delete', '/config', 'GET, HEAD, OPTIONS'],
    ['put', '/users', 'GET, POST, HEAD, OPTIONS'],
    ['patch', '/users/6f1c0e2a-7d43-4b7e-9a51-2a3c4d5e6f70', 'GET, DELETE, HEAD, OPTIONS'],
  ] as const)('when %s %s, then 405 JSON with an Allow header', async (method, path, allow) => {
    const res = await request(t.app)[method](path);
    expect(res.status).toBe(405);
    expect(res.body).toEqual({ error: 'Method Not Allowed' });
    expect(res.headers.allow).toBe(allow);
  });

  test('when the path has a malformed percent-encoding, then a JSON 4xx, never an HTML page', async () => {
    const res = await request(t.app).get('/users/%E0%A4%A');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toEqual({ error: 'Bad Request' });
  });

  test('when OPTIONS on a known path, then 204 with the Allow header', async () => {
    const res = await request(t.app).options('/users');
    expect(res.status).toBe(204);
    expect(res.headers.allow).toBe('GET, POST, HEAD, OPTIONS');
  });

  test('when GET /metrics after some requests, then Prometheus text with route templates, counters and process metrics', async () => {
    await request(t.app).get('/users/6f1c0e2a-7d43-4b7e-9a51-2a3c4d5e6f70');
    await request(t.app).get('/no/such/path/123');
    const res = await request(t.app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/users\/:id",status_code="404"\} 1/,
    );
    expect(res.text).not.toContain('6f1c0e2a-7d43');
    expect(res.text).toMatch(/route="unmatched"/);
    for (const name of [
      'users_created_total',
      'avatar_bytes_stored_total',
      'messages_enqueued_total',
      'messages_processed_total',
      'messages_failed_total',
      'counter_increments_total',
      'dependency_errors_total',
      'process_cpu_user_seconds_total',
    ]) {
      expect(res.text).toContain(`# TYPE ${name}`);
    }
  });

  test.each(['/openapi.json', '/static/swagger.json'])(
    'when GET %s, then an OpenAPI 3.1 document of every route',
    async (path) => {
      const res = await request(t.app).get(path);
      expect(res.status).toBe(200);
      expect(res.body.openapi).toBe('3.1.0');
      const ops = Object.entries(res.body.paths as Record<string, Record<string, unknown>>).flatMap(
        ([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`),
      );
      expect(ops.sort()).toEqual(
        [
          'GET /',
          'GET /config',
          'GET /configs',
          'GET /healthz',
          'GET /health',
          'GET /health-check',
          'GET /readyz',
          'GET /ready',
          'GET /metrics',
          'POST /user',
          'POST /users',
          'GET /users',
          'GET /users/{id}',
          'DELETE /users/{id}',
          'GET /users/{id}/avatar',
          'GET /read',
          'POST /write',
          'POST /process_message',
          'GET /messages/{messageId}',
        ].sort(),
      );
      expect(res.body.components.schemas.User.required).toEqual([
        'id',
        'name',
        'email',
        'avatar_url',
        'created_at',
      ]);
    },
  );

  test('when GET /openapi.json, then it states what the server enforces: formats, limits, patterns, every error and the links', async () => {
    type Schema = Record<string, unknown>;
    type Operation = {
      operationId?: string;
      parameters?: { name: string; schema: Schema }[];
      responses: Record<string, { content?: Record<string, { schema: Schema }>; links?: Schema }>;
    };
    const doc = (await request(t.app).get('/openapi.json')).body as {
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, Schema & { properties: Record<string, Schema> }> };
    };
    const form = doc.components.schemas.CreateUserForm;
    expect(form.required).toEqual(['name', 'email', 'avatar']);
    expect(form.properties.email).toEqual(
      expect.objectContaining({
        type: 'string',
        format: 'email',
        maxLength: 254,
        pattern: expect.any(String),
      }),
    );
    const email = new RegExp(form.properties.email.pattern as string);
    expect(['ada@example.com', "o'hara+x@mail.example.org"].map((e) => email.test(e))).toEqual([true, true]);
    expect(['ada@', ' ada@example.com', 'ada@example', 'a..b@example.com'].some((e) => email.test(e))).toBe(
      false,
    );
    expect(form.properties.name).toEqual(
      expect.objectContaining({ maxLength: 200, pattern: expect.any(String) }),
    );
    const notBlank = new RegExp(form.properties.name.pattern as string);
    expect([' \t\u00a0\u3000', '', '\ufeff'].some((n) => notBlank.test(n))).toBe(false);
    expect(notBlank.test('  Ada ')).toBe(true);

    const list = doc.paths['/users'].get.parameters ?? [];
    expect(list.find((p) => p.name === 'limit')?.schema).toEqual(
      expect.objectContaining({ type: 'integer', minimum: 1, maximum: 100 }),
    );
    expect(list.find((p) => p.name === 'cursor')?.schema.pattern).toBe(
      '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
    );
    expect(doc.components.schemas.MessagePayload.anyOf).toEqual([
      expect.objectContaining({ type: 'object', minProperties: 1 }),
      expect.objectContaining({ type: 'array', minItems: 1 }),
    ]);

    const ids: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        ids.push(op.operationId ?? `${method} ${path} has no operationId`);
        expect([`${method} ${path}`, op.responses['500']?.content?.['application/json']?.schema]).toEqual([
          `${method} ${path}`,
          { $ref: '#/components/schemas/Error' },
        ]);
      }
    }
    expect(new Set(ids).size).toBe(ids.length);

    for (const path of ['/user', '/users']) {
      expect(doc.paths[path].post.responses['201'].links).toEqual({
        GetUser: { operationId: 'getUser', parameters: { id: '$response.body#/id' } },
        GetUserAvatar: { operationId: 'getUserAvatar', parameters: { id: '$response.body#/id' } },
        DeleteUser: { operationId: 'deleteUser', parameters: { id: '$response.body#/id' } },
        ListUsers: { operationId: 'listUsers' },
      });
    }
    expect(doc.paths['/process_message'].post.responses['200'].links).toEqual({
      GetMessage: { operationId: 'getMessage', parameters: { messageId: '$response.body#/messageId' } },
    });
  });

  test('when GET /swagger/, then the Swagger UI page with locally served assets', async () => {
    const res = await request(t.app).get('/swagger/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('swagger-ui');
    const init = await request(t.app).get('/swagger/swagger-ui-init.js');
    expect(init.status).toBe(200);
    expect(init.text).toContain('/process_message');
    const bundle = await request(t.app).get('/swagger/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    const redirect = await request(t.app).get('/swagger');
    expect([301, 302]).toContain(redirect.status);
  });

  test('when a secret is set in the environment, then it appears in no response body and no log line', async () => {
    const paths = [
      '/',
      '/config',
      '/configs',
      '/healthz',
      '/health',
      '/readyz',
      '/metrics',
      '/openapi.json',
      '/nope',
    ];
    for (const path of paths) {
      const res = await request(t.app).get(path).set('Authorization', `Bearer ${REDIS_PASSWORD_UNUSED}`);
      expect(res.text).not.toContain(SECRET_KEY);
    }
    t.lifecycle.shuttingDown = false;
    const logs = t.logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(SECRET_KEY);
    expect(logs).not.toContain(REDIS_PASSWORD_UNUSED);
  });
});
