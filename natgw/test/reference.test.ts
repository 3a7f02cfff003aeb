import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../packages/statuskit/test/chromium.js';
import { startService, type TestService } from './harness.js';

const outDir = new URL('../../out/', import.meta.url);

/**
 * One request written as raw bytes (no client resolves its dot segments or encodes its path),
 * answered and closed: the status and the body.
 */
function rawGet(origin: string, target: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      text += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1]);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    socket.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`);
  });
}

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

  test('serves static/index.html as the page itself, whose links all load from there', async () => {
    for (const url of ['/docs/static/index.html', '/docs/static/index.html?x=1']) {
      const response = await fetch(`${origin}${url}`, { redirect: 'manual' });
      assert.equal(response.status, 200, url);
      assert.match(String(response.headers.get('content-type')), /^text\/html/);
      const html = await response.text();
      assert.match(html, /<div id="swagger-ui">/);
      const links = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);
      assert.ok(links.length >= 5, html);
      for (const link of links) {
        const asset = await fetch(new URL(link, `${origin}${url}`));
        assert.equal(asset.status, 200, link);
      }
    }
  });

  test('serves a known asset with its media type', async () => {
    for (const [file, type] of [
      ['swagger-ui.css', /^text\/css/],
      ['swagger-ui-bundle.js', /^application\/javascript/],
      ['favicon-32x32.png', /^image\/png/],
    ] as const) {
      const response = await fetch(`${origin}/docs/static/${file}`);
      assert.equal(response.status, 200, file);
      assert.match(String(response.headers.get('content-type')), type, file);
      assert.ok((await response.arrayBuffer()).byteLength > 0, file);
    }
  });

  test("answers an asset it does not have with the contract's 404, for GET and HEAD", async () => {
    for (const file of ['LICENSE', 'nope.js', 'swagger-ui.css.map', 'theme/x.css', 'index.html/x']) {
      for (const method of ['GET', 'HEAD']) {
        const response = await fetch(`${origin}/docs/static/${file}`, { method });
        assert.equal(response.status, 404, `${method} ${file}`);
        assert.equal(response.headers.get('allow'), null);
        if (method === 'GET') {
          const body = (await response.json()) as { error: { code: string; title: string } };
          assert.equal(body.error.code, 'NAT.1002');
          assert.equal(body.error.title, 'Not Found');
        }
      }
    }
  });

  test('never serves a file outside the assets, however the path climbs', async () => {
    for (const target of [
      '/docs/static/../../package.json',
      '/docs/static/../../../../../../../../etc/passwd',
      '/docs/static/%2e%2e/%2e%2e/package.json',
      '/docs/static/%2E%2E/package.json',
      '/docs/static/..%2f..%2fpackage.json',
      '/docs/static/..\\..\\package.json',
      '/docs/static/%2e%2e%5c%2e%2e%5cpackage.json',
      '/docs/static/./../index.css',
    ]) {
      const { status, body } = await rawGet(origin, target);
      assert.ok(status === 404 || status === 400, `${target}: ${status} ${body}`);
      const error = JSON.parse(body) as { error: { code: string } };
      assert.ok(['NAT.1002', 'NAT.0002'].includes(error.error.code), body);
      assert.doesNotMatch(body, /"dependencies"|root:/);
    }
  });

  test('serves the document and the page in the language asked for, English by default, each once built', async () => {
    for (const url of ['/openapi.json', '/docs/json']) {
      const english = await service.app.inject({ url });
      assert.equal(english.headers['content-language'], 'en', url);
      assert.match(String(english.headers.vary), /Accept-Language/, url);
      assert.equal(english.json().info.title, 'natgw: NAT Gateway API reference');
      const chinese = await service.app.inject({ url, headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
      assert.equal(chinese.headers['content-language'], 'zh-CN', url);
      assert.match(String(chinese.headers.vary), /Accept-Language/, url);
      const document = chinese.json() as {
        info: { title: string; description: string };
        tags: { name: string; description: string }[];
        paths: Record<string, Record<string, { summary: string }>>;
      };
      assert.equal(document.info.title, 'natgw：NAT 网关 API 参考');
      // The status-code page's zh-CN rendering, after an introduction in Chinese.
      assert.match(document.info.description, /^公网 NAT 网关/);
      assert.match(document.info.description, /# 状态码/);
      assert.match(document.info.description, /由于冲突，请求无法被完成。/);
      for (const tag of document.tags) assert.match(tag.description, /\p{Script=Han}/u, tag.name);
      assert.equal(document.paths['/v2.0/nat_gateways']?.post?.summary, '创建 NAT 网关');
      // The same object each time: built once per language.
      const again = await service.app.inject({ url, headers: { 'accept-language': 'zh-CN' } });
      assert.equal(again.body, chinese.body);
    }
    const english = await service.app.inject({ url: '/docs', headers: { accept: 'text/html' } });
    assert.match(english.body, /<title>natgw: NAT Gateway API reference<\/title>/);
    assert.equal(english.headers['content-language'], 'en');
    const chinese = await service.app.inject({
      url: '/docs/static/index.html',
      headers: { accept: 'text/html', 'accept-language': 'zh-CN' },
    });
    assert.match(chinese.body, /<html lang="zh-CN">/);
    assert.match(chinese.body, /<title>natgw：NAT 网关 API 参考<\/title>/);
    assert.equal(chinese.headers['content-language'], 'zh-CN');
    assert.match(String(chinese.headers.vary), /Accept-Language/);
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

      assert.deepEqual(elsewhere, []);
      assert.deepEqual(problems, []);
      await page.close();
    });

    for (const { locale, title, screenshot } of [
      { locale: 'en-US', title: 'natgw: NAT Gateway API reference', screenshot: 'natgw-docs.png' },
      { locale: 'zh-CN', title: 'natgw：NAT 网关 API 参考', screenshot: 'natgw-docs.zh-CN.png' },
    ]) {
      test(`is natgw's reference in ${locale}: its title, no top bar, examples that are natgw's answers`, async () => {
        const context = await browser.newContext({
          locale,
          extraHTTPHeaders: { 'accept-language': locale },
          viewport: { width: 1280, height: 900 },
        });
        const page = await context.newPage();
        const problems: string[] = [];
        page.on('pageerror', (error) => problems.push(error.message));
        await page.goto(`${origin}/docs`, { waitUntil: 'networkidle' });
        await page.locator('.opblock').first().waitFor({ state: 'visible' });
        assert.equal(await page.title(), title);
        assert.equal(
          String(await page.locator('.info .title').textContent())
            .split(/\s*v2\.0/)[0]
            ?.trim(),
          title,
        );
        // Swagger UI's own bar, with its "Explore" box that loads any other document: not there.
        assert.equal(await page.locator('.topbar').count(), 0);
        assert.equal(await page.locator('.download-url-input').count(), 0);
        if (locale === 'zh-CN') {
          // The status-code page in Chinese, and the frame around the operations.
          await page
            .getByRole('heading', { name: '状态码', exact: true })
            .first()
            .waitFor({ state: 'visible' });
          await page.getByRole('cell', { name: '由于冲突，请求无法被完成。' }).waitFor({ state: 'visible' });
          await page.getByText('创建、列出、查看、更新和删除 NAT 网关。').waitFor({ state: 'visible' });
        }

        // Creating a NAT gateway: natgw's answer as the example, errors with their messages filled.
        const create = page.locator('#operations-NAT_gateways-postV20NatGateways');
        await create.locator('.opblock-summary').click();
        const created = create.locator('.response[data-code="201"] .example');
        await created.waitFor({ state: 'visible' });
        const shown = String(await created.textContent());
        assert.match(shown, /"status": "PENDING_CREATE"/);
        assert.match(shown, /"spec": "1"/);
        const refused = String(await create.locator('.response[data-code="400"]').textContent());
        assert.match(refused, /Invalid input for nat_gateway\.spec/);
        assert.doesNotMatch(String(await create.textContent()), /%\(|%s|\{\w+\}/);

        mkdirSync(outDir, { recursive: true });
        await page.screenshot({ path: new URL(screenshot, outDir).pathname, fullPage: true });
        assert.deepEqual(problems, []);
        await context.close();
      });
    }
  });
});
