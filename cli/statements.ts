import { writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { SqsJobQueue } from '../functions/adapters/sqs-job-queue.ts';
import { composeStatement, periodRange, shiftPeriod } from '../domain/statements/compose-statement.ts';
import { renderStatementEmail } from '../domain/statements/render-email.ts';
import { resolvePeriod, runStatements, type StatementJob } from '../domain/use-cases/run-statements.ts';
import { adviseTariff } from '../domain/billing/advisor.ts';
import { DEFAULTS } from '../contracts/settings.ts';
import type { Segment } from '../domain/classification/classify.ts';
import { fmtNumber, printJson, table } from './output.ts';
import { type Target, type TargetOptions, withTarget } from './target.ts';

type Json = { json?: boolean };
const UTILITY = DEFAULTS.utilityName;


export async function runStatementsCommand(opts: TargetOptions & Json & { period?: string; dryRun?: boolean; customer?: string[] }): Promise<number> {
  const period = resolvePeriod(opts.period, new Date(), DEFAULTS.timeZone);
  if (opts.dryRun) return dryRun(period, opts);
  return withTarget({ ...opts, pipeline: true }, async (t) => {
    if (!t.names.statementQueue) throw new Error('this stack has no statement queue');
    const run = runStatements({ customers: t.stores.customers, queue: new SqsJobQueue<StatementJob>(t.clients.sqs, t.names.statementQueue), clock: () => new Date() }, { timeZone: DEFAULTS.timeZone });
    const r = await run({ period, runId: `cli-${randomUUID()}`, ...(opts.customer?.length ? { customerIds: opts.customer } : {}) });
    if (!opts.json) console.error(`queued ${r.queued} statement job(s) for ${r.period}; waiting for the workers ...`);
    await t.waitForQueues();
    return printStatements(t, period, opts);
  });
}

async function dryRun(period: string, opts: TargetOptions & Json & { customer?: string[] }): Promise<number> {
  return withTarget(opts, async (t) => {
    const range = periodRange(period);
    const rows = [];
    for (const c of (await t.stores.customers.all()).sort((a, b) => (a.customerId < b.customerId ? -1 : 1))) {
      if (opts.customer?.length && !opts.customer.includes(c.customerId)) continue;
      const tariff = await t.stores.tariffs.get(c.tariffId);
      if (!tariff) {
        rows.push({ customer: c.customerId, period, error: `tariff ${c.tariffId} not loaded` });
        continue;
      }
      const days = await t.stores.usage.range(c.customerId, periodRange(shiftPeriod(period, -12)).from, range.to);
      try {
        const s = composeStatement({ customer: c, tariff, period, days, issuedOn: new Date().toISOString().slice(0, 10), dueDays: DEFAULTS.dueDays });
        if (s) rows.push({ customer: c.customerId, period, kwh: Number(s.bill.kwh), total: s.bill.total, currency: s.bill.currency, flags: s.bill.quality.flags.join(' ') });
      } catch (err) {
        rows.push({ customer: c.customerId, period, error: (err as Error).message });
      }
    }
    if (opts.json) printJson({ dryRun: true, statements: rows });
    else {
      console.log(`dry run for ${period}: computed, not stored, not emailed`);
      console.log(table(rows, ['customer', 'kwh', 'total', 'currency', 'flags', 'error']));
    }
    return rows.some((r) => 'error' in r) ? 1 : 0;
  });
}

async function printStatements(t: Target, period: string, opts: Json): Promise<number> {
  const list = (await t.stores.statements.listPeriod(period)).sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : a.version - b.version));
  const rows = list.map((s) => ({
    customer: s.customerId,
    period: s.period,
    version: s.version,
    correction: s.correction,
    total: s.bill.total,
    currency: s.bill.currency,
    dueDate: s.dueDate,
    emailed: s.email.state === 'sent',
    email: s.email.state,
    messageId: s.email.messageId ?? null,
  }));
  if (opts.json) printJson({ statements: rows });
  else {
    console.log(table(rows.map((r) => ({ ...r, correction: r.correction ? 'yes' : '', emailed: r.emailed ? 'yes' : 'no', messageId: r.messageId ?? '' })), ['customer', 'version', 'correction', 'total', 'currency', 'dueDate', 'email', 'messageId']));
    const billed = rows.filter((r, i) => rows.findLastIndex((x) => x.customer === r.customer) === i);
    console.log(`${billed.length} customer(s), ${rows.length} statement version(s), ${rows.filter((r) => r.emailed).length} emailed`);
  }
  return 0;
}

