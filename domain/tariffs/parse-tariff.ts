import { IANAZone } from 'luxon';
import { z } from 'zod';
import { epochDayOf, nextDay } from '../time/zone.ts';
import { BANDS, type Band } from '../usage/daily-usage.ts';
import type { Tariff, TariffVersion } from './tariff.ts';

/**
 * Tariff JSON (the `tariffs/` prefix of the ingest bucket): the shape of {@link Tariff}, with two conveniences for
 * people who write these files by hand.
 *
 * - Every rate and price is a decimal STRING (`"0.6084"`), never a JSON number, so no figure passes through binary
 *   floating point: plain notation such as `"32"` or `"0.6084"` (no exponent, no `".5"`), at least 0.
 * - A schedule side (`weekday`, `weekend`) is either the full grid, 12 months × 24 hours of band names (month 0 =
 *   January, hour 0 = 00:00–01:00, like the OpenEI URDB grids), or the compact form
 *
 *   ```json
 *   "schedule": {
 *     "weekday": { "default": ["valley", … 24 band names …], "months": { "7": [ … 24 … ], "8": [ … 24 … ] } },
 *     "weekend": { "default": [ … 24 … ] }
 *   }
 *   ```
 *
 *   where `default` is the day for every month and `months` (optional; keys "1".."12", 1 = January) overrides
 *   single months. The compact form is expanded to the full 12×24 grids on parsing; the parsed {@link Tariff}
 *   always holds full grids.
 * - `$comment` (a string) is allowed at the top level and in each version for notes and sources; it is dropped.
 *
 * Checked besides the shape (unknown fields are errors, so a misspelt field never passes silently): every band the
 * schedule uses has an energy rate; versions are sorted strictly by `effectiveFrom` (a real `yyyy-mm-dd` day);
 * `currency` is 3 capital letters; `timeZone` is a valid IANA zone; surcharge codes are unique within a version.
 */

export class TariffError extends Error {
  /** Every problem found, each `path: problem`. */
  readonly problems: string[];
  constructor(message: string, problems: string[] = []) {
    super(message);
    this.name = 'TariffError';
    this.problems = problems;
  }
}

const DECIMAL = /^-?\d+(\.\d+)?$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const CODE = /^[a-z0-9][a-z0-9-]{0,39}$/;
const ID = /^[A-Za-z0-9_.\-]{1,64}$/;
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v));

/** A non-negative decimal string. */
const decimalString = z
  .string({ error: (iss) => (iss.input === undefined ? 'is required' : `${show(iss.input)} must be a decimal string such as "0.6084", not a ${typeof iss.input}`) })
  .refine((s) => DECIMAL.test(s), { error: (iss) => `${show(iss.input)} is not a decimal number`, abort: true })
  .refine((s) => !s.startsWith('-') || /^-0+(\.0+)?$/.test(s), { error: (iss) => `${show(iss.input)} must be at least 0` });

const text = z.string({ error: (iss) => (iss.input === undefined ? 'is required' : `${show(iss.input)} is not a string`) }).min(1, { error: 'must not be empty' });
const localized = z.strictObject({ en: text, 'zh-CN': text });

const band = z.enum(BANDS as [Band, ...Band[]], { error: (iss) => `${show(iss.input)} is not a band (${BANDS.join(', ')})` });
const hours = z
  .array(band, { error: (iss) => `${show(iss.input)} is not a list of 24 bands` })
  .length(24, { error: (iss) => `must have 24 hours, has ${(iss.input as unknown[]).length}` });
const fullGrid = z
  .array(hours, { error: (iss) => `${show(iss.input)} is not a 12×24 grid of bands` })
  .length(12, { error: (iss) => `must have 12 months, has ${(iss.input as unknown[]).length}` });
const monthKey = z.string().regex(/^(1[0-2]|[1-9])$/, { error: (iss) => `month ${show(iss.input)} is not 1..12` });
const compact = z
  .strictObject({ default: hours, months: z.record(monthKey, hours).optional() })
  .transform((c): Band[][] => Array.from({ length: 12 }, (_, m) => [...(c.months?.[String(m + 1)] ?? c.default)]));
/** A full grid, or the compact `{default, months}` form expanded to one. */
const scheduleSide = z.union([fullGrid, compact]);

const isRealDay = (s: string): boolean => {
  const m = DAY.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
  return d.toISOString().slice(0, 10) === s;
};
const day = z
  .string({ error: (iss) => (iss.input === undefined ? 'is required' : `${show(iss.input)} is not a yyyy-mm-dd day`) })
  .refine(isRealDay, { error: (iss) => `${show(iss.input)} is not a valid yyyy-mm-dd day` });

