import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createConsoleUsers, localPassword } from '../../local/console-users.ts';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { anomalyTaskKey, taskId } from '../../domain/console/tasks.ts';
import { insights } from '../helpers/insights.ts';
import { cjkGlyphs, findChromium, launchChromium } from '../helpers/chromium.ts';
import { freshId, localApp } from '../helpers/local-app.ts';

/**
 * The console in headless Chromium against the local stack: the local sign-in page (InitiateAuth on the local pool),
 * the portfolio, a customer 360 with its charts drawn, a task outcome recorded by the customer's manager, a
 * disconnection request recommended by the manager and approved by a supervisor, the KPIs; screenshots of every
 * page in both locales in test/artifacts/console/.
 */
const ARTIFACTS = 'test/artifacts/console';
const app = localApp();
const { url, pool } = inject('localApp').console;
const id = freshId();
const region = `r${id}`.toLowerCase();
const [c1, c2, c3] = [`${id}P1`, `${id}P2`, `${id}P3`];
const managerA = `a.${id}@utility.example`.toLowerCase();
const managerB = `b.${id}@utility.example`.toLowerCase();
const supervisor = `s.${id}@utility.example`.toLowerCase();
const password = localPassword();
const TASK_KEY = '2026-06-30#playbook:visit#visit';
const STATEMENT = '2026-06#v1';
// C1's stored forecast and anomalies (test/helpers/insights.ts; 30 days of readings are too few for a real forecast).
const INSIGHTS = insights();
const DROP = INSIGHTS.anomalies.find((a) => a.kind === 'level-drop')!;
const ANOMALY_TASK_KEY = anomalyTaskKey(DROP.from, DROP.episodeKey);

function masterCsv(): string {
  const head = 'customer_id,name,email,locale,region,tariff_id,contract_kva,contract_kw,account_manager_email,pf_standard,meter_ids';
  const row = (c: string, name: string, manager: string) => `${c},${name},ops-${c.toLowerCase()}@example.com,zh-CN,${region},cn-large-industry-2026,1000,800,${manager},0.90,`;
  return [head, row(c1, '华东精密机械有限公司', managerA), row(c2, 'Riverside Cold Storage', managerA), row(c3, '北方化工', managerB)].join('\n');
}

/** 30 days of hourly kWh from 2026-06-01: a day-shift shape, scaled per customer. */
function readingsCsv(): string {
  const rows = ['customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality'];
  [c1, c2, c3].forEach((c, i) => {
    for (let d = 0; d < 30; d++) {
      const day = `2026-06-${String(d + 1).padStart(2, '0')}`;
      for (let h = 0; h < 24; h++) {
        const kwh = (i + 1) * (h >= 8 && h < 18 ? 120 + ((d * 7 + h) % 11) : 25 + (h % 3)) * (i === 1 && h < 6 ? 3 : 1);
        rows.push(`${c},${c},${day}T${String(h).padStart(2, '0')}:00:00+08:00,60,${kwh},${(kwh / 3).toFixed(2)},A`);
      }
    }
  });
  return rows.join('\n');
}

