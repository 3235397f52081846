import { type Server, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { ConfigError, loadConfig } from '../../service/src/libraries/config';
import { KEEP_ALIVE_TIMEOUT_MS, createHttpServer } from '../../service/src/libraries/http';
import { launchChromium } from '../support/browser';
import { waitFor } from './helpers/redis-server';
import { useTestApp } from './helpers/test-app';

const LIMIT = 64 * 1024;

/** The directives of a Content-Security-Policy header, by name. */
const directives = (csp: string | undefined): Record<string, string[]> =>
  Object.fromEntries(
    (csp ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name, values]),
  );

/**
 * Writes `payload` on a fresh socket and collects what comes back until the server closes the
 * socket (or, with `until`, until the text received so far satisfies it).
 */
const rawExchange = (port: number, payload: string, until?: (text: string) => boolean, maxMs = 10_000) =>
  new Promise<{ text: string; afterMs: number }>((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, afterMs: Date.now() - started });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${maxMs} ms; got: ${text.slice(0, 200)}`));
    }, maxMs);
    socket.on('data', (d: Buffer) => {
      text += d.toString();
      if (until?.(text)) finish();
    });
    socket.on('error', () => undefined);
    socket.on('close', finish);
    socket.write(payload);
  });

describe('HTTP hardening: security headers, body limits, timeouts', () => {
  const t = useTestApp('hard');
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createHttpServer(t.app, { requestTimeoutMs: 2000, headersTimeoutMs: 1000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  describe('security headers (helmet)', () => {
    test.each([
      ['GET', '/healthz', 200],
      ['GET', '/read', 200],
      ['GET', '/openapi.json', 200],
      ['GET', '/no-such-path', 404],
      ['PUT', '/read', 405],
    ])(
      'when %s %s is answered (%d), then it carries the security headers and the API CSP',
      async (method, path, status) => {
        const res = await request(t.app)[method === 'PUT' ? 'put' : 'get'](path);
        expect(res.status).toBe(status);
        expect(res.headers).toMatchObject({
          'x-content-type-options': 'nosniff',
          'strict-transport-security': 'max-age=31536000; includeSubDomains',
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
          'cross-origin-opener-policy': 'same-origin',
          'cross-origin-resource-policy': 'same-site',
          'origin-agent-cluster': '?1',
          'x-dns-prefetch-control': 'off',
          'x-download-options': 'noopen',
          'x-permitted-cross-domain-policies': 'none',
          'x-xss-protection': '0',
        });
        expect(res.headers['x-powered-by']).toBeUndefined();
        expect(directives(res.headers['content-security-policy'])).toEqual({
          'default-src': ["'none'"],
          'base-uri': ["'none'"],
          'form-action': ["'none'"],
          'frame-ancestors': ["'none'"],
        });
      },
    );

    test('when /swagger/ is fetched, then its CSP allows only this origin’s scripts (no inline script, no eval)', async () => {
      const res = await request(t.app).get('/swagger/');
      expect(res.status).toBe(200);
      const csp = directives(res.headers['content-security-policy']);
      expect(csp['default-src']).toEqual(["'self'"]);
      expect(csp['script-src']).toEqual(["'self'"]);
      expect(csp['script-src-attr']).toEqual(["'none'"]);
      expect(csp['object-src']).toEqual(["'none'"]);
      expect(csp['frame-ancestors']).toEqual(["'none'"]);
      expect(csp['connect-src']).toEqual(["'self'"]);
      expect(csp['upgrade-insecure-requests']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    });

    describe('in a real browser (Chromium via playwright-core)', () => {
      let browser: Browser;

      beforeAll(async () => {
        browser = await launchChromium();
      });

      afterAll(async () => {
        await browser?.close();
      });

      test('when Swagger UI loads and runs GET /read, then the page reports no CSP violation, and the CSP does block an inline script', async () => {
        const baseUrl = `http://127.0.0.1:${port}`;
        const page = await browser.newPage();
        const consoleCsp: string[] = [];
        page.on('console', (msg) => {
          if (/Content.Security.Policy/i.test(msg.text())) consoleCsp.push(msg.text());
        });
        // The page's own report of each violation (the test's TypeScript has no DOM types: plain script text).
        await page.addInitScript({
          content: `window.cspViolations = [];
            document.addEventListener('securitypolicyviolation', (e) =>
              window.cspViolations.push(e.effectiveDirective + ' ' + e.blockedURI));`,
        });
        await page.goto(`${baseUrl}/swagger/`);
        await page.locator('.opblock').first().waitFor();
        // By method and path (the element id follows the operationId, which the contract may rename).
        const op = page.locator('.opblock.opblock-get', { has: page.locator('[data-path="/read"]') });
        await op.locator('.opblock-summary').click();
        await op.getByRole('button', { name: 'Try it out' }).click();
        await op.getByRole('button', { name: 'Execute' }).click();
        const status = op.locator('.live-responses-table .response .response-col_status').first();
        await status.waitFor();
        expect((await status.innerText()).trim()).toBe('200');
        const violations = () => page.evaluate<string[]>('window.cspViolations');
        expect(await violations()).toEqual([]);
        expect(consoleCsp).toEqual([]);

        // The policy is in force: an injected inline script does not run, and is reported.
        const ran = await page.evaluate<boolean>(`(() => {
          const script = document.createElement('script');
          script.textContent = 'window.injected = true';
          document.body.appendChild(script);
          return window.injected === true;
        })()`);
        expect(ran).toBe(false);
        await waitFor(async () => (await violations()).length > 0, 'the violation report', 40);
        expect(await violations()).toEqual(['script-src-elem inline']);
        await page.close();
      });
    });
  });

  describe('body limits', () => {
    test('when a route that reads no body gets a small one, then it answers as before', async () => {
      const res = await request(t.app)
        .post('/write')
        .set('Content-Type', 'text/plain')
        .send('x'.repeat(1024));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ counter: expect.any(Number) });
    });

    test.each([
      ['POST', '/write'],
      ['GET', '/read'],
      ['DELETE', '/users/00000000-0000-4000-8000-000000000000'],
      ['POST', '/no-such-path'],
    ])('when %s %s carries more than 64 KiB, then 413 JSON', async (method, path) => {
      const client = request(t.app);
      const call =
        method === 'GET' ? client.get(path) : method === 'DELETE' ? client.delete(path) : client.post(path);
      const res = await call
        .set('Content-Type', 'application/octet-stream')
        .send(Buffer.alloc(LIMIT + 1, 0x61));
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({ error: 'Payload Too Large' });
    });

    test('when a chunked body (no Content-Length) passes 64 KiB, then 413 as soon as it does, without waiting for its end', async () => {
      let req: ReturnType<typeof httpRequest> | undefined;
      const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
        req = httpRequest(
          { host: '127.0.0.1', port, method: 'POST', path: '/write', agent: false },
          (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        // 80 KiB in 8 KiB chunks, and the request is never ended.
        for (let i = 0; i < 10; i++) req.write(Buffer.alloc(8 * 1024, 0x62));
      });
      const res = await answer.finally(() => req?.destroy());
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toEqual({ error: 'Payload Too Large' });
    });

    test('when Content-Length declares 10 MiB and nothing follows, then 413 comes at once (the body is not awaited)', async () => {
      const { text, afterMs } = await rawExchange(
        port,
        'POST /write HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 10485760\r\n\r\n',
        (text) => text.includes('Payload Too Large'),
      );
      expect(text).toMatch(/^HTTP\/1\.1 413 /);
      expect(text).toContain('{"error":"Payload Too Large"}');
      expect(afterMs).toBeLessThan(1000);
    });

    test('when a route parses its own body, then its own limit and answer apply (not the 64 KiB one)', async () => {
      const message = await request(t.app)
        .post('/process_message')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ blob: 'x'.repeat(300 * 1024) }));
      expect(message.status).toBe(413);
      expect(message.body).toEqual({ status: 'error', message: 'Message too large' });

      // 100 KiB of a non-image passes the app-level limit and reaches multer and the avatar check.
      for (const path of ['/user', '/users', '/USERS/']) {
        const upload = await request(t.app)
          .post(path)
          .field('name', 'Ada')
          .field('email', 'ada-limits@example.com')
          .attach('avatar', Buffer.alloc(100 * 1024, 0x20), 'a.png');
        expect({ path, status: upload.status }).toEqual({ path, status: 400 });
      }
    });
  });

  describe('timeouts', () => {
    test('when the environment sets none, then requests get 60 s, headers 10 s, and the api drains for a quarter of SHUTDOWN_TIMEOUT_MS (at most 5 s)', () => {
      const env = {
        AWS_REGION: 'eu-west-1',
        USERS_TABLE: 'u',
        MESSAGES_TABLE: 'm',
        AVATARS_BUCKET: 'b',
        MESSAGES_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q',
        REDIS_URL: 'redis://127.0.0.1:6379',
      };
      expect(loadConfig(env)).toMatchObject({
        requestTimeoutMs: 60_000,
        headersTimeoutMs: 10_000,
        shutdownTimeoutMs: 10_000,
        shutdownDrainDelayMs: 2500,
      });
      expect(loadConfig({ ...env, SHUTDOWN_TIMEOUT_MS: '30000' }).shutdownDrainDelayMs).toBe(5000);
      expect(loadConfig({ ...env, SHUTDOWN_DRAIN_DELAY_MS: '0' }).shutdownDrainDelayMs).toBe(0);
      expect(() => loadConfig({ ...env, SHUTDOWN_DRAIN_DELAY_MS: '10000' })).toThrow(
        new ConfigError(
          'Invalid configuration: SHUTDOWN_DRAIN_DELAY_MS must be below SHUTDOWN_TIMEOUT_MS (the drain delay is part of the shutdown time)',
        ),
      );
      expect(() => loadConfig({ ...env, HTTP_REQUEST_TIMEOUT_MS: '5000' })).toThrow(
        /^Invalid configuration: HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS$/,
      );
      expect(() => loadConfig({ ...env, HTTP_HEADERS_TIMEOUT_MS: '10s' })).toThrow(
        /^Invalid configuration: HTTP_HEADERS_TIMEOUT_MS /,
      );
    });

    test('when the server is built, then its timeouts are set and keep-alive outlasts the ALB’s 60 s idle timeout', () => {
      expect(server.requestTimeout).toBe(2000);
      expect(server.headersTimeout).toBe(1000);
      expect(server.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
      expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000);
    });

    test('when the headers do not arrive within the headers timeout, then 408 and the socket closes', async () => {
      const { text, afterMs } = await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n');
      expect(text).toMatch(/^HTTP\/1\.1 408 /);
      expect(afterMs).toBeGreaterThanOrEqual(1000);
      expect(afterMs).toBeLessThan(2000);
    });

    test('when the body does not arrive within the request timeout, then 408 and the socket closes', async () => {
      const { text, afterMs } = await rawExchange(
        port,
        'POST /write HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nab',
      );
      expect(text).toMatch(/^HTTP\/1\.1 408 /);
      expect(afterMs).toBeGreaterThanOrEqual(2000);
      expect(afterMs).toBeLessThan(3000);
    });

    test('when a keep-alive connection idles longer than the headers timeout, then it still serves the next request', async () => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      const responses = (n: number) =>
        new Promise<void>((resolve, reject) => {
          const started = Date.now();
          const check = () => {
            if ((text.match(/HTTP\/1\.1 200 /g) ?? []).length >= n) return resolve();
            if (Date.now() - started > 5000) return reject(new Error(`got: ${text.slice(0, 300)}`));
            setTimeout(check, 20);
          };
          check();
        });
      try {
        socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        await responses(1);
        await new Promise((r) => setTimeout(r, 1600));
        expect(socket.destroyed).toBe(false);
        socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        await responses(2);
      } finally {
        socket.destroy();
      }
    });
  });
});
