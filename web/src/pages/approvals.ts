import { h, mount } from '../dom.ts';
import { api, ApiError } from '../api.ts';
import { formatMoney, t } from '../locale.ts';
import type { Approval, Me } from '../types.ts';

const STATE = { requested: 'approvalRequested', recommended: 'approvalRecommended', approved: 'approvalApproved', rejected: 'approvalRejected' } as const;

const VERDICT = { approve: 'recommendApprove', reject: 'recommendReject', approved: 'approvalApproved', rejected: 'approvalRejected' } as const;
const verdictText = (v: { verdict: string; reason: string; by: { email: string }; at: string } | undefined) =>
  v ? t('verdictBy', { verdict: t(VERDICT[v.verdict as keyof typeof VERDICT] ?? 'none'), who: v.by.email, day: v.at.slice(0, 10), reason: v.reason }) : '—';

/**
 * Disconnection requests. The customer's manager recommends, a supervisor of the region decides (never on their own
 * recommendation; the API refuses it whatever the page shows); recording a decision disconnects nothing.
 */
export async function approvalsPage(root: HTMLElement, me: Me): Promise<void> {
  const body = h('div');
  const supervisor = me.groups.includes('supervisors');
  const load = async () => {
    const { approvals } = await api.get<{ approvals: Approval[] }>('/api/approvals');
    mount(body, approvals.length
      ? h('table', { class: 'grid', 'data-testid': 'approvals' },
          h('thead', {}, h('tr', {}, [t('colCustomer'), t('colName'), t('colAmountDue'), t('colDisconnectionDate'), t('colRequested'), t('colStatus'), t('colRecommendation'), t('colDecision'), ''].map((x) => h('th', {}, x)))),
          h('tbody', {}, approvals.map((a) => h('tr', { 'data-approval': a.id },
            h('td', {}, h('a', { href: `#/customers/${encodeURIComponent(a.customerId)}` }, a.customerId)),
            h('td', {}, a.customerName),
            h('td', { class: 'num' }, formatMoney(a.amountDue, a.currency)),
            h('td', {}, a.disconnectionDate ?? '—'),
            h('td', {}, a.requestedOn),
            h('td', { 'data-state': a.state }, t(STATE[a.state])),
            h('td', { class: 'wrap' }, verdictText(a.recommendation)),
            h('td', { class: 'wrap' }, verdictText(a.decision)),
            h('td', {}, a.decision ? '' : decisionForm(a, supervisor, () => void load()))))))
      : h('p', { class: 'muted' }, t('none')));
  };
  mount(root, h('h1', {}, t('navApprovals')), h('p', { class: 'muted' }, t('approvalNote')), body);
  await load();
}

function decisionForm(a: Approval, supervisor: boolean, onDone: () => void): HTMLElement | string {
  if (!supervisor && a.recommendation) return '';
  const reason = h('input', { type: 'text', name: 'reason', placeholder: t('outcomeReason'), required: true, maxlength: 500 });
  const error = h('span', { class: 'error', role: 'alert' });
  const send = (verdict: 'approve' | 'reject') => async () => {
    error.textContent = '';
    if (!reason.value.trim()) return void (error.textContent = t('outcomeReason'));
    try {
      await api.post(`/api/approvals/${encodeURIComponent(a.id)}`, { verdict, reason: reason.value.trim() });
      onDone();
    } catch (err) {
      error.textContent = err instanceof ApiError && err.status === 403 ? t('forbidden') : (err as Error).message;
    }
  };
  return h('span', { class: 'inline' }, reason,
    h('button', { type: 'button', 'data-verdict': 'approve', onclick: send('approve') }, supervisor ? t('approve') : t('recommendApprove')),
    h('button', { type: 'button', 'data-verdict': 'reject', onclick: send('reject') }, supervisor ? t('reject') : t('recommendReject')),
    error);
}
