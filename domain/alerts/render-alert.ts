import type { Locale } from '../customers/customer-master.ts';
import { escapeHtml } from '../statements/escape.ts';
import type { RenderedEmail } from '../statements/statement.ts';
import type { Alert, BillFigures, DemandFigures } from './alert.ts';

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const num = (v: number, locale: Locale) => v.toLocaleString(locale === 'zh-CN' ? 'zh-CN' : 'en', { maximumFractionDigits: 1 });
const money = (v: string, currency: string, locale: Locale) =>
  `${locale === 'zh-CN' && currency === 'CNY' ? '¥' : `${currency} `}${Number(v).toLocaleString(locale === 'zh-CN' ? 'zh-CN' : 'en', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** The interim alert email: the figures, why it matters, and what the customer can do before the bill. */
export function renderAlertEmail(alert: Alert, recipient: { name: string; locale: Locale; accountManagerEmail: string }): RenderedEmail {
  const zh = recipient.locale === 'zh-CN';
  let subject: string;
  let paragraphs: string[];
  if (alert.kind === 'demand') {
    const f = alert.figures as DemandFigures;
    subject = zh
      ? `用电提醒：${alert.period} 最大需量已达合同需量的 ${pct(f.share)} — ${recipient.name}`
      : `Usage alert: ${alert.period} maximum demand at ${pct(f.share)} of contract — ${recipient.name}`;
    paragraphs = zh
      ? [
          `${recipient.name}：`,
          `本计费周期（${alert.period}）的最大需量为 ${num(f.maxDemandKw, 'zh-CN')} kW（${f.day}），已达合同需量 ${num(f.contractKw, 'zh-CN')} kW 的 ${pct(f.share)}（提醒阈值 ${pct(f.thresholdShare)}）。`,
          `按两部制电价，最大需量超过合同需量 105% 的部分按两倍基本电价计收。`,
          `建议：错开大功率设备的启动时间，避免多台设备同时运行；如生产需要长期提高负荷，请联系客户经理申请调整合同需量。`,
        ]
      : [
          `Dear ${recipient.name},`,
          `Your maximum demand in the current billing period (${alert.period}) reached ${num(f.maxDemandKw, 'en')} kW on ${f.day}: ${pct(f.share)} of your contract demand of ${num(f.contractKw, 'en')} kW (alert threshold ${pct(f.thresholdShare)}).`,
          `Under the two-part tariff, demand above 105% of the contract is charged at double the basic-charge price.`,
          `What you can do: stagger the start of large loads so they do not run at the same time; if production needs a higher load for longer, ask your account manager about adjusting the contract demand.`,
        ];
  } else {
    const f = alert.figures as BillFigures;
    subject = zh
      ? `电费提醒：${alert.period} 预计电费 ${money(f.projectedTotal, f.currency, 'zh-CN')}，较上期增加 ${pct(f.increase)} — ${recipient.name}`
      : `Bill alert: ${alert.period} projected at ${money(f.projectedTotal, f.currency, 'en')}, ${pct(f.increase)} above last period — ${recipient.name}`;
    paragraphs = zh
      ? [
          `${recipient.name}：`,
          `按本期已有 ${f.daysCovered} 天（共 ${f.periodDays} 天）的用电推算，${alert.period} 电费预计为 ${money(f.projectedTotal, f.currency, 'zh-CN')}，比上期（${f.lastPeriod}）的 ${money(f.lastTotal, f.currency, 'zh-CN')} 高 ${pct(f.increase)}（提醒阈值 ${pct(f.thresholdIncrease)}）。`,
          `建议：将可调整的用电安排到谷时段（23:00–07:00）；检查是否有设备空转；如有疑问，请联系客户经理。`,
        ]
      : [
          `Dear ${recipient.name},`,
          `From the ${f.daysCovered} of ${f.periodDays} days read so far, your ${alert.period} bill is projected at ${money(f.projectedTotal, f.currency, 'en')}, ${pct(f.increase)} above the ${money(f.lastTotal, f.currency, 'en')} of ${f.lastPeriod} (alert threshold ${pct(f.thresholdIncrease)}).`,
          `What you can do: move flexible load to valley hours (23:00–07:00), check for equipment left running idle, and talk to your account manager if the increase is expected.`,
        ];
  }
  const contact = zh ? `客户经理：${recipient.accountManagerEmail}` : `Your account manager: ${recipient.accountManagerEmail}`;
  const text = [...paragraphs, '', contact].join('\n\n');
  const html =
    `<!doctype html><html lang="${zh ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>` +
    `<body style="font-family:Arial,'Microsoft YaHei',sans-serif;max-width:640px;color:#222">` +
    paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('') +
    `<p style="color:#555">${escapeHtml(zh ? '客户经理：' : 'Your account manager: ')}<a href="mailto:${escapeHtml(recipient.accountManagerEmail)}">${escapeHtml(recipient.accountManagerEmail)}</a></p></body></html>`;
  return { subject, html, text, attachments: [] };
}
