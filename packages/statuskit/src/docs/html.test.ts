import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../test/chromium.js';
import { getProfile, type Language, type ProfileName } from '../catalog/index.js';
import { renderDocs } from './index.js';

const outDir = new URL('../../out/', import.meta.url);

/** Whether fontconfig knows a font with Chinese glyphs; without one Chromium draws boxes. */
function hasChineseFont(): boolean {
  try {
    return execFileSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false;
  }
}

interface Box {
  getBoundingClientRect(): { width: number };
}

/** The little of the browser's globals the checks read; the project compiles without the DOM lib. */
interface BrowserGlobals {
  document: {
    body: Box;
    documentElement: { scrollWidth: number };
    querySelector(selector: string): Box | null;
  };
  innerWidth: number;
  getComputedStyle(
    element: Box,
  ): Record<'fontSize' | 'fontFamily' | 'backgroundColor' | 'borderTopStyle', string>;
}

const probes = {
  cell: 'td:last-child',
  code: 'td code',
  zebra: 'tbody tr:nth-child(2)',
  plain: 'tbody tr:nth-child(1)',
  head: 'thead th',
  td: 'td',
} as const;

/** What a reader's eye would take in: text sizes, widths, stripes, borders. */
async function measure(page: Page) {
  // No named functions inside: tsx would wrap them in a helper the browser does not have.
  const seen = await page.evaluate((selectors) => {
    const w = globalThis as unknown as BrowserGlobals;
    return {
      styles: Object.fromEntries(
        Object.entries(selectors).map(([key, selector]) => {
          const element = w.document.querySelector(selector);
          if (!element) throw new Error(`no ${selector}`);
          const { fontSize, fontFamily, backgroundColor, borderTopStyle } = w.getComputedStyle(element);
          return [key, { fontSize, fontFamily, backgroundColor, borderTopStyle }];
        }),
      ),
      body: w.getComputedStyle(w.document.body).fontSize,
      scrollWidth: w.document.documentElement.scrollWidth,
      innerWidth: w.innerWidth,
      mainWidth: w.document.querySelector('main')?.getBoundingClientRect().width ?? 0,
    };
  }, probes);
  const style = (key: keyof typeof probes) => seen.styles[key] ?? assert.fail(`no style for ${key}`);
  return {
    body: Number.parseFloat(seen.body),
    cell: Number.parseFloat(style('cell').fontSize),
    code: Number.parseFloat(style('code').fontSize),
    codeFont: style('code').fontFamily,
    scrollWidth: seen.scrollWidth,
    innerWidth: seen.innerWidth,
    mainWidth: seen.mainWidth,
    zebra: style('zebra').backgroundColor,
    plain: style('plain').backgroundColor,
    head: style('head').backgroundColor,
    border: style('td').borderTopStyle,
  };
}

