/** The fictional key accounts: who they are, which archetype each follows and which file carries its readings. */
import { Rng } from './random.ts';

export const SEED = 20261031;
export const FIRST_DAY = '2026-04-15';
export const DAYS = 200; // 2026-04-15 .. 2026-10-31 inclusive
/** Day indexes of the two 90-day classification windows ending on the last day. */
export const CURRENT_WINDOW = { from: DAYS - 90, to: DAYS - 1 };
export const PREVIOUS_WINDOW = { from: DAYS - 180, to: DAYS - 91 };

export const PATTERNS = ['continuous', 'day-shift', 'evening-peak', 'night-shift', 'weekday-only', 'irregular'] as const;
export type Pattern = (typeof PATTERNS)[number];
export const TRENDS = ['growing', 'declining', 'volatile', 'stable', 'unknown'] as const;
export type Trend = (typeof TRENDS)[number];
export const REGIONS = ['east', 'north', 'south', 'west'] as const;
export type Region = (typeof REGIONS)[number];

export type ReadingFile = 'long' | 'wide-gbk' | 'wide-north' | 'nem12';
export type PfStandard = '0.90' | '0.85' | '0.80' | 'none';

export interface Customer {
  id: string;
  name: string;
  email: string;
  locale: 'zh-CN' | 'en';
  region: Region;
  tariffId: 'cn-large-industry-2026' | 'cn-commercial-2026';
  accountManagerEmail: string;
  pfStandard: PfStandard;
  /** Explicit meters (listed in meter_ids); empty means one meter whose id is the customer id. */
  meterIds: string[];
  /** Share of the load on each meter (same length as meters()). */
  meterShares: number[];
  pattern: Pattern;
  trend: Trend;
  /** Intended change of the current 90-day window against the previous one (0 unless growing/declining). */
  targetChange: number;
  /** Daily kWh of a normal working day before any trend. */
  baseDailyKwh: number;
  /** Power factor of the load; null = the meter reports no reactive energy. */
  powerFactor: number | null;
  /** First day index with data (0 for all but the `unknown` trend). */
  startDay: number;
  master: 'main' | 'gbk';
  readings: ReadingFile;
  /** Filled in once the load is known. */
  contractKw: number;
  contractKva: number;
}

export function meters(c: Customer): string[] {
  return c.meterIds.length > 0 ? c.meterIds : [c.id];
}

// Trends per pattern (12 customers each). A continuous process with volatile daily energy would not have a high
// load factor, so volatility goes to the other patterns.
const TREND_MIX: Record<Pattern, Partial<Record<Trend, number>>> = {
  continuous: { growing: 3, declining: 3, stable: 5, unknown: 1 },
  'day-shift': { growing: 3, declining: 3, volatile: 3, stable: 2, unknown: 1 },
  'evening-peak': { growing: 3, declining: 3, volatile: 2, stable: 3, unknown: 1 },
  'night-shift': { growing: 3, declining: 3, volatile: 2, stable: 3, unknown: 1 },
  'weekday-only': { growing: 3, declining: 3, volatile: 3, stable: 2, unknown: 1 },
  irregular: { growing: 2, declining: 3, volatile: 2, stable: 4, unknown: 1 },
};
const GROWTH = [0.22, 0.3, 0.38];
const DECLINE = [-0.18, -0.28, -0.38];

