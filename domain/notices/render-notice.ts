import type { Locale } from '../customers/customer-master.ts';
import { escapeHtml } from '../statements/escape.ts';
import type { RenderedEmail } from '../statements/statement.ts';

export type NoticeStage = 'reminder' | 'formal' | 'final' | 'disconnection-request';

/** What a notice states; amounts are decimal strings, dates local days. */
export interface NoticeContent {
  customerId: string;
  customerName: string;
  stage: NoticeStage;
  period: string;
  statementKey: string;
  currency: string;
  amountDue: string;
  dueDate: string;
  lateCharge: string;
  /** The next step and its date, in words for the customer (already localized). */
  nextStep: string;
  disconnectionDate?: string;
  accountManagerEmail: string;
}

const money = (v: string, currency: string, zh: boolean) =>
  `${zh && currency === 'CNY' ? '¥' : `${currency} `}${Number(v).toLocaleString(zh ? 'zh-CN' : 'en', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

const TITLE: Record<NoticeStage, { en: string; zh: string }> = {
  reminder: { en: 'Payment reminder', zh: '电费缴费提醒' },
  formal: { en: 'Formal notice of overdue payment', zh: '电费欠费催缴通知书' },
  final: { en: 'Final notice before disconnection', zh: '停电前最后催缴通知书' },
  'disconnection-request': { en: 'Disconnection request for approval', zh: '停电申请（待审批）' },
};

/**
 * The notice email. Every notice states the amount, the due date, the late charge so far, and what happens next
 * on which date; the final notice states the earliest disconnection date. The disconnection request goes to the
 * account manager for a human decision: the system never disconnects anything.
 */
export function renderNotice(n: NoticeContent, locale: Locale): RenderedEmail {
  const zh = locale === 'zh-CN';
  const title = zh ? TITLE[n.stage].zh : TITLE[n.stage].en;
  const amount = money(n.amountDue, n.currency, zh);
  const late = money(n.lateCharge, n.currency, zh);
  const lines: string[] = [];
  if (n.stage === 'disconnection-request') {
    lines.push(
      zh
        ? `客户 ${n.customerId}（${n.customerName}）${n.period} 电费仍欠 ${amount}（应缴日期 ${n.dueDate}，违约金已计 ${late}）。最后催缴通知书所载最早停电日期为 ${n.disconnectionDate}。`
        : `Customer ${n.customerId} (${n.customerName}) still owes ${amount} for ${n.period} (due ${n.dueDate}; late-payment charge so far ${late}). The final notice stated ${n.disconnectionDate} as the earliest disconnection date.`,
      zh
        ? `本系统不会自动停电。如批准停电，请按《供电营业规则》执行，并在停电前 30 分钟再次通知客户；批准请运行：kam approve-disconnection ${n.customerId}`
        : `The system never disconnects anything. If you approve, follow the Electricity Supply Business Rules, including a further notice 30 minutes before; record the approval with: kam approve-disconnection ${n.customerId}`,
    );
  } else {
    lines.push(
      zh ? `${n.customerName}：` : `Dear ${n.customerName},`,
      zh
        ? `贵单位 ${n.period} 电费 ${amount} 已于 ${n.dueDate} 到期，尚未结清。截至目前已产生电费违约金 ${late}。`
        : `Your electricity bill for ${n.period}, ${amount}, was due on ${n.dueDate} and is unpaid. The late-payment charge so far is ${late}.`,
    );
    if (n.stage === 'final' && n.disconnectionDate) {
      lines.push(
        zh
          ? `如在 ${n.disconnectionDate} 前仍未缴清，供电企业可能依法自该日起中止供电。停电前我们还会再次通知您。`
          : `If the amount is not paid before ${n.disconnectionDate}, supply may be suspended from that date under the Electricity Supply Business Rules. You will be notified again before any disconnection.`,
      );
    }
    lines.push(n.nextStep);
    lines.push(zh ? `如已缴费请忽略本通知；如有疑问或需分期缴费，请联系客户经理：${n.accountManagerEmail}` : `If you have paid, please ignore this notice. For questions or a payment plan, contact your account manager: ${n.accountManagerEmail}`);
  }
  const subject = `${title} — ${n.customerName} — ${n.period} ${amount}`;
  const text = [title, '', ...lines].join('\n\n');
  const html =
    `<!doctype html><html lang="${zh ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body style="font-family:Arial,'Microsoft YaHei',sans-serif;max-width:640px;color:#222">` +
    `<h2 style="color:${n.stage === 'final' || n.stage === 'disconnection-request' ? '#b00020' : '#333'}">${escapeHtml(title)}</h2>` +
    `<table style="border-collapse:collapse;margin:8px 0">` +
    [
      [zh ? '户号' : 'Customer', n.customerId],
      [zh ? '账期' : 'Period', n.period],
      [zh ? '欠费金额' : 'Amount due', amount],
      [zh ? '应缴日期' : 'Due date', n.dueDate],
      [zh ? '违约金（截至目前）' : 'Late charge so far', late],
      ...(n.disconnectionDate ? [[zh ? '最早停电日期' : 'Earliest disconnection date', n.disconnectionDate]] : []),
    ]
      .map(([k, v]) => `<tr><td style="padding:4px 12px 4px 0;color:#555">${escapeHtml(k!)}</td><td style="padding:4px 0;font-weight:bold">${escapeHtml(v!)}</td></tr>`)
      .join('') +
    `</table>` +
    lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('') +
    `</body></html>`;
  return { subject: subject.replace(/[\r\n\t]+/g, ' '), html, text, attachments: [] };
}