const basicCharge = z.strictObject({
  capacityPricePerKvaMonth: decimalString,
  demandPricePerKwMonth: decimalString,
  defaultMode: z.enum(['capacity', 'contract-demand', 'actual-demand'], {
    error: (iss) => `${show(iss.input)} is not capacity, contract-demand or actual-demand`,
  }),
});

function versionSchema(side: z.ZodType<Band[][]>) {
  return z.strictObject({
    $comment: z.string().optional(),
    effectiveFrom: day,
    schedule: z.strictObject({ weekday: side, weekend: side }),
    energyRates: z.strictObject({ sharp: decimalString.optional(), peak: decimalString.optional(), flat: decimalString.optional(), valley: decimalString.optional() }),
    surcharges: z.array(
      z.strictObject({
        code: z.string().regex(CODE, { error: (iss) => `${show(iss.input)} is not a code (lower-case letters, digits and '-', up to 40)` }),
        name: localized,
        ratePerKwh: decimalString,
      }),
    ),
    basicCharge: basicCharge.optional(),
    powerFactorAdjustment: z.boolean({ error: (iss) => (iss.input === undefined ? 'is required (true or false)' : `${show(iss.input)} is not true or false`) }),
  });
}

function tariffSchema(side: z.ZodType<Band[][]>) {
  return z
    .strictObject({
      $comment: z.string().optional(),
      id: z.string().regex(ID, { error: (iss) => `${show(iss.input)} is not an id (1–64 letters, digits, '_', '-', '.')` }),
      name: localized,
      currency: z.string().regex(/^[A-Z]{3}$/, { error: (iss) => `${show(iss.input)} is not a 3-letter currency code such as "CNY"` }),
      timeZone: z.string().refine((s) => IANAZone.isValidZone(s), { error: (iss) => `${show(iss.input)} is not an IANA time zone such as "Asia/Shanghai"` }),
      versions: z.array(versionSchema(side)).min(1, { error: 'must hold at least one version' }),
    })
    .superRefine((t, ctx) => {
      t.versions.forEach((v, i) => {
        if (i > 0 && v.effectiveFrom <= t.versions[i - 1]!.effectiveFrom) {
          ctx.addIssue({
            code: 'custom',
            path: ['versions', i, 'effectiveFrom'],
            message: `${show(v.effectiveFrom)} must be after versions[${i - 1}].effectiveFrom ${show(t.versions[i - 1]!.effectiveFrom)} (versions are sorted by date, each day once)`,
          });
        }
        const used = new Set<Band>();
        for (const grid of [v.schedule.weekday, v.schedule.weekend]) for (const row of grid) for (const b of row) used.add(b);
        for (const b of BANDS) {
          if (used.has(b) && v.energyRates[b] === undefined) {
            ctx.addIssue({ code: 'custom', path: ['versions', i, 'energyRates', b], message: `is missing: the schedule uses band ${b}` });
          }
        }
        const firstAt = new Map<string, number>();
        v.surcharges.forEach((s, j) => {
          const first = firstAt.get(s.code);
          if (first === undefined) firstAt.set(s.code, j);
          else ctx.addIssue({ code: 'custom', path: ['versions', i, 'surcharges', j, 'code'], message: `${show(s.code)} is used twice (also surcharges[${first}])` });
        });
      });
    })
    .transform(
      (t): Tariff => ({
        id: t.id,
        name: t.name,
        currency: t.currency,
        timeZone: t.timeZone,
        versions: t.versions.map(
          (v): TariffVersion => ({
            effectiveFrom: v.effectiveFrom,
            schedule: { weekday: v.schedule.weekday, weekend: v.schedule.weekend },
            energyRates: Object.fromEntries(BANDS.flatMap((b) => (v.energyRates[b] === undefined ? [] : [[b, v.energyRates[b]]]))),
            surcharges: v.surcharges.map((s) => ({ code: s.code, name: s.name, ratePerKwh: s.ratePerKwh })),
            ...(v.basicCharge ? { basicCharge: { ...v.basicCharge } } : {}),
            powerFactorAdjustment: v.powerFactorAdjustment,
          }),
        ),
      }),
    );
}

/** A stored tariff: the {@link Tariff} type exactly, full 12×24 grids. */
export const TariffSchema = tariffSchema(fullGrid);
/** A tariff JSON file: like {@link TariffSchema}, and each schedule side may also be in the compact form. */
export const TariffJsonSchema = tariffSchema(scheduleSide);

