import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { renderStatementEmail } from '../../../../domain/statements/render-email.ts';
import { formatDay, formatMoney, formatNumber } from '../../../../domain/statements/render-format.ts';
import { cjkGlyphs, findChromium, launchChromium, type ChromiumChoice } from '../../../helpers/chromium.ts';
import { loadFixture, type FixtureName } from './fixtures.ts';

/**
 * Renders the statement emails, opens them in headless Chromium and checks what a reader sees: the key figures as
 * visible text, one visible bar per day, and Chinese drawn as glyphs in the zh-CN email. Writes HTML and full-page
 * screenshots to test/artifacts/statements/.
 *
 * Runs twice: in the Chromium this machine has (Debian's, else the npm one; see test/helpers/chromium.ts), and in
 * the Chromium and CJK font from npm packages only, so the path of a machine with nothing but Node is tested on
 * every run.
 */

const ARTIFACTS = resolve('test/artifacts/statements');

const VARIANTS: [label: string, force: 'npm' | undefined][] = [
  ['this machine\'s Chromium', undefined],
  ['npm Chromium and npm CJK font', 'npm'],
];

describe.each(VARIANTS)('statement email in a browser (%s)', (_label, force) => {
  let browser: Browser | undefined;
  let choice: ChromiumChoice;

  beforeAll(async () => {
    choice = findChromium(force);
    // launch() gives Chromium a fresh temporary profile of its own and removes it on close.
    browser = await launchChromium(choice);
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('uses the npm Chromium and fonts when forced, else Debian\'s when installed', () => {
    const npm = (force ?? process.env.KAM_CHROMIUM) === 'npm' || !existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
    expect(choice.source).toBe(npm ? 'npm' : 'debian');
    if (npm) expect(choice.executablePath).toMatch(/kam-chromium-[\d.]+\/chromium$/);
    if (force === 'npm') expect(choice.env.FONTCONFIG_FILE).toMatch(/kam-fonts-noto-sans-sc-[\d.]+\/fonts\.conf$/);
  });

  it.each([
    ['en', 'en'],
    ['zh', 'zh-CN'],
  ] as [FixtureName, string][])('%s: shows the key figures and one bar per day', async (name, locale) => {
    const f = loadFixture(name);
    const email = renderStatementEmail(f.statement, f.recipient, { utilityName: f.utilityName });
    const suffix = force === 'npm' ? '-npm' : '';
    const file = join(ARTIFACTS, `statement-${locale}${suffix}.html`);
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
      await page.screenshot({ path: join(ARTIFACTS, `statement-${locale}${suffix}.png`), fullPage: true });
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

      // Chinese is drawn as glyphs, not tofu boxes, whichever fonts (system or npm) this variant has.
      if (locale === 'zh-CN') {
        const cjk = await cjkGlyphs(page);
        expect(cjk.chars).toHaveLength(2);
        expect(cjk, `CJK glyphs in ${cjk.font}`).toMatchObject({ distinct: true });
        expect(cjk.ink).toBeGreaterThan(20);
      }
    } finally {
      await page.close();
    }
  });
});