describe('the console in a browser', () => {
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    expect((await app.upload(`customers/${id}.csv`, masterCsv())).status).toBe('accepted');
    expect((await app.upload(`readings/${id}.csv`, readingsCsv())).status).toBe('accepted');
    // Segments and peer-group medians come from the population job (every 5 minutes in AWS): run it now.
    expect((await app.classify()).ran).toBe(true);
    await createConsoleUsers(pool, [
      { email: managerA, password, groups: ['managers'] },
      { email: managerB, password, groups: ['managers'] },
      { email: supervisor, password, groups: ['supervisors'], regions: [region] },
    ]);
    // A playbook task for C1, and a sent disconnection request for it (as the arrears scan and SendNotice leave them).
    await app.stores.console.createTask({
      id: taskId(c1, TASK_KEY), customerId: c1, kind: 'visit', day: '2026-06-30', dueOn: '2026-07-14', assignee: managerA,
      source: { kind: 'playbook', action: 'visit', text: 'Visit the plant to review its load growth', segmentAsOf: '2026-06-30' }, note: '', status: 'open',
    });
    await app.stores.arrears.createNotice({
      customerId: c1, tier: 'A', statementKey: STATEMENT, period: '2026-06', stage: 'disconnection-request', amountDue: '123456.78', currency: 'CNY',
      dueDate: '2026-07-20', daysOverdue: 40, lateChargeSoFar: '61.73', lateChargeDetail: '', nextStep: { stage: 'disconnection-approval', date: '2026-09-05' },
      disconnectionDate: '2026-09-05', copyManager: true, phoneTask: false, decidedOn: '2026-08-29', decidedAt: '2026-08-29T01:00:00.000Z',
      email: { state: 'sent', sentOn: '2026-08-29', at: '2026-08-29T01:00:05.000Z', amountDue: '123456.78', disconnectionDate: '2026-09-05' },
    });
    // Insights as the ingest stores them on the PROFILE item (written after it, so this is what the console reads),
    // and the task an anomaly episode opens, for C2.
    await app.clients.doc.send(new UpdateCommand({
      TableName: app.names.table, Key: { pk: `CUST#${c1}`, sk: 'PROFILE' }, UpdateExpression: 'SET insights = :i', ExpressionAttributeValues: { ':i': INSIGHTS },
    }));
    await app.stores.console.createTask({
      id: taskId(c2, ANOMALY_TASK_KEY), customerId: c2, kind: 'phone-call', day: '2026-11-29', dueOn: '2026-12-06', assignee: managerA,
      source: { kind: 'anomaly', anomaly: DROP.kind, episodeKey: DROP.episodeKey, from: DROP.from, severity: DROP.severity, evidence: DROP.evidence }, note: '', status: 'open',
    });
    browser = await launchChromium(findChromium());
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function signedIn(email: string, locale: 'zh-CN' | 'en'): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    await page.addInitScript((l) => localStorage.setItem('kam.locale', l), locale);
    await page.goto(`${url}/`);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
    await page.waitForSelector('main[data-ready="/portfolio"]');
    return page;
  }
  const open = async (page: Page, hash: string) => {
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
    await page.waitForSelector(`main[data-ready="${hash.replace(/^#/, '')}"]`);
  };
  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  /** Pixels of a canvas that are not transparent: a chart that drew something has thousands. */
  // In-page code as a string (the test's tsconfig has no DOM types; it runs in the browser as written).
  const inked = async (page: Page, testId: string): Promise<number> =>
    (await page.evaluate(`(() => {
      const canvas = document.querySelector('[data-testid=${testId}] canvas');
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    })()`)) as number;

  it('refuses a wrong password on the sign-in page and keeps the form', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    await page.fill('input[name=email]', managerA);
    await page.fill('input[name=password]', 'Wrong-password-1!');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('[role=alert]')).toMatch(/登录失败|Sign-in failed/);
    await page.close();
  });

  for (const locale of ['zh-CN', 'en'] as const) {
    it(`${locale}: a manager signs in, sees only their portfolio, opens a 360 with both charts drawn and records a task outcome`, async () => {
      const page = await signedIn(managerA, locale);
      const rows = await page.$$eval('[data-testid=portfolio] tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-customer')));
      expect(rows).toEqual([c1, c2]);
      expect(await page.textContent('[data-testid=who]')).toContain(managerA);
      if (locale === 'zh-CN') expect((await cjkGlyphs(page)).distinct).toBe(true);
      // Next month's bill (forecast) and the open anomalies (level drop ongoing, zero reads 8 days before asOf).
      expect(await page.textContent(`[data-customer="${c1}"] [data-col=next-bill]`)).toMatch(/98,765\.43/);
      expect(await page.textContent(`[data-customer="${c1}"] [data-col=open-anomalies]`)).toBe('2');
      expect(await page.textContent(`[data-customer="${c2}"] [data-col=next-bill]`)).toBe('—');
      await shot(page, `${locale}-portfolio`);

      await open(page, `#/customers/${c1}`);
      await page.waitForSelector('[data-testid=usage-chart] canvas');
      await page.waitForSelector('[data-testid=peer-chart] canvas');
      expect(await inked(page, 'usage-chart')).toBeGreaterThan(2000);
      expect(await inked(page, 'peer-chart')).toBeGreaterThan(1000);
      if (locale === 'zh-CN') {
        const row = page.locator(`[data-task="${taskId(c1, TASK_KEY)}"]`);
        await row.locator('select[name=kind]').selectOption('reached');
        await row.locator('input[name=note]').fill('met the energy manager');
        await row.locator('button[type=submit]').click();
        await page.waitForSelector(`main[data-ready="/customers/${c1}"] [data-task="${taskId(c1, TASK_KEY)}"]:not(:has(form))`);
      }
      expect(await page.textContent(`[data-task="${taskId(c1, TASK_KEY)}"]`)).toMatch(/已联系|Reached/);
      expect(await page.textContent('[data-testid=forecast-kwh]')).toMatch(/123,457 kWh/);
      expect(await page.textContent('[data-testid=next-month]')).toMatch(locale === 'en' ? /101\.5% of the contract 800 kW/ : /为合同需量 800 kW 的 101\.5%/);
      expect(await page.textContent('[data-testid=anomalies] tr[data-kind=level-drop]')).toContain(locale === 'en' ? 'usage dropped' : '用电量骤降');
      await shot(page, `${locale}-customer-360`);

      // Another manager's customer: the API says 403 and the page says so, with no data.
      await open(page, `#/customers/${c3}`);
      expect(await page.textContent('[data-testid=error]')).toMatch(/无权|do not have access/);

      await open(page, '#/tasks');
      expect(await page.textContent(`[data-task="${taskId(c2, ANOMALY_TASK_KEY)}"]`)).toContain(locale === 'en' ? 'anomaly: usage dropped from 2026-11-10 (high)' : '异常：用电量骤降，自 2026-11-10（高）');
      await shot(page, `${locale}-tasks`);
      await open(page, '#/approvals');
      if (locale === 'zh-CN') {
        const row = page.locator('[data-approval]').filter({ hasText: c1 });
        await row.locator('input[name=reason]').fill('三次催缴未付，客户未回应');
        await row.locator('button[data-verdict=approve]').click();
        await expect.poll(() => row.locator('[data-state]').getAttribute('data-state')).toBe('recommended');
      }
      await shot(page, `${locale}-approvals-manager`);
      await open(page, '#/kpis');
      await shot(page, `${locale}-kpis-manager`);
      await page.close();
    });

    it(`${locale}: a supervisor approves the recommended request (recorded, nothing disconnected) and sees the region's KPIs`, async () => {
      const page = await signedIn(supervisor, locale);
      expect(await page.$$eval('[data-testid=portfolio] tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-customer')))).toEqual([c1, c2, c3]);
      await open(page, '#/approvals');
      const row = page.locator('[data-approval]').filter({ hasText: c1 });
      if (locale === 'zh-CN') {
        await row.locator('input[name=reason]').fill('经复核，符合停电审批条件');
        await row.locator('button[data-verdict=approve]').click();
      }
      await expect.poll(() => row.locator('[data-state]').getAttribute('data-state')).toBe('approved');
      expect(await row.textContent()).toContain(supervisor);
      await shot(page, `${locale}-approvals-supervisor`);
      await open(page, '#/kpis');
      expect(await page.$$eval('[data-testid=kpi-regions] tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-region')))).toContain(region);
      await shot(page, `${locale}-kpis-supervisor`);
      await page.close();
    });
  }

  it('stored what the people did: the outcome, the recommendation and the decision with who and when, in the audit trail', async () => {
    const trail = await app.stores.console.audit(c1);
    expect(trail.map((e) => [e.action, e.by.email]).sort()).toEqual([
      ['approval.decided', supervisor],
      ['approval.recommended', managerA],
      ['task.outcome', managerA],
    ]);
    const approval = await app.stores.console.approval(c1, STATEMENT);
    expect(approval?.decision).toMatchObject({ verdict: 'approved', reason: '经复核，符合停电审批条件', by: { email: supervisor } });
    expect(approval?.recommendation).toMatchObject({ verdict: 'approve', by: { email: managerA } });
  });
});
