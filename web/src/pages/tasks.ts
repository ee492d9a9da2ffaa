import { h, mount } from '../dom.ts';
import { api, ApiError } from '../api.ts';
import { label, t } from '../locale.ts';
import type { Task } from '../types.ts';

const OUTCOMES = [
  ['reached', 'outcomeReached'],
  ['not-reached', 'outcomeNotReached'],
  ['promise-to-pay', 'outcomePromise'],
  ['dispute', 'outcomeDispute'],
] as const;

export function outcomeLabel(kind: string): string {
  const found = OUTCOMES.find(([k]) => k === kind);
  return found ? t(found[1]) : kind;
}

/** One task as a table row, with the outcome form when it is open and the caller may act. */
export function taskRow(task: Task, onDone: () => void, showCustomer = true): HTMLTableRowElement {
  const source = task.source.kind === 'notice'
    ? t('taskSourceNotice', { stage: label.stage(task.source.stage), statement: task.source.statementKey })
    : task.source.kind === 'playbook'
      ? t('taskSourcePlaybook', { action: label.action(task.source.action, task.source.text) })
      : t('taskSourceAnomaly', { kind: label.anomaly(task.source.anomaly), from: task.source.from, severity: label.severity(task.source.severity), evidence: task.source.evidence });
  const cells: Node[] = [
    ...(showCustomer ? [h('td', {}, h('a', { href: `#/customers/${encodeURIComponent(task.customerId)}` }, task.customerId))] : []),
    h('td', {}, task.kind === 'visit' ? t('taskKindVisit') : t('taskKindPhoneCall')),
    h('td', { class: task.source.kind === 'anomaly' ? 'wrap' : undefined }, source),
    h('td', { class: task.status === 'open' && task.dueOn < new Date().toISOString().slice(0, 10) ? 'stage' : undefined }, task.dueOn),
    h('td', {}, task.status === 'open' ? t('taskOpen') : t('taskClosed')),
  ];
  if (task.status === 'closed' && task.closed) {
    const o = task.closed.outcome;
    const detail = o.kind === 'promise-to-pay' ? ` ${o.promisedOn}` : o.kind === 'dispute' ? ` — ${o.reason}` : '';
    cells.push(h('td', {}, `${outcomeLabel(o.kind)}${detail} (${task.closed.closedOn})`));
  } else cells.push(h('td', {}, outcomeForm(task, onDone)));
  return h('tr', { 'data-task': task.id }, cells);
}

function outcomeForm(task: Task, onDone: () => void): HTMLFormElement {
  const kind = h('select', { name: 'kind' }, OUTCOMES.map(([k, m]) => h('option', { value: k }, t(m))));
  const promisedOn = h('input', { type: 'date', name: 'promisedOn', 'aria-label': t('outcomePromisedOn') });
  const reason = h('input', { type: 'text', name: 'reason', placeholder: t('outcomeReason'), maxlength: 500 });
  const note = h('input', { type: 'text', name: 'note', placeholder: t('outcomeNote'), maxlength: 500 });
  const error = h('span', { class: 'error', role: 'alert' });
  const sync = () => {
    promisedOn.hidden = kind.value !== 'promise-to-pay';
    reason.hidden = kind.value !== 'dispute';
  };
  kind.addEventListener('change', sync);
  sync();
  return h('form', {
    class: 'inline',
    onsubmit: async (e: Event) => {
      e.preventDefault();
      error.textContent = '';
      const body: Record<string, string> = { kind: kind.value };
      if (note.value.trim()) body.note = note.value.trim();
      if (kind.value === 'promise-to-pay') body.promisedOn = promisedOn.value;
      if (kind.value === 'dispute') body.reason = reason.value.trim();
      try {
        await api.post(`/api/tasks/${encodeURIComponent(task.id)}`, body);
        onDone();
      } catch (err) {
        error.textContent = err instanceof ApiError && err.status === 403 ? t('forbidden') : (err as Error).message;
      }
    },
  }, kind, promisedOn, reason, note, h('button', { type: 'submit' }, t('outcomeSave')), error);
}

/** The caller's tasks (open first, then by due day), each open one with its outcome form. */
export async function tasksPage(root: HTMLElement): Promise<void> {
  let onlyOpen = true;
  const body = h('div');
  const load = async () => {
    const { tasks } = await api.get<{ tasks: Task[] }>(`/api/tasks${onlyOpen ? '?status=open' : ''}`);
    mount(body, tasks.length
      ? h('table', { class: 'grid', 'data-testid': 'tasks' },
          h('thead', {}, h('tr', {}, [t('colCustomer'), t('colTask'), t('colSource'), t('colDue'), t('colStatus'), t('colOutcome')].map((x) => h('th', {}, x)))),
          h('tbody', {}, tasks.map((task) => taskRow(task, () => void load()))))
      : h('p', { class: 'muted' }, t('none')));
  };
  mount(root,
    h('h1', {}, t('navTasks')),
    h('label', {}, h('input', { type: 'checkbox', checked: onlyOpen, onchange: (e: Event) => ((onlyOpen = (e.target as HTMLInputElement).checked), void load()) }), ' ', t('onlyOpen')),
    body);
  await load();
}
