import type { Segment } from '../classification/classify.ts';
import type { Customer, Locale } from '../customers/customer-master.ts';
import { escapeHtml } from '../statements/escape.ts';
import type { RenderedEmail } from '../statements/statement.ts';

export interface DigestInput {
  manager: string;
  weekStart: string;
  weekEnd: string;
  customers: {
    customer: Customer;
    segment?: Segment;
    /** Segment history entries with their as-of day, oldest first. */
    history: Segment[];
    /** Notices decided in the week. */
    notices: { stage: string; statementKey: string; decidedOn: string; amountDue: string; currency: string }[];
  }[];
}

export interface Digest {
  manager: string;
  locale: Locale;
  moves: { customerId: string; name: string; from: string; to: string; asOf: string }[];
  declining: { customerId: string; name: string; change: number }[];
  notices: { customerId: string; name: string; stage: string; statementKey: string; decidedOn: string; amountDue: string; currency: string }[];
  actions: { customerId: string; name: string; actions: string[] }[];
}

const label = (s: Segment) => `${s.tier}/${s.pattern}/${s.trend}`;

/** What an account manager should know about the week, from the segments, their history and the notices. */
export function buildDigest(input: DigestInput): Digest {
  const zh = input.customers.filter((c) => c.customer.locale === 'zh-CN').length;
  const locale: Locale = zh * 2 >= input.customers.length ? 'zh-CN' : 'en';
  const digest: Digest = { manager: input.manager, locale, moves: [], declining: [], notices: [], actions: [] };
  for (const { customer, segment, history, notices } of [...input.customers].sort((a, b) => (a.customer.customerId < b.customer.customerId ? -1 : 1))) {
    const name = customer.name;
    for (let i = 1; i < history.length; i++) {
      const prev = history[i - 1]!, next = history[i]!;
      if (next.asOf >= input.weekStart && next.asOf <= input.weekEnd && label(prev) !== label(next)) {
        digest.moves.push({ customerId: customer.customerId, name, from: label(prev), to: label(next), asOf: next.asOf });
      }
    }
    if (segment?.trend === 'declining' && segment.features.change !== null) {
      digest.declining.push({ customerId: customer.customerId, name, change: segment.features.change });
    }
    for (const n of notices) if (n.decidedOn >= input.weekStart && n.decidedOn <= input.weekEnd) digest.notices.push({ customerId: customer.customerId, name, ...n });
    if (segment?.actions.length) digest.actions.push({ customerId: customer.customerId, name, actions: segment.actions });
  }
  digest.declining.sort((a, b) => a.change - b.change);
  return digest;
}

const STAGE_ZH: Record<string, string> = { reminder: '缴费提醒', formal: '正式催缴', final: '最后通知', 'disconnection-request': '停电申请（待审批）' };

export function renderDigest(d: Digest, week: { start: string; end: string }): RenderedEmail {
  const zh = d.locale === 'zh-CN';
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const sections: { title: string; lines: string[] }[] = [
    { title: zh ? '客户分群变化' : 'Segment moves', lines: d.moves.map((m) => `${m.customerId} ${m.name}: ${m.from} → ${m.to} (${m.asOf})`) },
    { title: zh ? '用电下降的客户' : 'Declining consumers', lines: d.declining.map((x) => `${x.customerId} ${x.name}: ${pct(x.change)}`) },
    { title: zh ? '本周新增欠费通知' : 'New arrears stages this week', lines: d.notices.map((n) => `${n.customerId} ${n.name}: ${zh ? STAGE_ZH[n.stage] ?? n.stage : n.stage} ${n.statementKey} ${n.currency} ${n.amountDue} (${n.decidedOn})`) },
    { title: zh ? '建议行动' : 'Recommended actions', lines: d.actions.flatMap((a) => a.actions.map((t) => `${a.customerId} ${a.name}: ${t}`)) },
  ];
  const subject = zh ? `客户经理周报 ${week.start} 至 ${week.end}` : `Account manager digest ${week.start} to ${week.end}`;
  const none = zh ? '（无）' : '(none)';
  const text = [subject, ...sections.map((s) => `\n${s.title}\n${s.lines.length ? s.lines.map((l) => `- ${l}`).join('\n') : none}`)].join('\n');
  const html =
    `<!doctype html><html lang="${d.locale}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>` +
    `<body style="font-family:Arial,'Microsoft YaHei',sans-serif;max-width:720px;color:#222"><h2>${escapeHtml(subject)}</h2>` +
    sections.map((s) => `<h3>${escapeHtml(s.title)}</h3>` + (s.lines.length ? `<ul>${s.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>` : `<p>${none}</p>`)).join('') +
    `</body></html>`;
  return { subject, html, text, attachments: [] };
}
