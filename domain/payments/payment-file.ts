import { Decimal } from 'decimal.js';
import { DateTime } from 'luxon';
import type { LineParser } from '../parsing/reading-sink.ts';
import { FileFormatError } from '../parsing/reading-sink.ts';
import { normalizeHeader, splitCsvLine } from '../parsing/csv-fields.ts';
import { matchHeader, PAYMENT_ALIASES } from '../parsing/header-aliases.ts';
import type { Reject } from '../usage/aggregate.ts';

/** A payment as recorded: idempotent by `reference` (unique per payment across all files). */
export interface Payment {
  reference: string;
  customerId: string;
  /** Local day the money arrived (the utility's zone). */
  paidOn: string;
  paidAt: string;
  amount: string;
  currency: string;
}

const REQUIRED = ['customer_id', 'paid_at', 'amount', 'currency', 'reference'] as const;
const AMOUNT = /^\d{1,12}(\.\d{1,2})?$/;

/** Parses a payments CSV, rejecting bad rows by line with the reason; good rows go on. */
export class PaymentFileParser implements LineParser {
  readonly format = 'long-csv' as const;
  readonly payments: Payment[] = [];
  /** Line of each accepted payment, by reference (for rejects found when recording). */
  readonly lineOf = new Map<string, number>();
  readonly rejects: Reject[] = [];
  dataRows = 0;
  private cols: Record<string, number> | null = null;
  private readonly seen = new Map<string, { line: number; payment: Payment }>();
  private readonly zone: string;
  private readonly knownCustomer: (id: string) => boolean;

  constructor(opts: { timeZone: string; knownCustomer: (id: string) => boolean }) {
    this.zone = opts.timeZone;
    this.knownCustomer = opts.knownCustomer;
  }

  line(text: string, lineNo: number): void {
    if (this.cols === null) {
      const { index } = matchHeader((splitCsvLine(text) ?? []).map(normalizeHeader), PAYMENT_ALIASES);
      const missing = REQUIRED.filter((c) => index[c] === undefined);
      if (missing.length) throw new FileFormatError(`payments header is missing column(s) ${missing.join(', ')}`, lineNo);
      this.cols = index;
      return;
    }
    if (text.trim() === '') return;
    this.dataRows++;
    const reason = this.row(text, lineNo);
    if (reason) this.rejects.push({ line: lineNo, reason });
  }

  end(): void {
    if (this.cols === null) throw new FileFormatError('the file is empty: no header row', 1);
  }

  private row(text: string, lineNo: number): string | undefined {
    const f = splitCsvLine(text);
    if (f === null) return 'unterminated quoted field';
    const get = (k: string) => (f[this.cols![k]!] ?? '').trim();
    const customerId = get('customer_id');
    if (!this.knownCustomer(customerId)) return `unknown customer ${customerId || '(empty)'}`;
    const reference = get('reference');
    if (!reference) return 'reference is empty';
    const amountText = get('amount').replace(/,/g, '');
    if (!AMOUNT.test(amountText) || new Decimal(amountText).lte(0)) return `amount "${get('amount')}" is not a positive amount with at most 2 decimals`;
    const currency = get('currency').toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) return `currency "${get('currency')}" is not a 3-letter code`;
    const paidAtText = get('paid_at');
    const at = /^\d{4}-\d{2}-\d{2}$/.test(paidAtText)
      ? DateTime.fromISO(paidAtText, { zone: this.zone })
      : DateTime.fromISO(paidAtText.replace(' ', 'T'), { zone: this.zone, setZone: false });
    if (!at.isValid) return `paid_at "${paidAtText}" is not a date or ISO-8601 time`;
    const payment: Payment = {
      reference,
      customerId,
      paidOn: at.setZone(this.zone).toISODate()!,
      paidAt: at.toUTC().toISO()!,
      amount: new Decimal(amountText).toFixed(2),
      currency,
    };
    const prior = this.seen.get(reference);
    if (prior) {
      const same = JSON.stringify(prior.payment) === JSON.stringify(payment);
      return same ? undefined : `reference ${reference} appears again with different details (first at line ${prior.line})`;
    }
    this.seen.set(reference, { line: lineNo, payment });
    this.lineOf.set(reference, lineNo);
    this.payments.push(payment);
    return undefined;
  }
}