describe('the html page in a real browser', () => {
  let browser: Browser;

  before(async () => {
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  async function open(name: ProfileName, lang: Language, width = 1280): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    // Anything the page asks the network for is a bug: it must stand alone.
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.setContent(renderDocs(getProfile(name), lang, 'html'), { waitUntil: 'load' });
    assert.deepEqual(requests, []);
    return page;
  }

  async function assertReadable(page: Page, name: ProfileName, lang: Language): Promise<void> {
    const profile = getProfile(name);
    const title = (profile.pages[lang] ?? profile.pages.en).title;
    await assert.doesNotReject(
      page.getByRole('heading', { level: 1, name: title }).waitFor({ state: 'visible' }),
    );
    assert.equal(await page.title(), `${title} · ${name}`);

    const subtitle = page.locator('.subtitle');
    assert.ok(await subtitle.isVisible());
    assert.match((await subtitle.textContent()) ?? '', new RegExp(`${name}.*${lang.replace('-', '\\-')}`));

    const tables = page.locator('table');
    assert.equal(await tables.count(), 2);
    const counts = [profile.normal.length, profile.errors.length];
    for (const [i, count] of counts.entries()) {
      const table = tables.nth(i);
      assert.ok(await table.isVisible(), `table ${i + 1} is not visible`);
      assert.equal(await table.locator('tbody tr').count(), count);
      for (const row of await table.locator('tbody tr').all()) assert.ok(await row.isVisible());
    }

    const sizes = await measure(page);
    assert.ok(sizes.body >= 14, `body text is ${sizes.body}px`);
    assert.ok(sizes.cell >= 14, `table text is ${sizes.cell}px`);
    assert.ok(sizes.code >= 14, `codes are ${sizes.code}px`);
    assert.match(sizes.codeFont, /monospace/);
    assert.ok(sizes.scrollWidth <= sizes.innerWidth, `${sizes.scrollWidth}px wide in ${sizes.innerWidth}px`);
    assert.ok(sizes.mainWidth <= 60 * 16 + 1, `the text column is ${sizes.mainWidth}px wide`);
    assert.notEqual(sizes.zebra, sizes.plain, 'rows are not striped');
    assert.notEqual(sizes.head, 'rgba(0, 0, 0, 0)', 'the header has no background');
    assert.equal(sizes.border, 'solid');

    assert.ok(await page.locator('.outside li').first().isVisible());
  }

  test('shows nat in Chinese: title, both tables in full, legible Chinese, no sideways scrolling', async () => {
    const page = await open('nat', 'zh-CN');
    try {
      await assertReadable(page, 'nat', 'zh-CN');
      const cell = page.getByRole('cell', { name: '服务器无法找到被请求的页面。', exact: true });
      assert.ok(await cell.isVisible());
      assert.equal(await cell.textContent(), '服务器无法找到被请求的页面。');
      const box = await cell.boundingBox();
      assert.ok(box && box.width > 100 && box.height > 10, 'the Chinese text takes no room');
      mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: new URL('docs-nat-zh-CN.png', outDir).pathname, fullPage: true });
    } finally {
      await page.close();
    }
  });

  test('draws the Chinese text with a font that has Chinese glyphs', async (t) => {
    if (!hasChineseFont()) {
      t.skip('no Chinese font installed (apt-get install fonts-noto-cjk)');
      return;
    }
    const page = await open('nat', 'zh-CN');
    try {
      const session = await page.context().newCDPSession(page);
      await session.send('DOM.enable');
      await session.send('CSS.enable');
      const { root } = await session.send('DOM.getDocument', { depth: -1 });
      const { nodeId } = await session.send('DOM.querySelector', {
        nodeId: root.nodeId,
        selector: '#status-404 td:last-child',
      });
      const { fonts } = await session.send('CSS.getPlatformFontsForNode', { nodeId });
      const used = fonts.filter((font) => font.glyphCount > 0).map((font) => font.familyName);
      assert.ok(
        used.some((family) => /CJK|Hei|Han|PingFang|YaHei|Hiragino|Sans SC/i.test(family)),
        `drawn with ${used.join(', ')}`,
      );
    } finally {
      await page.close();
    }
  });

  test('shows dcaas in English: title, both tables in full, no sideways scrolling', async () => {
    const page = await open('dcaas', 'en');
    try {
      await assertReadable(page, 'dcaas', 'en');
      assert.ok(await page.getByRole('cell', { name: '407 Proxy Authentication Required' }).isVisible());
      mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: new URL('docs-dcaas-en.png', outDir).pathname, fullPage: true });
    } finally {
      await page.close();
    }
  });

  test('fits a phone screen: the page does not scroll sideways, only a wide table may', async () => {
    const page = await open('dcaas', 'en', 390);
    try {
      const sizes = await measure(page);
      assert.ok(
        sizes.scrollWidth <= sizes.innerWidth,
        `${sizes.scrollWidth}px wide in ${sizes.innerWidth}px`,
      );
      assert.ok(sizes.body >= 14 && sizes.cell >= 14);
      mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: new URL('docs-dcaas-en-phone.png', outDir).pathname, fullPage: true });
    } finally {
      await page.close();
    }
  });
});
