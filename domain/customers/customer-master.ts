import type { LineParser } from '../parsing/reading-sink.ts';
import { FileFormatError } from '../parsing/reading-sink.ts';
import { normalizeHeader, splitCsvLine } from '../parsing/csv-fields.ts';
import { type AliasMap, CUSTOMER_ALIASES, matchHeader } from '../parsing/header-aliases.ts';
import type { Reject } from '../usage/aggregate.ts';
import type { BasicChargeMode } from '../tariffs/tariff.ts';

export type Locale = 'zh-CN' | 'en';
export type PfStandard = 0.9 | 0.85 | 0.8 | null;

/** A key account as the customer master describes it. Personal data (name, emails) never goes to logs. */
export interface Customer {
  customerId: string;
  name: string;
  email: string;
  locale: Locale;
  region: string;
  tariffId: string;
  contractKva: number | null;
  contractKw: number | null;
  accountManagerEmail: string;
  pfStandard: PfStandard;
  /** Meters whose readings belong to this customer; [customerId] when the master lists none. */
  meterIds: string[];
  /** Basic-charge mode chosen for the customer (optional `basic_charge_mode` column); null = the tariff's default. */
  basicChargeMode: BasicChargeMode | null;
}

const REQUIRED = ['customer_id', 'name', 'email', 'locale', 'region', 'tariff_id', 'account_manager_email'] as const;
const EMAIL = /^[^\s@,;<>]+@[^\s@,;<>]+\.[^\s@,;<>]+$/;
const ID = /^[A-Za-z0-9_.\-]{1,64}$/;

export function looksLikeCustomerMaster(headerCells: readonly string[]): boolean {
  const { index } = matchHeader(headerCells, CUSTOMER_ALIASES);
  return index.customer_id !== undefined && index.email !== undefined && index.region !== undefined;
}

/** Parses customer-master rows, rejecting bad rows by line with the reason; good rows go on. */
export class CustomerMasterParser implements LineParser {
  readonly format = 'long-csv' as const;
  readonly customers: Customer[] = [];
  readonly rejects: Reject[] = [];
  dataRows = 0;
  private cols: Record<string, number> | null = null;
  private readonly aliases: AliasMap;
  private readonly seen = new Map<string, number>();

  constructor(aliases: AliasMap = CUSTOMER_ALIASES) {
    this.aliases = aliases;
  }

