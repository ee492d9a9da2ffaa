import { h, mount } from '../dom.ts';
import { api } from '../api.ts';
import { dailyChart, profileChart } from '../charts.ts';
import { formatMoney, formatNumber, label, t } from '../locale.ts';
import type { Customer360 } from '../types.ts';
import type { MessageKey } from '../../../domain/statements/i18n.ts';
import { taskRow } from './tasks.ts';

const section = (title: string, ...body: (Node | string | null)[]) => h('section', { class: 'card' }, h('h2', {}, title), ...body);
const list = <T>(items: T[], row: (x: T) => Node[]) =>
  items.length ? h('table', { class: 'grid' }, h('tbody', {}, items.map((x) => h('tr', {}, row(x))))) : h('p', { class: 'muted' }, t('none'));
const td = (...c: (string | number | Node)[]) => h('td', {}, ...c);

/** Customer 360: profile, segment with its reasons and actions, usage and peer charts, money and arrears. */
export async function customerPage(root: HTMLElement, id: string): Promise<void> {
  const c = await api.get<Customer360>(`/api/customers/${encodeURIComponent(id)}`);
  const p = c.profile;
  const usage = h('div', { class: 'chart', 'data-testid': 'usage-chart' });
  const peers = h('div', { class: 'chart', 'data-testid': 'peer-chart' });
  mount(root,
    h('p', {}, h('a', { href: '#/portfolio' }, t('backToPortfolio'))),
    h('h1', {}, `${p.customerId} ${p.name}`),
    h('div', { class: 'columns' },
      section(t('profileTitle'), h('dl', {},
        h('dt', {}, t('colRegion')), h('dd', {}, p.region),
        h('dt', {}, t('tariff')), h('dd', {}, p.tariffId),
        h('dt', {}, t('colManager')), h('dd', {}, p.accountManagerEmail),
        h('dt', {}, 'kVA / kW'), h('dd', {}, `${p.contractKva ?? '—'} / ${p.contractKw ?? '—'}`),
        h('dt', {}, t('colStage')), h('dd', {}, label.stage(c.arrears.stage)),
        h('dt', {}, t('colOverdue')), h('dd', {}, formatNumber(Number(c.arrears.overdue), 2)))),
      section(t('segmentTitle'), c.segment
        ? h('div', {},
            h('p', { class: 'segment' }, t('segmentLine', { tier: c.segment.tier, pattern: label.pattern(c.segment.pattern), trend: label.trend(c.segment.trend) })),
            h('h3', {}, t('reasonsTitle')), h('ul', {}, c.segment.reasons.map((r) => h('li', {}, r))),
            h('h3', {}, t('actionsTitle')),
            h('ul', { 'data-testid': 'actions' }, c.segment.playbook.map((a) => h('li', {}, h('strong', {}, label.action(a.code, a.text)), h('br'), h('span', { class: 'muted' }, a.text)))))
        : h('p', { class: 'muted' }, t('none')))),
    h('div', { class: 'columns' }, nextMonthCard(c), anomaliesCard(c)),
    section(t('usageTitle'), usage),
    section(t('peerTitle'), peers),
    h('div', { class: 'columns' },
      section(t('statementsTitle'), list(c.statements, (s) => [
        td(s.period), td(`v${s.version}`), td(formatMoney(s.total, s.currency)), td(s.dueDate), td(s.email),
        td(h('button', { type: 'button', class: 'link', onclick: () => void api.download(`/api/customers/${encodeURIComponent(p.customerId)}/statements/${s.period}/html?version=${s.version}`) }, t('openHtml'))),
      ])),
      section(t('noticesTitle'), list(c.notices, (n) => [td(n.statementKey), td(label.stage(n.stage)), td(n.sentOn ?? n.state), td(n.disconnectionDate ?? ''), td(h('code', {}, n.messageId ?? ''))]))),
    h('div', { class: 'columns' },
      section(t('paymentsTitle'), list(c.payments, (x) => [td(x.paidOn), td(formatMoney(x.amount, x.currency)), td(x.reference)])),
      section(t('holdsTitle'), list(c.holds, (x) => [td(x.kind), td(x.from), td(x.released ?? ''), td(x.active ? '●' : '')]))),
    section(t('tasksTitle'), c.tasks.length
      ? h('table', { class: 'grid', 'data-testid': 'customer-tasks' }, h('tbody', {}, c.tasks.map((x) => taskRow(x, () => void customerPage(root, id), false))))
      : h('p', { class: 'muted' }, t('none'))),
    section(t('auditTitle'), list(c.audit, (x) => [td(x.at.replace('T', ' ').slice(0, 16)), td(x.by.email), td(x.action), td(x.target)])),
    section(t('historyTitle'), list(c.history, (x) => [td(x.asOf), td(x.tier), td(label.pattern(x.pattern)), td(label.trend(x.trend)), td(x.peerGroup)])),
  );
  dailyChart(usage, c.days);
  if (c.profileShares) profileChart(peers, c.profileShares, c.peerProfile, { customer: t('peerCustomer'), peer: t('peerMedian') });
  else mount(peers, h('p', { class: 'muted' }, t('none')));
}