const ZH_PREFIX = [
  '申江', '浦瑞', '华鑫', '恒远', '金桥', '润泽', '宏达', '永盛', '瑞丰', '嘉和', '明辉', '天成', '海纳', '中联',
  '鼎盛', '长风', '信和', '汇通', '博远', '启航', '凯达', '宝丰', '星河', '东岳', '青禾', '锦程', '万顺', '兴邦',
  '德润', '泰和', '远洋', '翔宇', '安澜', '和泰', '祥云', '广源', '卓越', '国盛', '北辰', '南屏', '西岭', '丰泽',
  '晨光', '云帆', '光华', '鸿基', '银河', '金鼎', '沪宁', '江淮', '松江', '临港', '滨江', '湖畔', '紫荆', '梧桐',
  '银杏', '松柏', '朝阳', '旭日', '澄江', '汉阳', '瀚海', '天工', '恒通', '聚源', '合力', '同创', '四海', '九州',
  '三江', '五岳',
];
const EN_PREFIX = [
  'Harbor', 'Redwood', 'Summit', 'Bluewater', 'Northgate', 'Ironbridge', 'Silverlake', 'Pioneer', 'Eastwind',
  'Goldfield', 'Riverside', 'Stonebrook', 'Clearpeak', 'Brightwater', 'Oakridge', 'Lakeshore', 'Westbay',
  'Highland', 'Seaview', 'Maple', 'Cedarpoint', 'Foxhill', 'Kingsway', 'Larkspur', 'Moorfield', 'Newhaven',
  'Orchard', 'Pinecrest', 'Queensbay', 'Rosewood',
];
const ZH_INDUSTRY: Record<Pattern, string[]> = {
  continuous: ['钢铁', '化工', '数据中心', '冷链物流', '玻璃', '造纸', '水泥', '多晶硅'],
  'day-shift': ['机械制造', '汽车零部件', '电子科技', '精密铸造', '食品加工', '塑料制品'],
  'evening-peak': ['商业广场', '酒店管理', '购物中心', '影城', '会展中心', '文旅发展'],
  'night-shift': ['特种钢材', '工业气体', '蓄冷科技', '碳素制品', '铁合金', '冰业'],
  'weekday-only': ['科技园', '医疗器械', '软件园', '制药', '纺织', '检测技术'],
  irregular: ['建材', '港口装卸', '混凝土', '矿业', '船舶修造', '试验中心'],
};
const EN_INDUSTRY: Record<Pattern, string[]> = {
  continuous: ['Steel Works', 'Chemicals', 'Data Centre', 'Cold Chain', 'Glass'],
  'day-shift': ['Precision Machinery', 'Auto Parts', 'Electronics', 'Foods'],
  'evening-peak': ['Plaza Mall', 'Hotels', 'Shopping Centre', 'Cinemas'],
  'night-shift': ['Special Steel', 'Industrial Gases', 'Ice Storage'],
  'weekday-only': ['Tech Park', 'Medical Devices', 'Pharma', 'Textiles'],
  irregular: ['Building Materials', 'Port Services', 'Concrete', 'Shipyard'],
};
const ZH_SUFFIX = ['有限公司', '股份有限公司', '集团有限公司'];
const MANAGERS: Record<Region, string[]> = {
  east: ['zhang.wei', 'li.na', 'wang.fang'],
  north: ['liu.yang', 'chen.jie', 'zhao.min'],
  south: ['huang.lei', 'zhou.xin', 'wu.hao'],
  west: ['xu.jing', 'sun.tao', 'ma.li'],
};
// Which patterns the largest sites tend to have (process industry is big, shops are small).
const SIZE_AFFINITY: Record<Pattern, number> = {
  continuous: 3, 'night-shift': 2, 'day-shift': 1.5, irregular: 1, 'weekday-only': 1, 'evening-peak': 0.8,
};

interface Slot {
  pattern: Pattern;
  trend: Trend;
  targetChange: number;
}

