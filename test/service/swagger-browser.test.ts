import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { useTestApp } from './helpers/test-app';

describe('Swagger UI in a real browser (Chromium via playwright-core)', () => {
  const t = useTestApp('swg');
  let server: Server;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    server = await new Promise<Server>((resolve) => {
      const s = t.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  test('when /swagger/ is opened, then every operation is listed and GET /read can be executed from the page', async () => {
    await t.redis.set('counter', '7');
    const page = await browser.newPage();
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(baseUrl) && !r.url().startsWith('data:')) external.push(r.url());
    });
    await page.goto(`${baseUrl}/swagger/`);
    await page.locator('.opblock').first().waitFor();
    const summaries = await page.locator('.opblock-summary-path').allInnerTexts();
    const paths = summaries.map((s) => s.replace(/\u200b/g, '').trim());
    for (const path of [
      '/read',
      '/write',
      '/process_message',
      '/users',
      '/users/{id}',
      '/users/{id}/avatar',
      '/readyz',
      '/config',
    ]) {
      expect(paths).toContain(path);
    }

    const op = page.locator('#operations-counter-readCounter');
    await op.locator('.opblock-summary').click();
    await op.getByRole('button', { name: 'Try it out' }).click();
    await op.getByRole('button', { name: 'Execute' }).click();
    const status = op.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor();
    expect((await status.innerText()).trim()).toBe('200');
    const shown = await op.locator('.live-responses-table .response-col_description pre').first().innerText();
    expect(JSON.parse(shown)).toEqual({ counter: 7 });
    expect(external).toEqual([]);
    await page.close();
  });
});