const BAND: [string, MessageKey][] = [['sharp', 'bandSharp'], ['peak', 'bandPeak'], ['flat', 'bandFlat'], ['valley', 'bandValley']];
const pct = (v: number) => `${formatNumber(v * 100, 1)}%`;

/** Next month's forecast (issue 11): kWh with its interval, by band, maximum demand against the contract, the bill. */
function nextMonthCard(c: Customer360): HTMLElement {
  const n = c.nextMonth;
  const card = (period: string, ...body: (Node | string)[]) => h('section', { class: 'card', 'data-testid': 'next-month' }, h('h2', {}, t('forecastTitle', { period })), ...body);
  if (!n) return card('—', h('p', { class: 'muted' }, t('forecastNotYet')));
  const f = n.forecast;
  if ('reason' in f) return card(f.period, h('p', { class: 'muted' }, t('forecastNone', { period: f.period, days: f.days, needed: f.needed })));
  const coverage = `${formatNumber(n.coverage * 100)}%`;
  const interval = (low: string, high: string) => h('span', { class: 'muted' }, ' ', t('forecastInterval', { low, high, coverage }));
  const kw = c.profile.contractKw;
  return card(f.period,
    h('dl', {},
      h('dt', {}, t('forecastKwh')), h('dd', { 'data-testid': 'forecast-kwh' }, `${formatNumber(f.kwh)} kWh`, interval(formatNumber(f.kwhLow), formatNumber(f.kwhHigh))),
      h('dt', {}, t('forecastBands')), h('dd', {}, BAND.map(([b, key]) => `${t(key)} ${formatNumber(f.bands[b as keyof typeof f.bands])}`).join(' · '), ' kWh'),
      h('dt', {}, t('forecastMaxDemand')), h('dd', {}, `${formatNumber(f.maxDemandKw, 1)} kW`, interval(formatNumber(f.maxDemandLow, 1), formatNumber(f.maxDemandHigh, 1)),
        ...(n.demandShare !== null && kw ? [h('br'), h('span', { class: n.demandShare >= 0.9 ? 'warn-text' : undefined }, t('forecastContractShare', { share: pct(n.demandShare), kw: formatNumber(kw) }))] : [])),
      h('dt', {}, t('forecastBill')), h('dd', { 'data-testid': 'forecast-bill' }, f.bill ? formatMoney(f.bill.total, f.bill.currency) : '—')),
    h('p', { class: 'muted' }, t('forecastBasis', { days: f.basis.days, from: f.basis.from, to: f.basis.to })));
}

/** The stored anomalies, newest first: kind (localized, the code as a tooltip), days, severity, evidence. */
function anomaliesCard(c: Customer360): HTMLElement {
  return section(t('anomaliesTitle'), c.anomalies.length
    ? h('table', { class: 'grid', 'data-testid': 'anomalies' },
        h('thead', {}, h('tr', {}, [t('colKind'), t('colDays'), t('colSeverity'), t('colEvidence')].map((x) => h('th', {}, x)))),
        h('tbody', {}, c.anomalies.map((a) => h('tr', { 'data-kind': a.kind, class: a.open ? undefined : 'muted' },
          td(h('span', { title: a.kind }, label.anomaly(a.kind)), ...(a.data ? [' ', h('span', { class: 'badge info' }, t('anomalyMetering'))] : [])),
          h('td', { class: 'days' }, a.from === a.to ? a.from : `${a.from} – ${a.to}`, ...(a.ongoing ? [' ', h('span', { class: 'badge warn' }, t('anomalyOngoing'))] : [])),
          td(h('span', { class: a.severity === 'high' ? 'warn-text' : undefined }, label.severity(a.severity))),
          h('td', { class: 'wrap' }, a.evidence)))))
    : h('p', { class: 'muted' }, t('none')));
}
