import { h, mount } from '../dom.ts';
import { api } from '../api.ts';
import { formatMoney, formatNumber, label, t } from '../locale.ts';
import type { PortfolioRow } from '../types.ts';

type SortKey = 'id' | 'name' | 'tier' | 'pattern' | 'trend' | 'monthKwh' | 'projected' | 'nextBill' | 'anomalies' | 'stage' | 'overdue' | 'openTasks';
const STAGE_ORDER = [null, 'reminder', 'formal', 'final', 'disconnection-request'];

/** The caller's customers, sortable by any column and filterable by tier, pattern, trend and arrears stage. */
export async function portfolioPage(root: HTMLElement): Promise<void> {
  const { customers } = await api.get<{ customers: PortfolioRow[] }>('/api/customers');
  const filters: Record<'tier' | 'pattern' | 'trend' | 'stage', string> = { tier: '', pattern: '', trend: '', stage: '' };
  let sort: { key: SortKey; desc: boolean } = { key: 'id', desc: false };

  const value = (r: PortfolioRow, k: SortKey): string | number => {
    switch (k) {
      case 'monthKwh': return r.monthKwh;
      case 'projected': return r.projectedBill ? Number(r.projectedBill.total) : -1;
      case 'nextBill': return r.nextMonthBill ? Number(r.nextMonthBill.total) : -1;
      case 'anomalies': return r.openAnomalies;
      case 'overdue': return Number(r.overdue);
      case 'openTasks': return r.openTasks;
      case 'stage': return STAGE_ORDER.indexOf(r.arrearsStage);
      default: return (r[k] ?? '') as string;
    }
  };
  const select = (key: keyof typeof filters, what: string, options: [string, string][]) =>
    h('label', {}, t('filterLabel', { what }), ' ',
      h('select', { 'data-filter': key, onchange: (e: Event) => ((filters[key] = (e.target as HTMLSelectElement).value), render()) },
        h('option', { value: '' }, t('filterAll')), ...options.map(([v, text]) => h('option', { value: v, selected: filters[key] === v }, text))));
  const distinct = (f: (r: PortfolioRow) => string | null) => [...new Set(customers.map(f).filter((v): v is string => v !== null))].sort();

  const table = h('div');
  const count = h('p', { class: 'muted', 'data-testid': 'count' });
  mount(root,
    h('h1', {}, t('navPortfolio')),
    h('div', { class: 'filters' },
      select('tier', t('colTier'), distinct((r) => r.tier).map((v) => [v, v])),
      select('pattern', t('colPattern'), distinct((r) => r.pattern).map((v) => [v, label.pattern(v)])),
      select('trend', t('colTrend'), distinct((r) => r.trend).map((v) => [v, label.trend(v)])),
      select('stage', t('colStage'), distinct((r) => r.arrearsStage).map((v) => [v, label.stage(v)]))),
    count, table);

  function render(): void {
    const rows = customers
      .filter((r) => (!filters.tier || r.tier === filters.tier) && (!filters.pattern || r.pattern === filters.pattern) && (!filters.trend || r.trend === filters.trend) && (!filters.stage || r.arrearsStage === filters.stage))
      .sort((a, b) => {
        const x = value(a, sort.key), y = value(b, sort.key);
        return (x < y ? -1 : x > y ? 1 : 0) * (sort.desc ? -1 : 1);
      });
    const th = (key: SortKey, text: string) =>
      h('th', { 'data-sort': key, class: [sort.key === key ? (sort.desc ? 'sorted desc' : 'sorted') : '', key === 'nextBill' || key === 'anomalies' ? 'wrap' : ''].join(' ').trim() || undefined, onclick: () => ((sort = { key, desc: sort.key === key ? !sort.desc : false }), render()) }, text);
    count.textContent = t('customersCount', { count: rows.length });
    mount(table, h('table', { class: 'grid', 'data-testid': 'portfolio' },
      h('thead', {}, h('tr', {}, th('id', t('colCustomer')), th('name', t('colName')), th('tier', t('colTier')), th('pattern', t('colPattern')), th('trend', t('colTrend')),
        h('th', {}, t('colPeers')), th('monthKwh', t('colMonthKwh')), th('projected', t('colProjected')), th('nextBill', t('colNextBill')), th('anomalies', t('colOpenAnomalies')), h('th', {}, t('colAlerts')), th('stage', t('colStage')), th('overdue', t('colOverdue')), th('openTasks', t('colTasks')))),
      h('tbody', {}, rows.map((r) => h('tr', { 'data-customer': r.id },
        h('td', {}, h('a', { href: `#/customers/${encodeURIComponent(r.id)}` }, r.id)),
        h('td', {}, r.name),
        h('td', { class: `tier tier-${r.tier ?? 'none'}` }, r.tier ?? '—'),
        h('td', {}, label.pattern(r.pattern)),
        h('td', {}, label.trend(r.trend)),
        h('td', { class: 'num' }, r.peerGroup ?? '—'),
        h('td', { class: 'num' }, formatNumber(r.monthKwh)),
        h('td', { class: 'num' }, r.projectedBill ? formatMoney(r.projectedBill.total, r.projectedBill.currency) : '—'),
        h('td', { class: 'num', 'data-col': 'next-bill' }, r.nextMonthBill ? formatMoney(r.nextMonthBill.total, r.nextMonthBill.currency) : '—'),
        h('td', { class: 'num', 'data-col': 'open-anomalies' }, r.openAnomalies ? h('span', { class: 'badge warn' }, r.openAnomalies) : '—'),
        h('td', {}, r.openAlerts.map((a) => h('span', { class: 'badge warn' }, label.alert(a)))),
        h('td', { class: r.arrearsStage ? 'stage' : undefined }, label.stage(r.arrearsStage)),
        h('td', { class: 'num' }, Number(r.overdue) > 0 ? formatNumber(Number(r.overdue), 2) : '—'),
        h('td', { class: 'num' }, r.openTasks || '—'))))));
  }
  render();
}
