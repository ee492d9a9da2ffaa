import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { buildDashboard, dashboardCommand, type DashboardResult } from '../../../cli/dashboard.ts';
import { NAMESPACE, WIDGETS } from '../../../infra/dashboard-spec.ts';
import { readMetrics } from '../../../local/metrics-log.ts';
import { launchChromium } from '../../helpers/chromium.ts';

/**
 * Builds the dashboard page from the EMF/log fixtures, opens it in headless Chromium and checks what an operator sees:
 * every widget of the spec, a drawn chart wherever the fixtures carry its metrics, an honest message elsewhere.
 * Writes the page and a full-page screenshot to test/artifacts/dashboard/.
 */

const FIXTURES = fileURLToPath(new URL('../../fixtures/emf/', import.meta.url));
const ARTIFACTS = resolve('test/artifacts/dashboard');

/** Widgets whose application metrics occur in the fixtures (or the Lambda errors widget, drawn from the log lines). */
const fixtureNames = new Set(readMetrics(FIXTURES).filter((p) => p.namespace === NAMESPACE).map((p) => p.name));
const EXPECT_DRAWN = WIDGETS.filter((w) => w.id === 'lambda-errors' || w.metrics.some((m) => m.kind === 'app' && fixtureNames.has(m.name))).map((w) => w.id);

