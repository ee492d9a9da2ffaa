import type { Customer } from '../customers/customer-master.ts';
import { escapeHtml } from '../statements/escape.ts';
import type { Mailer, SuppressionList } from './mail-ports.ts';
import type { CustomerRepository } from './ports.ts';

/** The parts of an SES bounce or complaint notification (event publishing or identity notifications) we use. */
export interface SesFeedback {
  eventType?: string;
  notificationType?: string;
  bounce?: { bounceType?: string; bouncedRecipients?: { emailAddress: string; diagnosticCode?: string }[] };
  complaint?: { complainedRecipients?: { emailAddress: string }[] };
  mail?: { tags?: Record<string, string[]> };
}

export interface FeedbackOutcome {
  kind: 'bounce' | 'complaint' | 'ignored';
  suppressed: number;
  managersTold: number;
}

/**
 * A permanent bounce or a complaint suppresses the address (no further mail to it) and tells the account manager
 * of every customer using it, once: only the report that newly suppresses an address sends the notice.
 * Transient bounces (mailbox full, …) are left to SES's own retries.
 */
export function handleSesFeedback(ports: { customers: CustomerRepository; suppressions: SuppressionList; mailer: Mailer; clock: () => Date }) {
  return async (feedback: SesFeedback): Promise<FeedbackOutcome> => {
    const type = (feedback.eventType ?? feedback.notificationType ?? '').toLowerCase();
    let kind: 'bounce' | 'complaint';
    let addresses: string[];
    if (type === 'bounce' && feedback.bounce?.bounceType === 'Permanent') {
      kind = 'bounce';
      addresses = (feedback.bounce.bouncedRecipients ?? []).map((r) => r.emailAddress);
    } else if (type === 'complaint') {
      kind = 'complaint';
      addresses = (feedback.complaint?.complainedRecipients ?? []).map((r) => r.emailAddress);
    } else return { kind: 'ignored', suppressed: 0, managersTold: 0 };

    const customers = await ports.customers.all();
    let suppressed = 0;
    const notices = new Map<string, { customers: Customer[]; addresses: Set<string> }>();
    for (const address of addresses) {
      const affected = customers.filter((c) => c.email.toLowerCase() === address.toLowerCase());
      const fresh = await ports.suppressions.suppress(address, kind, ports.clock(), { customerIds: affected.map((c) => c.customerId) });
      if (!fresh) continue;
      suppressed++;
      for (const c of affected) {
        const n = notices.get(c.accountManagerEmail) ?? { customers: [], addresses: new Set<string>() };
        n.customers.push(c);
        n.addresses.add(address);
        notices.set(c.accountManagerEmail, n);
      }
    }
    for (const [manager, n] of notices) {
      const what = kind === 'bounce' ? 'bounced permanently' : 'was reported as spam by the recipient';
      const lines = n.customers.map((c) => `${c.customerId} ${c.name}: ${c.email}`);
      const text =
        `Statement email to the address(es) below ${what}. No further email will be sent to them until the customer master ` +
        `has a new address for the customer.\n\n${lines.join('\n')}\n\nPlease contact the customer(s) by phone and update the address.\n\n` +
        `邮件${kind === 'bounce' ? '被退回' : '被投诉'}：以下客户的邮箱已停止发送，请电话联系客户并更新客户档案中的邮箱。`;
      await ports.mailer.send({
        to: [manager],
        subject: `Action needed: customer email ${kind === 'bounce' ? 'bounced' : 'complaint'} / 客户邮箱${kind === 'bounce' ? '退信' : '投诉'} (${n.customers.map((c) => c.customerId).join(', ')})`,
        text,
        html: `<p>${escapeHtml(text).replace(/\n/g, '<br>')}</p>`,
        attachments: [],
        tags: { kind: 'feedback-notice' },
      });
    }
    return { kind, suppressed, managersTold: notices.size };
  };
}
