import { describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { renderStatementEmail } from '../../../../domain/statements/render-email.ts';
import { escapeHtml, html } from '../../../../domain/statements/escape.ts';
import { MESSAGES, placeholders, t } from '../../../../domain/statements/i18n.ts';
import {
  displayWidth,
  formatDay,
  formatKwh,
  formatMoney,
  formatNumber,
  formatPeriod,
  formatSignedPercent,
  singleLine,
} from '../../../../domain/statements/render-format.ts';
import { USAGE_CSV_HEADER } from '../../../../domain/statements/render-csv.ts';
import { loadFixture, type FixtureName, type StatementFixture } from './fixtures.ts';

function render(f: StatementFixture, fromName?: string) {
  return renderStatementEmail(f.statement, f.recipient, { utilityName: f.utilityName, ...(fromName ? { fromName } : {}) });
}

/** Version 1 of a fixture (not a correction). */
function original(name: FixtureName): StatementFixture {
  const f = loadFixture(name);
  f.statement.version = 1;
  f.statement.correction = false;
  return f;
}

/** Version 2 of a fixture (a correction). */
function corrected(name: FixtureName): StatementFixture {
  const f = loadFixture(name);
  f.statement.version = 2;
  f.statement.correction = true;
  return f;
}

describe('fixtures', () => {
  it.each(['en', 'zh'] as const)('%s: a consistent October 2026 bill with a mid-period tariff change', (name) => {
    const { statement: s } = loadFixture(name);
    const b = s.bill;
    expect(s.period).toBe('2026-10');
    expect(s.daily).toHaveLength(31);
    expect(s.daily.some((d) => d.estimated > 0)).toBe(true);
    // The total is the sum of the lines; the kWh is the sum of the days and of the bands.
    const sum = b.lines.reduce((a, l) => a.plus(l.amount), new Decimal(0));
    expect(sum.toFixed(2)).toBe(b.total);
    expect(s.daily.reduce((a, d) => a + d.kwh, 0)).toBe(Number(b.kwh));
    expect(Object.values(b.bandKwh).reduce((a, k) => a + Number(k), 0)).toBe(Number(b.kwh));
    // Two tariff versions, each with its own energy lines.
    const ranges = new Set(b.lines.filter((l) => l.from).map((l) => `${l.from}..${l.to}`));
    expect([...ranges]).toEqual(['2026-10-01..2026-10-15', '2026-10-16..2026-10-31']);
  });

  it('one of them is a correction (version 2)', () => {
    expect(loadFixture('en').statement).toMatchObject({ version: 2, correction: true });
    expect(loadFixture('zh').statement).toMatchObject({ version: 1, correction: false });
  });
});

describe('formatting', () => {
  it('formats money with the currency, thousands separators and 2 decimals (half-up)', () => {
    expect(formatMoney('123456.78', 'CNY', 'zh-CN')).toBe('¥123,456.78');
    expect(formatMoney('123456.78', 'CNY', 'en')).toBe('CNY 123,456.78');
    expect(formatMoney('-12120.67', 'CNY', 'zh-CN')).toBe('-¥12,120.67');
    expect(formatMoney('-12120.67', 'CNY', 'en')).toBe('CNY -12,120.67');
    expect(formatMoney('0.005', 'CNY', 'en')).toBe('CNY 0.01');
    expect(formatMoney('-0.001', 'CNY', 'en')).toBe('CNY 0.00');
    expect(formatMoney('1000000', 'USD', 'zh-CN')).toBe('USD 1,000,000.00');
  });

  it('formats kWh, decimals, percentages, days and periods', () => {
    expect(formatKwh('2873415')).toBe('2,873,415');
    expect(formatKwh('1234567.5')).toBe('1,234,568');
    expect(formatKwh(999)).toBe('999');
    expect(formatNumber('38.40')).toBe('38.40');
    expect(formatNumber('0.029875', undefined, 6)).toBe('0.029875');
    expect(formatNumber('5030.94', undefined, 1)).toBe('5,030.9');
    expect(formatSignedPercent('4.04')).toBe('+4.0%');
    expect(formatSignedPercent('-7.75')).toBe('-7.8%');
    expect(formatSignedPercent('-0.01')).toBe('0.0%');
    expect(formatDay('2026-11-05', 'zh-CN')).toBe('2026年11月5日');
    expect(formatDay('2026-11-05', 'en')).toBe('2026-11-05');
    expect(formatPeriod('2026-10', 'zh-CN')).toBe('2026年10月');
    expect(displayWidth('电费 ab')).toBe(7);
    expect(singleLine('a\r\nBcc: x@y\tz')).toBe('a Bcc: x@y z');
  });

  it('escapes & < > " \'', () => {
    expect(escapeHtml(`<script>alert(1)</script> & "Co" 'x'`)).toBe('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot; &#39;x&#39;');
    expect(html`<p title="${'"><x'}">${['<a>', 1, null]}</p>`.safeHtml).toBe('<p title="&quot;&gt;&lt;x">&lt;a&gt;1</p>');
  });
});

describe('i18n', () => {
  it('has every key in both locales, non-empty, with the same placeholders', () => {
    const en = Object.keys(MESSAGES.en).sort();
    const zh = Object.keys(MESSAGES['zh-CN']).sort();
    expect(zh).toEqual(en);
    expect(en.length).toBeGreaterThan(50);
    for (const key of en as (keyof typeof MESSAGES.en)[]) {
      expect(MESSAGES.en[key].trim(), key).not.toBe('');
      expect(MESSAGES['zh-CN'][key].trim(), key).not.toBe('');
      expect(placeholders(MESSAGES['zh-CN'][key]), key).toEqual(placeholders(MESSAGES.en[key]));
    }
  });

  it('refuses to leave a placeholder unfilled', () => {
    expect(() => t('en', 'payBy')).toThrow(/\{date\}/);
  });
});

describe('renderStatementEmail', () => {
  it('puts customer, period, total and currency in the subject', () => {
    expect(render(original('en')).subject).toBe('Electricity statement 2026-10 — Acme Steel Co. — CNY 2,093,834.03');
    expect(render(original('zh')).subject).toBe('2026年10月电费账单 — 华东精密铸造有限公司 — ¥837,402.13');
  });

  it('marks a correction in subject, HTML and text, and only a correction', () => {
    const en = render(corrected('en'));
    expect(en.subject).toBe('Corrected electricity statement 2026-10 (version 2, replaces version 1) — Acme Steel Co. — CNY 2,093,834.03');
    expect(en.html).toContain('Corrected statement (version 2) — replaces version 1');
    expect(en.text).toContain('Corrected statement (version 2) — replaces version 1');
    const zh = render(corrected('zh'));
    expect(zh.subject).toBe('更正：2026年10月电费账单（第2版，替代第1版）— 华东精密铸造有限公司 — ¥837,402.13');
    expect(zh.html).toContain('更正账单（第2版）——替代第1版');
    expect(zh.text).toContain('更正账单（第2版）——替代第1版');
    const v3 = corrected('en');
    v3.statement.version = 3;
    expect(render(v3).html).toContain('Corrected statement (version 3) — replaces version 2');

    for (const e of [render(original('en')), render(original('zh'))]) {
      // (The zh data-quality note says estimates are "更正" later: match the correction wording itself.)
      expect(e.subject).not.toMatch(/Corrected|更正/);
      expect(/Corrected|更正账单|data-section="correction"/.test(e.html)).toBe(false);
      expect(/Corrected|更正账单/.test(e.text)).toBe(false);
    }
  });

  it.each(['en', 'zh'] as const)('%s: HTML is self-contained mail markup (no script, svg, external resources, style sheets)', (name) => {
    const f = loadFixture(name);
    const { html: out } = render(f);
    expect(out).toMatch(/^<!DOCTYPE html>\n<html lang="(en|zh-CN)">/);
    expect(out).toContain(`<html lang="${f.recipient.locale}">`);
    expect(out).toContain('<meta charset="utf-8">');
    expect(out).not.toMatch(/<script/i);
    expect(out).not.toMatch(/<svg/i);
    expect(out).not.toMatch(/<img|<link|<style|<iframe|<object|<embed|@import|url\(/i);
    expect(out).not.toMatch(/http/i);
    expect(out).not.toMatch(/\son[a-z]+\s*=/i);
    const hrefs = [...out.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
    expect(hrefs.length).toBeGreaterThan(0);
    for (const h of hrefs) expect(h).toMatch(/^mailto:/);
    expect(out).toContain('max-width:640px');
  });

  it('escapes all customer-supplied text in the HTML', () => {
    const evil = '<script>alert(1)</script> & "Co"';
    const f = loadFixture('en');
    f.recipient.name = evil;
    f.recipient.accountManagerEmail = `am"><script>alert(2)</script>@x.example`;
    f.statement.customerId = `C<script>alert(3)</script>'`;
    f.statement.tariffName = { en: '<script>alert(4)</script><b>T</b>', 'zh-CN': '<script>alert(4)</script>' };
    f.statement.segment!.actions = ['<img src=x onerror=alert(5)>', '<script>alert(6)</script>'];
    f.statement.segment!.pattern = '<script>alert(7)</script>';
    f.statement.bill.lines[0]!.label.en = '<script>alert(8)</script>';
    f.statement.bill.lines[0]!.detail = '<svg onload=alert(9)>';
    const out = render(f);
    expect(out.html).not.toMatch(/<script|<img|<svg|<b>/i);
    expect(out.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;');
    expect(out.html).toContain('&lt;img src=x onerror=alert(5)&gt;');
    expect(out.html).toContain('href="mailto:am%22%3E%3Cscript%3Ealert(2)%3C%2Fscript%3E@x.example"');
    // The plain text and the subject carry the text as it is; the subject stays on one line.
    expect(out.text).toContain(evil);
    expect(out.subject).toContain(evil);
    // The attachment name keeps only safe characters (it goes into a MIME header).
    expect(out.attachments[0]!.filename).toBe('usage-C_script_alert_3___script__-2026-10.csv');
  });

  it('keeps the subject on one line', () => {
    const f = loadFixture('en');
    f.recipient.name = 'Acme\r\nBcc: victim@example.com';
    expect(render(f).subject).not.toMatch(/[\r\n]/);
  });

  it.each(['en', 'zh'] as const)('%s: attaches the daily usage as CSV, one row per day', (name) => {
    const f = loadFixture(name);
    const [att, ...rest] = render(f).attachments;
    expect(rest).toHaveLength(0);
    expect(att!.filename).toBe(`usage-${f.statement.customerId}-2026-10.csv`);
    expect(att!.contentType).toBe('text/csv; charset=utf-8');
    const bom = att!.content.startsWith('\uFEFF');
    expect(bom).toBe(f.recipient.locale === 'zh-CN');
    const lines = att!.content.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe(USAGE_CSV_HEADER);
    expect(lines[0]).toBe('day,kwh,max_demand_kw,estimated_intervals,missing_intervals');
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows).toHaveLength(f.statement.daily.length);
    rows.forEach((r, i) => {
      const d = f.statement.daily[i]!;
      expect(r).toEqual([d.day, String(d.kwh), String(d.maxDemandKw), String(d.estimated), String(d.missing)]);
    });
  });

  it('writes CSV numbers without binary floating-point noise', () => {
    const f = loadFixture('en');
    f.statement.daily = [{ day: '2026-10-01', kwh: 0.1 + 0.2, maxDemandKw: 1e-7, estimated: 0, missing: 96 }];
    expect(render(f).attachments[0]!.content).toBe(`${USAGE_CSV_HEADER}\r\n2026-10-01,0.3,0,0,96\r\n`);
  });

  it.each(['en', 'zh'] as const)('%s: shows the data-quality note iff the bill has quality flags', (name) => {
    const f = loadFixture(name);
    const l = f.recipient.locale;
    expect(f.statement.bill.quality.flags.length).toBeGreaterThan(0);
    const flagged = render(f);
    expect(flagged.html).toContain('data-section="data-quality"');
    expect(flagged.html).toContain(escapeHtml(MESSAGES[l].qualityTitle));
    expect(flagged.text).toContain(MESSAGES[l].qualityTitle);
    expect(flagged.html).toContain(escapeHtml(t(l, 'qualityEstimated', { count: String(f.statement.bill.quality.estimatedIntervals) })));

    f.statement.bill.quality = { estimatedIntervals: 0, missingIntervals: 0, missingDays: 0, flags: [] };
    const clean = render(f);
    expect(clean.html).not.toContain('data-section="data-quality"');
    expect(clean.html).not.toContain(escapeHtml(MESSAGES[l].qualityTitle));
    expect(clean.text).not.toContain(MESSAGES[l].qualityTitle);
  });

  it('explains a bill without kvarh: no power factor, no adjustment', () => {
    const f = loadFixture('zh');
    const b = f.statement.bill;
    b.kvarh = null;
    b.powerFactor = null;
    b.pfAdjustmentPercent = null;
    b.lines = b.lines.filter((l) => l.code !== 'power-factor-adjustment');
    b.quality.flags = ['no-kvarh'];
    const out = render(f);
    expect(out.html).toContain(MESSAGES['zh-CN'].qualityNoKvarh);
    expect(out.html).toContain(MESSAGES['zh-CN'].pfNotApplied);
    expect(out.text).toContain(MESSAGES['zh-CN'].pfNoData);
    expect(out.html).not.toContain(MESSAGES['zh-CN'].qualityFooter);
  });

  it('shows every charge line grouped by tariff-version sub-period, and the total', () => {
    const f = loadFixture('en');
    const out = render(f);
    expect(out.html).toContain('Tariff version in force 2026-10-01 to 2026-10-15');
    expect(out.html).toContain('Tariff version in force 2026-10-16 to 2026-10-31');
    expect(out.html).toContain('Whole period');
    expect(out.html.match(/<tr data-line=/g)).toHaveLength(f.statement.bill.lines.length);
    for (const line of f.statement.bill.lines) {
      const amount = formatNumber(line.amount, 2);
      expect(out.html).toContain(amount);
      expect(out.text).toContain(amount);
    }
    expect(out.text).toMatch(/\[Tariff version in force 2026-10-16 to 2026-10-31\]/);
    const zh = render(loadFixture('zh'));
    expect(zh.html).toContain('2026年10月16日至2026年10月31日执行的电价版本');
    expect(zh.html).toContain('电度电费（尖峰）');
  });

  it.each(['en', 'zh'] as const)('%s: HTML and text carry the key figures', (name) => {
    const f = loadFixture(name);
    const l = f.recipient.locale;
    const out = render(f, 'Key Account Team');
    const b = f.statement.bill;
    const figures = [
      formatMoney(b.total, 'CNY', l),
      formatDay(f.statement.dueDate, l),
      `${formatKwh(b.kwh)} kWh`,
      `${formatNumber(b.maxDemandKw)} kW`,
      b.powerFactor!,
      ...Object.values(b.bandKwh).map((k) => formatKwh(k)),
      MESSAGES[l].bandSharp,
      MESSAGES[l].bandValley,
      f.recipient.accountManagerEmail,
      f.statement.tariffName[l],
      'Key Account Team',
      f.utilityName[l],
      ...f.statement.segment!.actions,
    ];
    for (const s of figures) {
      expect(out.html, s).toContain(escapeHtml(s));
      expect(out.text, s).toContain(s);
    }
    // Comparison: previous period with % change; same period last year present or "no data".
    expect(out.html).toContain(formatPeriod(f.statement.comparison.previousPeriod!.period, l));
    if (f.statement.comparison.sameLastYear === null) {
      expect(out.html).toContain(MESSAGES[l].noData);
      expect(out.text).toContain(MESSAGES[l].noData);
    } else {
      expect(out.html).not.toContain(MESSAGES[l].noData);
    }
  });

  it('computes comparison changes and band shares', () => {
    const out = render(loadFixture('en'));
    // 2,873,415 vs 2,764,225 kWh → +4.0%; 2,093,834.03 vs 2,005,893.00 → +4.4%; vs last year -7.7% / -6.6%.
    expect(out.text).toMatch(/Previous period\s+2026-09\s+2,764,225\s+\+4\.0%\s+CNY 2,005,893\.00\s+\+4\.4%/);
    expect(out.text).toMatch(/Same period last year\s+2025-10\s+3,114,782\s+-7\.7%\s+CNY 2,242,496\.25\s+-6\.6%/);
    expect(out.text).toMatch(/Sharp peak\s+230,200\s+8\.0%/);
    expect(out.text).toContain('-0.60% of basic and energy charges = CNY -12,120.67');
  });

  it.each(['en', 'zh'] as const)('%s: draws one bar per day, the highest day at full height', (name) => {
    const f = loadFixture(name);
    const out = render(f);
    const bars = [...out.html.matchAll(/data-day="([^"]+)"[^>]*height="(\d+)"/g)].map((m) => ({ day: m[1]!, h: Number(m[2]) }));
    expect(bars.map((b) => b.day)).toEqual(f.statement.daily.map((d) => d.day));
    const maxDay = f.statement.daily.reduce((a, d) => (d.kwh > a.kwh ? d : a));
    expect(Math.max(...bars.map((b) => b.h))).toBe(120);
    expect(bars.find((b) => b.day === maxDay.day)!.h).toBe(120);
    expect(Math.min(...bars.map((b) => b.h))).toBeGreaterThanOrEqual(2);
    // The text version has a bar line per day.
    expect(out.text.split('\n').filter((l) => /^2026-10-\d\d  /.test(l))).toHaveLength(31);
  });

  it('aligns the plain-text charge table (CJK counted as two columns)', () => {
    const text = render(loadFixture('zh')).text;
    const lines = text.split('\n');
    const start = lines.findIndex((l) => l.startsWith('项目'));
    const table = lines.slice(start, start + 16).filter((l) => !l.startsWith('['));
    const widths = new Set(table.map(displayWidth));
    expect(widths.size).toBe(1);
  });

  it('is deterministic', () => {
    const a = render(loadFixture('zh'));
    const b = render(loadFixture('zh'));
    expect(a).toEqual(b);
  });
});

describe('expected next month', () => {
  const next = { period: '2026-11', kwh: 1234567, kwhLow: 1100000, kwhHigh: 1398765, maxDemandKw: 3456.7, bill: { total: '987654.32', currency: 'CNY' } };

  function withNext(name: FixtureName, over: Partial<typeof next> | null = {}): StatementFixture {
    const f = original(name);
    f.statement.expectedNext = over === null ? null : { ...next, ...over };
    return f;
  }

  it('shows forecast kWh with its range, demand and bill in English, in HTML and text', () => {
    const out = render(withNext('en'));
    const line = 'About 1,234,567 kWh (1,100,000–1,398,765), maximum demand about 3,456.7 kW, bill about CNY 987,654.32.';
    expect(out.html).toContain('data-section="expected-next"');
    expect(out.html).toContain('Expected next month (2026-11)');
    expect(out.html).toContain(line);
    expect(out.text).toContain(`Expected next month (2026-11)\n-----------------------------\n${line}`);
    expect(out.text).toContain('it is not a bill');
  });

  it('shows it in Chinese, with the yuan sign and the Chinese month', () => {
    const out = render(withNext('zh'));
    const line = '用电量约 1,234,567 kWh（1,100,000–1,398,765），最大需量约 3,456.7 kW，电费约 ¥987,654.32。';
    expect(out.html).toContain('下月预计（2026年11月）');
    expect(out.html).toContain(line);
    expect(out.text).toContain('下月预计（2026年11月）');
    expect(out.text).toContain(line);
  });

  it('leaves the bill out when the tariff could not project it, and escapes what it shows', () => {
    const f = withNext('en', { bill: { total: '1.00', currency: '<b>X' } });
    expect(render(f).html).toContain('bill about &lt;b&gt;X 1.00.');
    const { bill: _bill, ...noBill } = next;
    const g = original('en');
    g.statement.expectedNext = noBill;
    const out = render(g);
    expect(out.text).toContain('About 1,234,567 kWh (1,100,000–1,398,765), maximum demand about 3,456.7 kW.');
    expect(out.text).not.toContain('bill about');
  });

  it.each(['en', 'zh'] as const)('%s: has no section when there is no forecast, or the statement was stored before it existed', (name) => {
    for (const f of [withNext(name, null), original(name)]) {
      if (f.statement.expectedNext === undefined) expect('expectedNext' in f.statement).toBe(false);
      const out = render(f);
      expect(out.html).not.toContain('expected-next');
      expect(out.html).not.toMatch(/Expected next month|下月预计/);
      expect(out.text).not.toMatch(/Expected next month|下月预计/);
    }
  });
});