let browser: Browser | undefined;
let page: Page | undefined;
let result: DashboardResult;
const external: string[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  result = buildDashboard({ logDir: FIXTURES, out: join(ARTIFACTS, 'dashboard.html'), now: new Date('2026-11-28T04:00:00Z') });
  // Debian's Chromium when installed, else the one from npm (test/helpers/chromium.ts; KAM_CHROMIUM=npm forces it).
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // Anything but the file itself would be an external resource: refuse and record it.
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    external.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(result.path).href, { waitUntil: 'load' });
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe('kam dashboard page in a browser', () => {
  it('is one self-contained file', () => {
    expect(external).toEqual([]);
    const html = readFileSync(result.path, 'utf8');
    expect(html).not.toMatch(/<script|<link|src=|url\(/i);
    expect(result.widgets).toBe(WIDGETS.length);
  });

  it('shows the log directory and the time range in the header', async () => {
    const header = await page!.innerText('header');
    expect(header).toContain(resolve(FIXTURES));
    expect(header).toContain('2026-11-28 03:24:05 → 03:27:45 UTC');
  });

  it('shows every section title as visible text, in spec order', async () => {
    const sections = [...new Set(WIDGETS.map((w) => w.section))];
    const h2 = await page!.locator('section > h2').allInnerTexts();
    expect(h2).toEqual(sections);
    for (const s of sections) expect(await page!.getByRole('heading', { name: s, exact: true }).isVisible(), s).toBe(true);
  });

  it('has every widget of the spec, with its title, in its section', async () => {
    for (const w of WIDGETS) {
      const el = page!.locator(`section[data-section="${w.section}"] [data-widget="${w.id}"]`);
      expect(await el.count(), w.id).toBe(1);
      expect(await el.locator('h3').innerText(), w.id).toBe(w.title);
    }
  });

  it('draws a chart with marks for every widget whose metrics are in the fixtures', async () => {
    expect(EXPECT_DRAWN).toEqual(expect.arrayContaining(['files', 'rows', 'tiers', 'kwh', 'billed', 'outstanding', 'notices', 'statements', 'alerts', 'lambda-errors']));
    for (const id of EXPECT_DRAWN) {
      const svg = page!.locator(`[data-widget="${id}"] svg`);
      expect(await svg.count(), `${id} has an <svg>`).toBe(1);
      const box = await svg.boundingBox();
      expect(box?.width, `${id} svg width`).toBeGreaterThan(100);
      expect(box?.height, `${id} svg height`).toBeGreaterThan(50);
      const marks = await svg.locator('path.mark, rect.mark, circle.mark').evaluateAll((els) =>
        els.map((el) => {
          const r = el.getBoundingClientRect();
          return r.width > 0 && r.height > 0;
        }),
      );
      expect(marks.filter(Boolean).length, `${id} has a visible mark`).toBeGreaterThan(0);
    }
  });

  it('draws the right figures: bars per minute for counts, totals and last values in the legends', async () => {
    // FilesReceived: one file at 03:24, one at 03:25, two at 03:26 → three bars, total 4.
    const received = page!.locator('[data-widget="files"] rect.mark[data-series="FilesReceived"]');
    expect(await received.count()).toBe(3);
    expect(await page!.locator('[data-widget="files"] .legend').innerText()).toMatch(/FilesReceived total 4\b/);
    expect(await page!.locator('[data-widget="files"] .legend').innerText()).toMatch(/FilesFailed no data/);
    expect(await page!.locator('[data-widget="billed"] .legend').innerText()).toContain('AmountBilled total 7,489,043.1');
    // Levels: the last value and the maximum.
    expect(await page!.locator('[data-widget="outstanding"] .legend').innerText()).toContain('AmountOutstanding last 30,100.5, max 40,392.9');
    expect(await page!.locator('[data-widget="notices"] .legend').innerText()).toMatch(/reminder total 1.*formal total 1.*final no data/s);
    expect(await page!.locator('[data-widget="kwh"] .legend').innerText()).toMatch(/north total 12,500.*south total 8,000/s);
  });

  it('shows invocations and errors per function for the Lambda errors widget', async () => {
    const w = page!.locator('[data-widget="lambda-errors"]');
    expect(await w.locator('rect.mark[data-series="invocations"]').count()).toBe(4);
    expect(await w.locator('rect.mark[data-series="errors"]').count()).toBe(2);
    const rows = await w.locator('table tbody tr').allInnerTexts();
    expect(rows.map((r) => r.split('\t').slice(0, 4))).toEqual([
      ['IngestReadings', '3', '0', '0'],
      ['ScanArrears', '2', '0', '0'],
      ['SendNotice', '2', '1', '2'],
      ['SendStatement', '3', '1', '1'],
      ['SesFeedback', '0', '0', '0'],
    ]);
  });

  it('says "not recorded locally" for queue and Lambda platform metrics, and "no data" where the logs have none', async () => {
    const status = Object.fromEntries(result.summary.map((w) => [w.id, w.status]));
    for (const w of WIDGETS) {
      const el = page!.locator(`[data-widget="${w.id}"]`);
      const platform = w.metrics.every((m) => m.kind === 'queue') || (w.metrics.every((m) => m.kind === 'lambda') && w.id !== 'lambda-errors');
      if (EXPECT_DRAWN.includes(w.id)) {
        expect(status[w.id], w.id).toBe('drawn');
        continue;
      }
      expect(await el.locator('svg').count(), `${w.id} draws nothing`).toBe(0);
      const text = await el.locator('.nodata').innerText();
      if (platform) {
        expect(status[w.id], w.id).toBe('not-recorded-locally');
        expect(text, w.id).toMatch(/^Not recorded locally/);
      } else {
        expect(status[w.id], w.id).toBe('no-data');
        expect(text, w.id).toMatch(/^No data/);
      }
    }
  });
});

describe('dashboardCommand', () => {
  it('writes the page and prints { path, widgets } with --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kam-dashboard-'));
    const out = join(dir, 'sub', 'page.html');
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      expect(await dashboardCommand({ logDir: FIXTURES, out, json: true })).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    try {
      const printed = JSON.parse(lines.join('')) as { path: string; widgets: { id: string; title: string; series: string[]; points: number }[] };
      expect(printed.path).toBe(out);
      expect(existsSync(out)).toBe(true);
      expect(printed.widgets.map((w) => w.id)).toEqual(WIDGETS.map((w) => w.id));
      expect(printed.widgets.find((w) => w.id === 'notices')).toMatchObject({ series: ['reminder', 'formal'], points: 2 });
      expect(printed.widgets.find((w) => w.id === 'queue-depth')).toMatchObject({ series: [], points: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with exit code 1 when there are no logs', async () => {
    const errors: string[] = [];
    const error = console.error;
    console.error = (msg: string) => void errors.push(msg);
    try {
      expect(await dashboardCommand({ logDir: join(FIXTURES, 'missing'), out: join(tmpdir(), 'never.html') })).toBe(1);
    } finally {
      console.error = error;
    }
    expect(errors.join('\n')).toMatch(/run `kam local` first/);
  });
});
