/**
 * Header aliases: every logical column and the header texts utilities' exports use for it. Configurable: callers
 * may pass their own map (merged over these defaults). Matching ignores case and surrounding spaces.
 */
export type AliasMap = Record<string, readonly string[]>;

export const READING_ALIASES: AliasMap = {
  customer_id: ['customer_id', 'customer', 'customer_no', 'account_id', '户号', '用户编号', '客户编号', '用户号', '客户号', '用户户号'],
  meter_id: [
    'meter_id', 'meter', 'meter_no', 'asset_no', 'nmi', '表号', '电能表号', '电表号', '计量点编号', '表计编号', '电能表编号',
    '电能表资产号', '表计资产号', '资产编号', '电表资产号', '电能表资产编号', '资产号', '表资产号',
  ],
  interval_start: ['interval_start', 'start', '开始时间', '时间'],
  interval_minutes: ['interval_minutes', 'minutes', '间隔', '间隔分钟'],
  kwh: ['kwh', '有功电量', '电量'],
  kvarh: ['kvarh', '无功电量'],
  quality: ['quality', '质量', '数据质量', '质量标志'],
  date: ['date', 'day', 'reading_date', '日期', '数据日期', '冻结日期', '抄表日期', '数据时间'],
  quantity: ['quantity', 'kind', '数据项', '数据类型', '类型', '数据项名称', '电量类型', '示值类型', '测量类型'],
  /** CT × PT ratio; used by wide files only when `applyMultiplier` is on (the file's values are before it). */
  multiplier: ['multiplier', 'ct_pt', '倍率', '综合倍率', '计量倍率'],
};

/**
 * Values of the wide format's quantity column meaning active and reactive energy. Texts not listed here are classified
 * by what they contain (wide-header.ts classifyQuantity): 示值 = register readings, 功率/负荷 = a kW load curve, …
 */
export const QUANTITY_ALIASES: { kwh: readonly string[]; kvarh: readonly string[] } = {
  kwh: ['kwh', 'active', '有功', '正向有功', '正向有功电量', '有功电量', '正向有功总', '正向有功(总)', '正向有功电量(总)'],
  kvarh: ['kvarh', 'reactive', '无功', '正向无功', '无功电量', '感性无功'],
};

export const CUSTOMER_ALIASES: AliasMap = {
  customer_id: ['customer_id', '户号', '用户编号', '客户编号'],
  name: ['name', '户名', '用户名称', '客户名称'],
  email: ['email', '邮箱', '电子邮箱'],
  locale: ['locale', '语言'],
  region: ['region', '区域', '地区', '供电区域'],
  tariff_id: ['tariff_id', '电价编号', '电价'],
  contract_kva: ['contract_kva', '合同容量kva', '合同容量', '变压器容量'],
  contract_kw: ['contract_kw', '合同需量kw', '合同需量'],
  account_manager_email: ['account_manager_email', '客户经理邮箱'],
  pf_standard: ['pf_standard', '功率因数标准', '力调标准'],
  meter_ids: ['meter_ids', '表号', '电能表号'],
  basic_charge_mode: ['basic_charge_mode', '基本电费计收方式', '基本电费方式'],
};

export const PAYMENT_ALIASES: AliasMap = {
  customer_id: ['customer_id', '户号', '用户编号'],
  paid_at: ['paid_at', '缴费时间', '缴费日期'],
  amount: ['amount', '金额', '缴费金额'],
  currency: ['currency', '币种'],
  reference: ['reference', '流水号', '缴费流水号'],
};

/** Maps header cells to logical column indexes; unknown cells are returned in `unmatched` in order. */
export function matchHeader(
  cells: readonly string[],
  aliases: AliasMap,
): { index: Record<string, number>; unmatched: number[] } {
  const lookup = new Map<string, string>();
  for (const [column, names] of Object.entries(aliases)) for (const n of names) lookup.set(n.toLowerCase(), column);
  const index: Record<string, number> = {};
  const unmatched: number[] = [];
  cells.forEach((cell, i) => {
    const column = lookup.get(cell);
    if (column !== undefined && index[column] === undefined) index[column] = i;
    else unmatched.push(i);
  });
  return { index, unmatched };
}

export function mergeAliases(base: AliasMap, extra: AliasMap | undefined): AliasMap {
  if (!extra) return base;
  const out: Record<string, readonly string[]> = { ...base };
  for (const [k, v] of Object.entries(extra)) out[k] = [...v, ...(base[k] ?? [])];
  return out;
}
