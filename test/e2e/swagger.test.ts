/**
 * The OpenAPI 3.1 document (/openapi.json and /static/swagger.json) lists every route of API.md,
 * and the Swagger UI at /swagger/ serves HTML that a real browser (Chromium) renders into the
 * list of operations.
 */
import { launchChromium } from '../support/browser';
import { expectJson, get, mediaType, urlOf } from './support/http';

/** Every route of API.md (path parameters in OpenAPI form; their names are free). */
const ROUTES: Array<[string, string]> = [
  ['get', '/'],
  ['get', '/config'],
  ['get', '/configs'],
  ['get', '/healthz'],
  ['get', '/health'],
  ['get', '/health-check'],
  ['get', '/readyz'],
  ['get', '/ready'],
  ['get', '/metrics'],
  ['post', '/user'],
  ['post', '/users'],
  ['get', '/users'],
  ['get', '/users/{}'],
  ['delete', '/users/{}'],
  ['get', '/users/{}/avatar'],
  ['get', '/read'],
  ['post', '/write'],
  ['post', '/process_message'],
  ['get', '/messages/{}'],
];

interface OpenApi {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> } }>>;
}

const normalise = (path: string) => path.replace(/\{[^}]+\}/g, '{}');

async function openApi(path: string): Promise<OpenApi> {
  const reply = await get(path);
  expectJson(reply, 200, expect.objectContaining({ openapi: expect.stringMatching(/^3\.1\.\d+$/) }));
  return reply.body as OpenApi;
}

describe.each(['/openapi.json', '/static/swagger.json'])('GET %s', (path) => {
  test('when fetched, then an OpenAPI 3.1 document with a title and version', async () => {
    const doc = await openApi(path);
    expect(doc.info).toEqual(
      expect.objectContaining({ title: expect.any(String), version: expect.any(String) }),
    );
  });

  test('when fetched, then it lists every route of the API contract with its method', async () => {
    const doc = await openApi(path);
    const listed = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m} ${normalise(p)}`),
    );
    const missing = ROUTES.map(([m, p]) => `${m} ${p}`).filter((r) => !listed.includes(r));
    expect(missing).toEqual([]);
  });

  test('when fetched, then POST /user takes multipart/form-data and POST /process_message takes application/json', async () => {
    const doc = await openApi(path);
    expect(Object.keys(doc.paths['/user'].post.requestBody?.content ?? {})).toContain('multipart/form-data');
    expect(Object.keys(doc.paths['/process_message'].post.requestBody?.content ?? {})).toContain(
      'application/json',
    );
  });
});

test('when /openapi.json and /static/swagger.json are fetched, then they are the same document', async () => {
  expect(await openApi('/static/swagger.json')).toEqual(await openApi('/openapi.json'));
});

describe('GET /swagger/', () => {
  test('when fetched, then 200 HTML of the Swagger UI', async () => {
    const reply = await get('/swagger/');
    expect({ status: reply.status, type: mediaType(reply) }).toEqual({ status: 200, type: 'text/html' });
    expect(reply.text).toMatch(/<html/i);
    expect(reply.text).toMatch(/swagger-ui/i);
  });

  test('when opened in Chromium, then the UI renders the operations of the API', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const response = await page.goto(urlOf('/swagger/'));
      expect(response?.status()).toBe(200);
      await page.waitForSelector('.opblock-summary-path', { timeout: 20000 });
      const paths = await page.$$eval('.opblock-summary-path', (els) =>
        els.map((e) => e.textContent?.trim() ?? ''),
      );
      const rendered = paths.map((p) => normalise(p.replace(/\u200b/g, '')));
      for (const p of [
        '/users',
        '/users/{}',
        '/users/{}/avatar',
        '/process_message',
        '/messages/{}',
        '/write',
      ]) {
        expect(rendered).toContain(p);
      }
    } finally {
      await browser.close();
    }
  });
});
