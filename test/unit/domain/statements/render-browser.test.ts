import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { renderStatementEmail } from '../../../../domain/statements/render-email.ts';
import { formatDay, formatMoney, formatNumber } from '../../../../domain/statements/render-format.ts';
import { loadFixture, type FixtureName } from './fixtures.ts';

/**
 * Renders the statement emails, opens them in headless Chromium and checks what a reader sees: the key figures as
 * visible text and one visible bar per day. Writes HTML and full-page screenshots to test/artifacts/statements/.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = resolve('test/artifacts/statements');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let browser: Browser | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the statement browser test needs it (Debian: apt-get install -y chromium fonts-noto-cjk; or set CHROMIUM_PATH).`,
    );
  }
  // launch() gives Chromium a fresh temporary profile of its own and removes it on close.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 15_000 });
  mkdirSync(ARTIFACTS, { recursive: true });
}, 20_000);

afterAll(async () => {
  await browser?.close();
});

describe('statement email in a browser', () => {
  it('has a CJK font for the zh-CN statement (Debian: fonts-noto-cjk)', () => {
    let fonts = '';
    try {
      fonts = execFileSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' });
    } catch {
      // No fontconfig: the check below reports it.
    }
    expect(fonts.trim(), 'no font with Chinese glyphs (fc-list :lang=zh is empty): install the Debian package fonts-noto-cjk').not.toBe('');
  });

  it.each([
    ['en', 'en'],
    ['zh', 'zh-CN'],
  ] as [FixtureName, string][])('%s: shows the key figures and one bar per day', async (name, locale) => {
    const f = loadFixture(name);
    const email = renderStatementEmail(f.statement, f.recipient, { utilityName: f.utilityName });
    const file = join(ARTIFACTS, `statement-${locale}.html`);
    writeFileSync(file, email.html);

    const page = await browser!.newPage({ viewport: { width: 800, height: 900 } });
    try {
      // Anything but the file itself would be an external resource: refuse and record it.
      const external: string[] = [];
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        external.push(url);
        return route.abort();
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      await page.screenshot({ path: join(ARTIFACTS, `statement-${locale}.png`), fullPage: true });
      expect(external).toEqual([]);

      const l = f.recipient.locale;
      const b = f.statement.bill;
      const text = await page.innerText('body');
      for (const figure of [
        formatMoney(b.total, b.currency, l),
        formatDay(f.statement.dueDate, l),
        `${formatNumber(b.maxDemandKw)} kW`,
        b.powerFactor!,
        f.recipient.name,
        f.recipient.accountManagerEmail,
      ]) {
        expect(text, `visible text should contain ${figure}`).toContain(figure);
      }

      const bars = page.locator('[data-day]');
      expect(await bars.count()).toBe(f.statement.daily.length);
      const boxes = await bars.evaluateAll((els) =>
        els.map((el) => {
          const r = el.getBoundingClientRect();
          return { day: el.getAttribute('data-day'), width: r.width, height: r.height, bottom: Math.round(r.bottom), left: r.left };
        }),
      );
      expect(boxes.map((x) => x.day)).toEqual(f.statement.daily.map((d) => d.day));
      for (const x of boxes) {
        expect(x.width, `bar ${x.day} width`).toBeGreaterThan(0);
        expect(x.height, `bar ${x.day} height`).toBeGreaterThan(0);
      }
      // Bars stand on one baseline, left to right in day order, and the highest day is the tallest bar.
      expect(new Set(boxes.map((x) => x.bottom)).size).toBe(1);
      for (let i = 1; i < boxes.length; i++) expect(boxes[i]!.left).toBeGreaterThan(boxes[i - 1]!.left);
      const maxKwh = Math.max(...f.statement.daily.map((d) => d.kwh));
      const tallest = Math.max(...boxes.map((x) => x.height));
      const maxDay = f.statement.daily.find((d) => d.kwh === maxKwh)!.day;
      expect(boxes.find((x) => x.day === maxDay)!.height).toBe(tallest);

      // The layout stays within the ~640px email width.
      const box = await page.locator('table[width="640"]').boundingBox();
      expect(box!.width).toBeLessThanOrEqual(640);
    } finally {
      await page.close();
    }
  });
});