export async function statementsCommand(opts: TargetOptions & Json & { period: string }): Promise<number> {
  const period = resolvePeriod(opts.period, new Date(), DEFAULTS.timeZone);
  return withTarget(opts, (t) => printStatements(t, period, opts));
}

export async function statementCommand(customerId: string, period: string, opts: TargetOptions & Json & { html?: string; version?: number }): Promise<number> {
  return withTarget(opts, async (t) => {
    const all = (await t.stores.statements.history(customerId)).filter((s) => s.period === period);
    const s = opts.version ? all.find((x) => x.version === opts.version) : all.at(-1);
    if (!s) {
      console.error(`kam: no statement for ${customerId} ${period}${opts.version ? ` version ${opts.version}` : ''}`);
      return 1;
    }
    const customer = await t.stores.customers.get(customerId);
    if (opts.html) {
      if (!customer) throw new Error(`customer ${customerId} not found`);
      const email = renderStatementEmail(s, { name: customer.name, email: customer.email, locale: customer.locale, accountManagerEmail: customer.accountManagerEmail }, { utilityName: UTILITY });
      writeFileSync(opts.html, email.html);
      if (!opts.json) console.error(`wrote ${opts.html} (${email.subject})`);
    }
    if (opts.json) {
      printJson({ statement: s });
      return 0;
    }
    const b = s.bill;
    console.log(`${s.customerId} ${s.period} version ${s.version}${s.correction ? ' (correction)' : ''}: ${b.currency} ${b.total}, due ${s.dueDate}; email ${s.email.state}${s.email.messageId ? ` (${s.email.messageId})` : ''}`);
    console.log(`  ${fmtNumber(Number(b.kwh))} kWh (sharp ${b.bandKwh.sharp}, peak ${b.bandKwh.peak}, flat ${b.bandKwh.flat}, valley ${b.bandKwh.valley}); max demand ${b.maxDemandKw} kW; PF ${b.powerFactor ?? '—'} (standard ${b.pfStandard ?? 'none'}${b.pfAdjustmentPercent ? `, adjustment ${b.pfAdjustmentPercent}%` : ''})`);
    console.log(table(b.lines.map((l) => ({ line: l.label.en, period: l.from ? `${l.from}..${l.to}` : '', quantity: l.quantity, unit: l.unit, rate: l.rate, amount: l.amount }))).replace(/^/gm, '  '));
    if (b.quality.flags.length) console.log(`  data quality: ${b.quality.flags.join(', ')} (estimated intervals ${b.quality.estimatedIntervals}, missing ${b.quality.missingIntervals}, missing days ${b.quality.missingDays})`);
    return 0;
  });
}

export async function adviseCommand(customerId: string, opts: TargetOptions & Json & { period?: string; shift?: number }): Promise<number> {
  return withTarget(opts, async (t) => {
    const customer = await t.stores.customers.get(customerId);
    if (!customer) {
      console.error(`kam: no customer ${customerId}`);
      return 1;
    }
    const tariff = await t.stores.tariffs.get(customer.tariffId);
    if (!tariff) throw new Error(`tariff ${customer.tariffId} is not loaded`);
    const last = await t.stores.segments.latestDay(customerId);
    if (!last) throw new Error(`customer ${customerId} has no usage`);
    // The last complete month with usage, unless a period is given.
    const period = opts.period ?? shiftPeriod(last.slice(0, 7), last === periodRange(last.slice(0, 7)).to ? 0 : -1);
    const range = periodRange(period);
    const days = await t.stores.usage.range(customerId, range.from, range.to);
    const { periodUsage } = await import('../domain/statements/compose-statement.ts');
    const advice = adviseTariff({ customer, tariff, usage: periodUsage(range, days), periodDays: range.days, shiftShare: opts.shift ?? 0.1 });
    if (opts.json) printJson({ customer: customerId, period, advice, segment: (customer as { segment?: Segment }).segment?.actions ?? [] });
    else {
      console.log(`${customerId} ${period} (${tariff.id})`);
      for (const line of (advice as { sentences?: { en: string[] } }).sentences?.en ?? []) console.log(`  - ${line}`);
    }
    return 0;
  });
}
