import { h, mount } from '../dom.ts';
import { api } from '../api.ts';
import { formatMoney, t } from '../locale.ts';
import type { KpiFigures, KpiReport } from '../types.ts';

const share = (s: number | null) => (s === null ? '—' : `${(s * 100).toFixed(1)}%`);

function cells(f: KpiFigures): HTMLTableCellElement[] {
  const money = (v: string) => (f.arrears.currency ? formatMoney(v, f.arrears.currency) : v);
  return [
    h('td', { class: 'num' }, t('kpiRatio', { done: f.statements.onTime, of: f.statements.issued, share: share(f.statements.share) })),
    h('td', { class: 'num' }, t('kpiRatio', { done: f.notices.actedOn, of: f.notices.due, share: share(f.notices.share) })),
    h('td', { class: 'num' }, t('kpiRatio', { done: money(f.arrears.recovered), of: money(f.arrears.overdue), share: share(f.arrears.share) })),
    h('td', { class: 'num' }, f.playbookActionsTaken),
    h('td', { class: 'num' }, f.customersContacted),
    h('td', { class: 'num' }, `${f.feedback.bounces} / ${f.feedback.complaints}`),
  ];
}

const heads = () => [t('kpiCustomers'), t('kpiStatementsOnTime'), t('kpiNoticesActed'), t('kpiRecovered'), t('kpiPlaybook'), t('kpiContacted'), t('kpiFeedback')];

/** Staff assessment for a month: per manager (a manager sees their own row), per region for supervisors and operators. */
export async function kpisPage(root: HTMLElement, period?: string): Promise<void> {
  const r = await api.get<KpiReport>(`/api/kpis${period ? `?period=${encodeURIComponent(period)}` : ''}`);
  const month = h('input', { type: 'month', value: r.period, onchange: (e: Event) => void kpisPage(root, (e.target as HTMLInputElement).value) });
  mount(root,
    h('h1', {}, t('navKpis')),
    h('label', {}, t('kpiPeriod'), ' ', month),
    h('h2', {}, t('kpiManagers')),
    h('table', { class: 'grid', 'data-testid': 'kpi-managers' },
      h('thead', {}, h('tr', {}, h('th', {}, t('kpiManager')), heads().map((x) => h('th', {}, x)))),
      h('tbody', {}, r.managers.map((m) => h('tr', { 'data-manager': m.manager }, h('td', {}, m.manager), h('td', { class: 'num' }, m.customers), cells(m.figures))))),
    r.regions.length ? h('h2', {}, t('kpiRegions')) : null,
    r.regions.length
      ? h('table', { class: 'grid', 'data-testid': 'kpi-regions' },
          h('thead', {}, h('tr', {}, h('th', {}, t('colRegion')), heads().map((x) => h('th', {}, x)))),
          h('tbody', {}, r.regions.map((m) => h('tr', { 'data-region': m.region }, h('td', {}, m.region), h('td', { class: 'num' }, m.customers), cells(m.figures)))))
      : null);
}
