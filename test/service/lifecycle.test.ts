import { request as httpRequest } from 'node:http';
import { connect, createServer } from 'node:net';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Backends, createBackends } from './helpers/backends';
import { httpStatus, run } from './helpers/process';
import { RedisServer, freePort, waitFor } from './helpers/redis-server';

const SECRET_KEY = 'sk-lifecycle-7c1d0e55';
const DB_PASSWORD = 'db-pass-lifecycle-31aa';

const refusesConnections = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('process lifecycle: fail-fast configuration, SIGTERM drain', () => {
  let backends: Backends;
  let redis: RedisServer;

  beforeAll(async () => {
    backends = await createBackends('life');
    redis = await RedisServer.start();
  });

  afterAll(async () => {
    await redis?.stop();
    await backends?.destroy();
  });

  /** Runs the api on a free port with the backends and the test's Redis, waits until it is ready, runs `body`, then kills it. */
  async function withReadyApi(
    env: Record<string, string>,
    body: (proc: ReturnType<typeof run>, port: number) => Promise<void>,
  ): Promise<void> {
    const port = await freePort();
    const proc = run('server', { ...backends.env, REDIS_URL: redis.url, PORT: String(port), ...env });
    try {
      await waitFor(async () => (await httpStatus(port, '/readyz')) === 200, 'api ready', 400);
      await body(proc, port);
    } finally {
      proc.child.kill('SIGKILL');
    }
  }

  test.each([
    ['USERS_TABLE is missing', { USERS_TABLE: '' }, 'USERS_TABLE'],
    ['AVATAR_MAX_BYTES is not a number', { AVATAR_MAX_BYTES: 'lots' }, 'AVATAR_MAX_BYTES'],
    ['REDIS_URL is not a redis URL', { REDIS_URL: 'http://localhost:6379' }, 'REDIS_URL'],
    [
      'REDIS_AUTH_SECRET_ARN is not an ARN',
      { REDIS_AUTH_SECRET_ARN: 'hunter2-not-an-arn' },
      'REDIS_AUTH_SECRET_ARN',
    ],
    [
      'SHUTDOWN_DRAIN_DELAY_MS is not below SHUTDOWN_TIMEOUT_MS',
      { SHUTDOWN_TIMEOUT_MS: '4000', SHUTDOWN_DRAIN_DELAY_MS: '4000' },
      'SHUTDOWN_DRAIN_DELAY_MS',
    ],
    ['SHUTDOWN_DRAIN_DELAY_MS is negative', { SHUTDOWN_DRAIN_DELAY_MS: '-1' }, 'SHUTDOWN_DRAIN_DELAY_MS'],
    [
      'HTTP_HEADERS_TIMEOUT_MS exceeds HTTP_REQUEST_TIMEOUT_MS',
      { HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' },
      'HTTP_HEADERS_TIMEOUT_MS',
    ],
  ])(
    'when %s, then the api exits 1 with one line naming the variable (and never its value)',
    async (_what, bad, name) => {
      const proc = run('server', {
        ...backends.env,
        REDIS_URL: redis.url,
        PORT: String(await freePort()),
        ...bad,
      });
      expect(await proc.exit).toBe(1);
      const lines = proc.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(name);
      expect(lines[0]).not.toContain('hunter2');
    },
  );

  test('when the port is already taken, then the api exits 1 with a line saying it cannot listen', async () => {
    const port = await freePort();
    const holder = createServer().listen(port, '0.0.0.0');
    await new Promise((resolve) => holder.once('listening', resolve));
    const proc = run('server', { ...backends.env, REDIS_URL: redis.url, PORT: String(port) });
    try {
      const stillRunning = new Promise<string>((resolve) =>
        setTimeout(() => resolve('still running'), 20_000).unref(),
      );
      expect(await Promise.race([proc.exit, stillRunning])).toBe(1);
      expect(proc.output()).toMatch(/cannot listen/);
      expect(proc.output()).toMatch(/EADDRINUSE/);
    } finally {
      proc.child.kill('SIGKILL'); // a process that kept running without a socket must not outlive the test
      holder.close();
    }
  });

  test('when SIGTERM arrives during a request, then new connections are refused, the in-flight request completes and the process exits 0', async () => {
    await withReadyApi(
      {
        SHUTDOWN_TIMEOUT_MS: '8000',
        SECRET_KEY,
        DB_PASSWORD,
      },
      async (proc, port) => {
        // A slow client: headers and half of the body now, the rest after SIGTERM.
        const body = JSON.stringify({ slow: 'x'.repeat(2000) });
        const response = new Promise<{ status: number; text: string; connection?: string }>(
          (resolve, reject) => {
            const req = httpRequest(
              {
                host: '127.0.0.1',
                port,
                method: 'POST',
                path: '/process_message',
                agent: false,
                headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
              },
              (res) => {
                let text = '';
                res.on('data', (d: Buffer) => (text += d.toString()));
                res.on('end', () =>
                  resolve({ status: res.statusCode ?? 0, text, connection: res.headers.connection }),
                );
              },
            );
            req.on('error', reject);
            req.write(body.slice(0, 1000));
            setTimeout(() => {
              proc.child.kill('SIGTERM');
              void waitFor(() => refusesConnections(port), 'listener closed', 400).then(
                () => req.end(body.slice(1000)),
                reject,
              );
            }, 200);
          },
        );
        const res = await response;
        expect(res.status).toBe(200);
        // In flight when SIGTERM came, its answer had not started: it tells the client to reconnect.
        expect(res.connection).toBe('close');
        expect(JSON.parse(res.text)).toMatchObject({ status: 'success', data: body });
        expect(await proc.exit).toBe(0);
        const logs = proc.output();
        expect(logs).toContain('shutting down');
        expect(logs).toContain('"message":"stopped"');
        expect(logs).not.toContain(SECRET_KEY);
        expect(logs).not.toContain(DB_PASSWORD);
      },
    );
  });

  test('when a request never finishes, then the shutdown timeout forces the exit with code 1', async () => {
    await withReadyApi(
      {
        SHUTDOWN_TIMEOUT_MS: '3000',
        SHUTDOWN_DRAIN_DELAY_MS: '500',
      },
      async (proc, port) => {
        // Headers and a part of the body, the rest never comes.
        const stuck = httpRequest({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/process_message',
          agent: false,
          headers: { 'Content-Type': 'application/json', 'Content-Length': 100 },
        });
        stuck.on('error', () => undefined);
        stuck.write('{"never":"');
        await new Promise((r) => setTimeout(r, 200));
        const signalled = Date.now();
        proc.child.kill('SIGTERM');
        expect(await proc.exit).toBe(1);
        const elapsed = Date.now() - signalled;
        expect(elapsed).toBeGreaterThanOrEqual(2400);
        expect(elapsed).toBeLessThan(3000);
        expect(proc.output()).toContain('drain timed out');
        stuck.destroy();
      },
    );
  });

  test('when SIGINT arrives, then readiness is 503 at once, answers say Connection: close for the default drain delay, and the exit is 0', async () => {
    // No SHUTDOWN_DRAIN_DELAY_MS: min(5000, 4000 / 4) = 1000 ms.
    await withReadyApi(
      {
        SHUTDOWN_TIMEOUT_MS: '4000',
      },
      async (proc, port) => {
        const signalled = Date.now();
        proc.child.kill('SIGINT');
        await waitFor(async () => (await httpStatus(port, '/readyz')) === 503, 'readiness 503', 40);
        const during = await fetch(`http://127.0.0.1:${port}/healthz`);
        expect(during.status).toBe(200);
        expect(during.headers.get('connection')).toBe('close');
        expect(await proc.exit).toBe(0);
        expect(Date.now() - signalled).toBeGreaterThanOrEqual(1000);
        expect(proc.output()).toMatch(/"signal":"SIGINT","drainDelayMs":1000/);
      },
    );
  });

  test('when a second signal arrives during the drain, then the api exits 1 at once', async () => {
    await withReadyApi(
      {
        SHUTDOWN_TIMEOUT_MS: '8000',
      },
      async (proc, port) => {
        const signalled = Date.now();
        proc.child.kill('SIGTERM');
        await waitFor(async () => (await httpStatus(port, '/readyz')) === 503, 'readiness 503', 40);
        proc.child.kill('SIGTERM');
        expect(await proc.exit).toBe(1);
        expect(Date.now() - signalled).toBeLessThan(2000); // the drain delay is 2000 ms
        expect(proc.output()).toContain('second signal during shutdown');
      },
    );
  });

  test('when the worker gets SIGTERM, then it stops polling, finishes, and exits 0 after storing what it received', async () => {
    const port = await freePort();
    const proc = run('worker', { ...backends.env, PORT: String(port), SHUTDOWN_TIMEOUT_MS: '6000' });
    try {
      await waitFor(async () => (await httpStatus(port, '/healthz')) === 200, 'worker up', 400);
      const sent = await backends.aws.sqs.send(
        new SendMessageCommand({ QueueUrl: backends.queueUrl, MessageBody: '{"via":"worker"}' }),
      );
      await waitFor(
        async () =>
          (
            await backends.aws.doc.send(
              new GetCommand({ TableName: backends.messagesTable, Key: { id: sent.MessageId } }),
            )
          ).Item !== undefined,
        'message stored by the worker process',
        400,
      );
      // The write is visible a moment before the worker has counted it (the drain test's message may be counted too).
      await waitFor(
        async () =>
          /^messages_processed_total [1-9]\d*$/m.test(
            await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
          ),
        'worker metrics count the message',
      );
      proc.child.kill('SIGTERM');
      expect(await proc.exit).toBe(0);
      expect(proc.output()).toContain('"message":"stopped"');
    } finally {
      proc.child.kill('SIGKILL');
    }
  });
});