export function buildCustomers(): Customer[] {
  const rng = new Rng('customers', SEED);
  const slots: Slot[] = [];
  for (const pattern of PATTERNS) {
    let g = 0;
    let d = 0;
    for (const trend of TRENDS) {
      for (let i = 0; i < (TREND_MIX[pattern][trend] ?? 0); i++) {
        const targetChange = trend === 'growing' ? GROWTH[g++ % 3]! : trend === 'declining' ? DECLINE[d++ % 3]! : 0;
        slots.push({ pattern, trend, targetChange });
      }
    }
  }
  // Four of the six late starters are the new accounts of the GBK master file, one per region.
  const unknown = rng.shuffle(slots.filter((s) => s.trend === 'unknown'));
  const late = unknown.slice(0, 4);
  const pool = slots.filter((s) => !late.includes(s));
  const byRegion: Slot[][] = REGIONS.map(() => []);
  const ordered = PATTERNS.flatMap((p) => rng.shuffle(pool.filter((s) => s.pattern === p)));
  ordered.forEach((s, i) => byRegion[i % 4]!.push(s));

  const zhNames = rng.shuffle([...ZH_PREFIX]);
  const enNames = rng.shuffle([...EN_PREFIX]);
  const customers: Customer[] = [];
  const make = (n: number, region: Region, slot: Slot, master: 'main' | 'gbk'): Customer => {
    const id = `KA${String(n).padStart(4, '0')}`;
    const locale = master === 'gbk' ? (region === 'north' ? 'en' : 'zh-CN') : rng.next() < 0.25 ? 'en' : 'zh-CN';
    if ((locale === 'en' ? enNames : zhNames).length === 0) throw new Error('out of company names');
    const name =
      locale === 'en'
        ? `${enNames.pop()} ${rng.pick(EN_INDUSTRY[slot.pattern])} Co. Ltd.`
        : `${zhNames.pop()}${rng.pick(ZH_INDUSTRY[slot.pattern])}${rng.pick(ZH_SUFFIX)}`;
    return {
      id,
      name,
      email: locale === 'en' ? `accounts.${id.toLowerCase()}@example.com` : `dianfei.${id.toLowerCase()}@example.cn`,
      locale,
      region,
      tariffId: slot.pattern === 'evening-peak' ? 'cn-commercial-2026' : 'cn-large-industry-2026',
      accountManagerEmail: `${rng.pick(MANAGERS[region])}@example.cn`,
      pfStandard: slot.pattern === 'evening-peak' ? '0.85' : '0.90',
      meterIds: [],
      meterShares: [1],
      pattern: slot.pattern,
      trend: slot.trend,
      targetChange: slot.targetChange,
      baseDailyKwh: 0,
      powerFactor: Math.round(rng.uniform(0.8, 0.98) * 1000) / 1000,
      startDay: slot.trend === 'unknown' ? DAYS - rng.int(106, 114) : 0,
      master,
      readings: 'long',
      contractKw: 0,
      contractKva: 0,
    };
  };
  REGIONS.forEach((region, r) => {
    rng.shuffle(byRegion[r]!).forEach((slot, k) => customers.push(make(k * 4 + r + 1, region, slot, 'main')));
  });
  REGIONS.forEach((region, r) => customers.push(make(69 + r, region, late[r]!, 'gbk')));
  customers.sort((a, b) => a.id.localeCompare(b.id));

  // Reading files: the east exports its wide GBK file, part of the north its own wide file, part of the west NEM12.
  for (const region of REGIONS) {
    const mine = customers.filter((c) => c.region === region);
    mine.forEach((c, i) => {
      c.readings = region === 'east' ? 'wide-gbk' : region === 'north' && i < 10 ? 'wide-north' : region === 'west' && i < 6 ? 'nem12' : 'long';
    });
  }
  const main = customers.filter((c) => c.master === 'main');
  const pickFrom = (file: ReadingFile, n: number, taken: Set<Customer>): Customer[] =>
    rng.shuffle(main.filter((c) => c.readings === file && !taken.has(c))).slice(0, n);
  const taken = new Set<Customer>();
  const twoMeters = [...pickFrom('long', 2, taken), ...pickFrom('wide-gbk', 1, taken), ...pickFrom('nem12', 1, taken)];
  for (const c of twoMeters) {
    taken.add(c);
    c.meterIds = [`${c.id}A`, `${c.id}B`];
    const a = Math.round(rng.uniform(0.55, 0.7) * 100) / 100;
    c.meterShares = [a, Math.round((1 - a) * 100) / 100];
  }
  const noKvarh = [
    ...pickFrom('long', 3, taken), ...pickFrom('wide-north', 1, taken), ...pickFrom('wide-gbk', 1, taken), ...pickFrom('nem12', 1, taken),
  ];
  for (const c of noKvarh) {
    taken.add(c);
    c.powerFactor = null;
    c.pfStandard = 'none';
  }
  for (const c of rng.shuffle(customers.filter((x) => x.pfStandard === '0.90')).slice(0, 4)) c.pfStandard = '0.80';

  // Heavy-tailed sizes (Pareto, alpha 1): about 2 MWh/day for the smallest, some 40x the median for the largest.
  const sizes = customers.map((_, i) => Math.round(2000 / (1 - 0.995 * ((i + 0.5) / customers.length)) / 10) * 10);
  sizes.sort((a, b) => b - a);
  const bySize = customers
    .map((c) => ({ c, score: rng.next() * SIZE_AFFINITY[c.pattern] }))
    .sort((a, b) => b.score - a.score || a.c.id.localeCompare(b.c.id));
  bySize.forEach(({ c }, i) => (c.baseDailyKwh = sizes[i]!));
  return customers;
}
