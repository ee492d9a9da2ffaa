/**
 * Deterministic sample data: customer masters, readings in every supported format (with deliberate faults),
 * a quarantine case, a correction and payments. Same bytes on every run (seeded PRNG, no clock, gzip mtime 0).
 *
 *   node samples/generate.ts [--out DIR]      (default: this directory)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildCustomers, CURRENT_WINDOW, DAYS, meters, PATTERNS, PREVIOUS_WINDOW, REGIONS, SEED, TRENDS, type Customer,
  type ReadingFile,
} from './lib/customers.ts';
import {
  customerFiles, FILES, longFiles, nem12File, novemberPaymentsFile, paymentsFile, quarantineFile, wideGbkFile, wideNorthFile,
  type OutputFile,
} from './lib/files.ts';
import { CALENDAR, generateLoad, realize, setContract, type Load } from './lib/load.ts';

export const ARCHETYPES = 'archetypes.json';
const CORRECTION_DAY = '2026-10-30';
const READING_FILE: Record<ReadingFile, string> = {
  long: FILES.long,
  'wide-gbk': FILES.wideGbk,
  'wide-north': FILES.wideNorth,
  nem12: FILES.nem12,
};

function countBy<T extends string>(keys: readonly T[], values: T[]): Record<T, number> {
  const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<T, number>;
  for (const v of values) out[v]++;
  return out;
}

/** Pareto tiers by current-window kWh (A = the largest making 70%, B the next 20%, C the rest). */
function tiers(loads: Load[]): Map<Customer, 'A' | 'B' | 'C'> {
  const kwh = loads.map((l) => {
    let s = 0;
    for (let i = CURRENT_WINDOW.from * 24; i < DAYS * 24; i++) s += Number.isNaN(l.total[i]!) ? 0 : l.total[i]!;
    return { c: l.customer, s };
  });
  kwh.sort((a, b) => b.s - a.s || a.c.id.localeCompare(b.c.id));
  const all = kwh.reduce((a, b) => a + b.s, 0);
  const out = new Map<Customer, 'A' | 'B' | 'C'>();
  let before = 0;
  for (const { c, s } of kwh) {
    out.set(c, before < 0.7 * all ? 'A' : before < 0.9 * all ? 'B' : 'C');
    before += s;
  }
  return out;
}

/** Every file of the sample set, in a fixed order. */
export function buildSamples(): OutputFile[] {
  const customers = buildCustomers();
  const loads = customers.map(generateLoad);
  loads.forEach(setContract);
  const readingsIn = (f: ReadingFile) => loads.filter((l) => l.customer.readings === f);

  const long = longFiles(readingsIn('long'), CORRECTION_DAY);
  const gbk = wideGbkFile(readingsIn('wide-gbk'));
  const north = wideNorthFile(readingsIn('wide-north'));
  const nem12 = nem12File(readingsIn('nem12'));
  const quarantine = quarantineFile(readingsIn('long'), '2026-10-01', 7);
  const payments = paymentsFile(loads);
  const tier = tiers(loads);

  const archetypes = {
    about:
      'Intended archetype of every sample customer and the deliberate faults in the sample files. "realized" is what ' +
      'the generated data shows over the current window before faults; a classifier may differ on borderline cases.',
    generator: 'samples/generate.ts',
    seed: SEED,
    timeZone: 'Asia/Shanghai',
    intervalMinutes: 60,
    days: { first: CALENDAR[0]!.key, last: CALENDAR[DAYS - 1]!.key, count: DAYS },
    windows: {
      current: [CALENDAR[CURRENT_WINDOW.from]!.key, CALENDAR[CURRENT_WINDOW.to]!.key],
      previous: [CALENDAR[PREVIOUS_WINDOW.from]!.key, CALENDAR[PREVIOUS_WINDOW.to]!.key],
    },
    counts: {
      customers: customers.length,
      patterns: countBy(PATTERNS, customers.map((c) => c.pattern)),
      trends: countBy(TRENDS, customers.map((c) => c.trend)),
      regions: countBy(REGIONS, customers.map((c) => c.region)),
      tiers: countBy(['A', 'B', 'C'] as const, customers.map((c) => tier.get(c)!)),
      readings: countBy(Object.values(READING_FILE), customers.map((c) => READING_FILE[c.readings])),
      locales: countBy(['zh-CN', 'en'] as const, customers.map((c) => c.locale)),
    },
    customers: loads.map((l) => {
      const c = l.customer;
      return {
        id: c.id,
        name: c.name,
        region: c.region,
        locale: c.locale,
        master: c.master === 'main' ? FILES.customers : FILES.customersGbk,
        readings: READING_FILE[c.readings],
        meters: meters(c),
        pattern: c.pattern,
        trend: c.trend,
        targetChange: c.targetChange,
        baseDailyKwh: c.baseDailyKwh,
        firstDay: CALENDAR[c.startDay]!.key,
        tariffId: c.tariffId,
        contractKw: c.contractKw,
        contractKva: c.contractKva,
        pfStandard: c.pfStandard,
        powerFactor: c.powerFactor,
        tier: tier.get(c),
        realized: realize(l),
      };
    }),
    badRows: [...long.badRows, ...gbk.badRows],
    gaps: long.gaps,
    estimated: long.estimated,
    stuck: long.stuck,
    nem12Estimated: nem12.estimates,
    quarantine: quarantine.quarantine,
    correction: long.correction,
    payments: payments.payments,
  };

  return [
    ...customerFiles(customers),
    long.file,
    gbk.file,
    north,
    nem12.file,
    quarantine.file,
    long.correctionFile,
    payments.file,
    novemberPaymentsFile(loads),
    { path: ARCHETYPES, data: Buffer.from(`${JSON.stringify(archetypes, null, 2)}\n`, 'utf8') },
  ];
}

/** Writes the sample set under `outDir` (creating folders); returns what was written. */
export function writeSamples(outDir: string): { path: string; bytes: number }[] {
  return buildSamples().map((f) => {
    const target = join(outDir, f.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.data);
    return { path: f.path, bytes: f.data.length };
  });
}

const USAGE = `Usage: node samples/generate.ts [--out DIR]

Writes the deterministic sample data set (customers/, readings/, payments/, archetypes.json)
under DIR (default: the samples/ directory itself). Same bytes on every run.`;

function main(argv: string[]): void {
  let out = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      console.log(USAGE);
      return;
    }
    if (a === '--out' && argv[i + 1]) out = resolve(argv[++i]!);
    else if (a.startsWith('--out=')) out = resolve(a.slice(6));
    else {
      console.error(`unknown argument "${a}"\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
  }
  const t0 = performance.now();
  const written = writeSamples(out);
  let total = 0;
  for (const f of written) {
    total += f.bytes;
    console.log(`${(f.bytes / 1024).toFixed(0).padStart(7)} KiB  ${f.path}`);
  }
  console.log(`${(total / 1024).toFixed(0).padStart(7)} KiB  in ${written.length} files under ${out} (${Math.round(performance.now() - t0)} ms)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
