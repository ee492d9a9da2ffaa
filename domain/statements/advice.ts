import type { PlaybookAction } from '../classification/playbook.ts';
import type { Locale } from '../customers/customer-master.ts';

const money = (v: number, locale: Locale) =>
  locale === 'zh-CN' ? `¥${v.toLocaleString('zh-CN', { maximumFractionDigits: 0 })}` : `CNY ${v.toLocaleString('en', { maximumFractionDigits: 0 })}`;

/**
 * The playbook speaks to the account manager; a statement speaks to the customer. Each action code has a
 * customer-facing sentence in both locales (codes without one, such as a data-quality check, are not shown).
 */
export function customerAdvice(actions: readonly PlaybookAction[], locale: Locale): string[] {
  const zh = locale === 'zh-CN';
  const out: string[] = [];
  for (const a of actions) {
    switch (a.code) {
      case 'dedicated-manager':
        out.push(zh ? '您是我们的重点大客户：专属客户经理和优先服务通道随时为您服务。' : 'As one of our largest customers you have a dedicated account manager and a priority service line.');
        break;
      case 'valley-shifting':
        out.push(
          a.savingPerMonth
            ? zh
              ? `把一部分高峰用电移到谷时段（23:00–07:00），每月约可节省 ${money(a.savingPerMonth, locale)}。`
              : `Moving part of your peak-hour use to valley hours (23:00–07:00) could save about ${money(a.savingPerMonth, locale)} a month.`
            : zh
              ? '把一部分高峰用电移到谷时段（23:00–07:00）可以降低电费。'
              : 'Moving part of your peak-hour use to valley hours (23:00–07:00) would lower your bill.',
        );
        break;
      case 'reactive-compensation':
        out.push(zh ? '您的功率因数低于考核标准，加装或检修无功补偿装置可免去力调电费。' : 'Your power factor is below the standard; reactive compensation would remove the power-factor surcharge.');
        break;
      case 'review-contract-demand':
        out.push(zh ? '您的最大需量已超过合同需量的 105%，超出部分按两倍基本电价计收；请与客户经理商议调整合同需量。' : 'Your maximum demand exceeded 105% of your contract demand, which is charged at double price; talk to your account manager about adjusting it.');
        break;
      case 'confirm-valley-tariff':
        out.push(zh ? '您的用电集中在谷时段，分时电价对您有利。' : 'Most of your use is in valley hours, where the time-of-use tariff is cheapest.');
        break;
      case 'reliability-check':
        out.push(zh ? '您的负荷全天连续运行；如需双电源或备用电源方案，请联系客户经理。' : 'Your load runs around the clock; your account manager can advise on dual supply or backup arrangements.');
        break;
      case 'visit':
      case 'review-capacity':
        out.push(zh ? '您的用电量变化较大，客户经理将与您联系，了解生产计划和用电需求。' : 'Your consumption has changed markedly; your account manager will contact you about your production plans and supply needs.');
        break;
      default:
        break;
    }
  }
  return [...new Set(out)];
}