  line(text: string, lineNo: number): void {
    if (this.cols === null) {
      const cells = (splitCsvLine(text) ?? []).map(normalizeHeader);
      const { index } = matchHeader(cells, this.aliases);
      const missing = REQUIRED.filter((c) => index[c] === undefined);
      if (missing.length) throw new FileFormatError(`customer master header is missing column(s) ${missing.join(', ')}`, lineNo);
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
    this.rejectSharedMeters();
  }

  /** A meter claimed by two rows of the file: both rows are rejected, each naming both customers (which is right is unknown). */
  private rejectSharedMeters(): void {
    const claims = new Map<string, Customer[]>();
    for (const c of this.customers) {
      for (const m of new Set(c.meterIds)) {
        const list = claims.get(m);
        if (list) list.push(c);
        else claims.set(m, [c]);
      }
    }
    const reasons = new Map<Customer, string>();
    for (const [m, cs] of claims) {
      if (cs.length < 2) continue;
      const who = cs.map((c) => `${c.customerId} (line ${this.seen.get(c.customerId)})`).join(' and ');
      for (const c of cs) if (!reasons.has(c)) reasons.set(c, `meter ${m} is claimed by customers ${who}; a meter belongs to one customer`);
    }
    this.drop(reasons);
  }

  /**
   * Rejects rows that give a customer a meter the stored master gives another customer (one this file does not
   * restate), naming both: a meter moves between customers only in a file that restates both.
   */
  rejectMetersOwnedElsewhere(stored: Iterable<Customer>): void {
    const restated = new Set(this.customers.map((c) => c.customerId));
    const owner = new Map<string, string>();
    for (const c of stored) if (!restated.has(c.customerId)) for (const m of c.meterIds) owner.set(m, c.customerId);
    const reasons = new Map<Customer, string>();
    for (const c of this.customers) {
      const m = c.meterIds.find((id) => owner.has(id) && owner.get(id) !== c.customerId);
      if (m !== undefined) reasons.set(c, `meter ${m} already belongs to customer ${owner.get(m)}; it cannot also be customer ${c.customerId}'s`);
    }
    this.drop(reasons);
  }

  private drop(reasons: ReadonlyMap<Customer, string>): void {
    if (reasons.size === 0) return;
    for (const [c, reason] of reasons) this.rejects.push({ line: this.seen.get(c.customerId)!, reason });
    this.rejects.sort((a, b) => a.line - b.line);
    const kept = this.customers.filter((c) => !reasons.has(c));
    this.customers.length = 0;
    this.customers.push(...kept);
  }

  /** Reads another master file (with its own header) into the same result. */
  nextFile(): void {
    this.cols = null;
  }

  private row(text: string, lineNo: number): string | undefined {
    const f = splitCsvLine(text);
    if (f === null) return 'unterminated quoted field';
    const c = this.cols!;
    const get = (k: string): string => (c[k] === undefined ? '' : (f[c[k]] ?? '').trim());
    const customerId = get('customer_id');
    if (!ID.test(customerId)) return `customer_id "${customerId}" must be 1–64 letters, digits, '_', '-' or '.'`;
    const first = this.seen.get(customerId);
    if (first !== undefined) return `customer ${customerId} appears again (first at line ${first})`;
    const email = get('email');
    if (!EMAIL.test(email)) return 'email is not a valid address';
    const manager = get('account_manager_email');
    if (!EMAIL.test(manager)) return 'account_manager_email is not a valid address';
    const localeText = get('locale');
    const locale = /^zh/i.test(localeText) ? 'zh-CN' : /^en/i.test(localeText) ? 'en' : null;
    if (!locale) return `locale "${localeText}" is not zh-CN or en`;
    const region = get('region');
    if (!region) return 'region is empty';
    const tariffId = get('tariff_id');
    if (!tariffId) return 'tariff_id is empty';
    const kva = optionalNumber(get('contract_kva'));
    if (kva === undefined) return `contract_kva "${get('contract_kva')}" is not a non-negative number`;
    const kw = optionalNumber(get('contract_kw'));
    if (kw === undefined) return `contract_kw "${get('contract_kw')}" is not a non-negative number`;
    const pfText = get('pf_standard').toLowerCase();
    const pf = pfText === '' || pfText === 'none' ? null : Number(pfText);
    if (pf !== null && pf !== 0.9 && pf !== 0.85 && pf !== 0.8) return `pf_standard "${pfText}" is not 0.90, 0.85, 0.80 or none`;
    const meterIds = get('meter_ids').split(/[;；]/).map((m) => m.trim()).filter(Boolean);
    const modeText = get('basic_charge_mode').toLowerCase();
    const basicChargeMode = modeText === '' ? null : (['capacity', 'contract-demand', 'actual-demand'] as const).find((m) => m === modeText);
    if (basicChargeMode === undefined) return `basic_charge_mode "${modeText}" is not capacity, contract-demand or actual-demand`;
    const badMeter = meterIds.find((m) => !ID.test(m));
    if (badMeter) return `meter id "${badMeter}" must be letters, digits, '_', '-' or '.'`;
    this.seen.set(customerId, lineNo);
    this.customers.push({
      customerId,
      name: get('name'),
      email,
      locale,
      region,
      tariffId,
      contractKva: kva,
      contractKw: kw,
      accountManagerEmail: manager,
      pfStandard: pf as PfStandard,
      meterIds: meterIds.length ? meterIds : [customerId],
      basicChargeMode,
    });
    return undefined;
  }
}

function optionalNumber(t: string): number | null | undefined {
  if (t === '') return null;
  const v = Number(t);
  return Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** Meter → customer lookup over the whole master; a meter listed by two customers belongs to the later row. */
export function meterDirectory(customers: Iterable<Customer>): { customerOfMeter(m: string): string | undefined; hasCustomer(c: string): boolean } {
  const byMeter = new Map<string, string>();
  const ids = new Set<string>();
  for (const c of customers) {
    ids.add(c.customerId);
    for (const m of c.meterIds) byMeter.set(m, c.customerId);
  }
  return { customerOfMeter: (m) => byMeter.get(m), hasCustomer: (c) => ids.has(c) };
}
