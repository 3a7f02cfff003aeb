import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../packages/statuskit/test/chromium.js';
import { startService, type TestService } from './harness.js';

const outDir = new URL('../../out/', import.meta.url);

describe('the API reference at /docs', () => {
  let service: TestService;
  let origin: string;
  before(async () => {
    service = await startService('sqlite');
    origin = await service.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => service.close());

  test('is served to anyone, page and assets (in full on a reload), with a policy that loads nothing from elsewhere', async () => {
    const page = await service.app.inject({ url: '/docs', headers: { accept: 'text/html' } });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.doesNotMatch(page.body, /(src|href)="(https?:)?\/\//);
    const script = await service.app.inject({ url: '/docs/static/swagger-ui-bundle.js' });
    assert.equal(script.statusCode, 200);
    // A browser revalidating what it has: the profile has no 304, so the asset comes again.
    const again = await service.app.inject({
      url: '/docs/static/swagger-ui-bundle.js',
      headers: {
        'if-none-match': String(script.headers.etag ?? '*'),
        'if-modified-since': new Date().toUTCString(),
      },
    });
    assert.equal(again.statusCode, 200);
    assert.equal(again.body, script.body);
    for (const response of [page, script]) {
      const policy = String(response.headers['content-security-policy']);
      assert.match(policy, /default-src 'self'/);
      assert.doesNotMatch(policy, /https:|\*/);
    }
  });

  describe('in headless Chromium', () => {
    let browser: Browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(() => browser?.close());

    test('lists every operation of the OpenAPI document and the status-code page, from this server alone', async () => {
      const document = (await service.app.inject({ url: '/openapi.json' })).json() as {
        paths: Record<string, Record<string, unknown>>;
      };
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const elsewhere: string[] = [];
      const problems: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith(`${origin}/`)) elsewhere.push(request.url());
      });
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`${origin}/docs`, { waitUntil: 'networkidle' });
      await page.locator('.opblock').first().waitFor({ state: 'visible' });

      const listed = await page
        .locator('.opblock')
        .evaluateAll((blocks) =>
          blocks.map(
            (block) =>
              `${(block as unknown as { querySelector(s: string): { textContent: string } | null }).querySelector('.opblock-summary-method')?.textContent} ${(block as unknown as { querySelector(s: string): { getAttribute(a: string): string } | null }).querySelector('.opblock-summary-path')?.getAttribute('data-path')}`,
          ),
        );
      const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      );
      assert.deepEqual([...listed].sort(), [...documented].sort());
      assert.ok(documented.length >= 22);

      // The status-code page, rendered from the catalog inside the document's description.
      await page.getByRole('heading', { name: 'Status Codes' }).waitFor({ state: 'visible' });
      const table = page.locator('.info table').filter({ hasText: 'Error Response Code' });
      await table.getByRole('cell', { name: '409 Conflict', exact: true }).waitFor({ state: 'visible' });

      mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: new URL('natgw-docs.png', outDir).pathname, fullPage: true });
      assert.deepEqual(elsewhere, []);
      assert.deepEqual(problems, []);
      await page.close();
    });
  });
});