/** `versions[1].energyRates.peak` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(String(p)) ? `${out ? '.' : ''}${String(p)}` : `[${JSON.stringify(String(p))}]`;
  return out || '(top level)';
}

type Issue = z.core.$ZodIssue;

/** Flattens zod issues into `path: problem` lines; a failed full-grid-or-compact union reports the branch that fits. */
function problems(issues: readonly Issue[], base: readonly PropertyKey[] = []): string[] {
  const out: string[] = [];
  for (const iss of issues) {
    const path = [...base, ...iss.path];
    if (iss.code === 'invalid_union') {
      // Keep the branches that got past the type check at their root (an array is a grid, an object the compact form).
      const fitting = iss.errors.filter((branch) => !branch.some((b) => b.path.length === 0 && b.code === 'invalid_type'));
      if (fitting.length === 0) out.push(`${formatPath(path)}: is neither a 12×24 grid of bands nor {"default": [24 bands], "months": {...}}`);
      else out.push(...problems(fitting[0]!, path));
    } else if (iss.code === 'unrecognized_keys') {
      for (const k of iss.keys) out.push(`${formatPath([...path, k])}: unknown field`);
    } else if (iss.code === 'invalid_key') {
      out.push(...problems(iss.issues, path));
    } else if (iss.code === 'invalid_type' && iss.message.startsWith('Invalid input')) {
      out.push(`${formatPath(path)}: ${iss.input === undefined && iss.path.length > 0 ? 'is required' : `must be ${article(iss.expected)}`}`);
    } else {
      out.push(`${formatPath(path)}: ${iss.message}`);
    }
  }
  return out;
}
const article = (t: string): string => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

/**
 * Parses and checks a tariff JSON value (already `JSON.parse`d). Throws a {@link TariffError} whose message names
 * the file, each field path and the problem, e.g.
 * `tariffs/x.json: versions[1].energyRates.peak: "abc" is not a decimal number`.
 */
export function parseTariff(json: unknown, file?: string): Tariff {
  const r = TariffJsonSchema.safeParse(json, { reportInput: true });
  if (r.success) return r.data;
  const list = problems(r.error.issues);
  throw new TariffError(`${file ?? 'tariff'}: ${list.join('; ')}`, list);
}

/** Parses tariff JSON text (a file's content); a syntax error is a {@link TariffError} naming the file. */
export function parseTariffText(textContent: string, file?: string): Tariff {
  let json: unknown;
  try {
    json = JSON.parse(textContent.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new TariffError(`${file ?? 'tariff'}: not valid JSON: ${(e as Error).message}`, [`not valid JSON: ${(e as Error).message}`]);
  }
  return parseTariff(json, file);
}

/** The version in force on a local day (`yyyy-mm-dd`). Throws a {@link TariffError} before the first version. */
export function tariffVersionOn(tariff: Tariff, day: string): TariffVersion {
  for (let i = tariff.versions.length - 1; i >= 0; i--) {
    const v = tariff.versions[i]!;
    if (v.effectiveFrom <= day) return v;
  }
  throw new TariffError(`tariff ${tariff.id} has no version in force on ${day} (the first starts ${tariff.versions[0]?.effectiveFrom ?? 'never'})`);
}

/** The band schedule in force on a day: the tariff's version then, else `fallback` (no tariff, or none in force yet). */
export function scheduleOn(tariff: Tariff | undefined, day: string, fallback: TariffVersion['schedule']): TariffVersion['schedule'] {
  if (!tariff) return fallback;
  try {
    return tariffVersionOn(tariff, day).schedule;
  } catch (err) {
    if (err instanceof TariffError) return fallback;
    throw err;
  }
}

export interface TariffSegment {
  version: TariffVersion;
  /** First and last local day of the segment, inclusive. */
  from: string;
  to: string;
  /** Days in the segment. */
  days: number;
}

/** The tariff-version segments covering the local days [from, to] (both inclusive), in order. */
export function splitPeriod(tariff: Tariff, from: string, to: string): TariffSegment[] {
  if (!isRealDay(from) || !isRealDay(to)) throw new TariffError(`period ${from}..${to} is not two yyyy-mm-dd days`);
  if (to < from) throw new TariffError(`period ${from}..${to} ends before it starts`);
  const first = tariffVersionOn(tariff, from);
  const segments: TariffSegment[] = [];
  let start = from;
  let version = first;
  for (const v of tariff.versions) {
    if (v.effectiveFrom <= from || v.effectiveFrom > to) continue;
    const end = dayBefore(v.effectiveFrom);
    segments.push({ version, from: start, to: end, days: dayCount(start, end) });
    start = v.effectiveFrom;
    version = v;
  }
  segments.push({ version, from: start, to, days: dayCount(start, to) });
  return segments;
}

const dayCount = (from: string, to: string): number => epochDayOf(to) - epochDayOf(from) + 1;
const dayBefore = (d: string): string => nextDay(d, -1);
