import type { Band } from '../usage/daily-usage.ts';

/** Money and rates are decimal strings in JSON ("0.6523") so nothing passes through binary floating point. */
export type DecimalString = string;
export type Localized = { en: string; 'zh-CN': string };

/** How the basic (capacity/demand) charge of a two-part tariff is computed for a customer (基本电费). */
export type BasicChargeMode = 'capacity' | 'contract-demand' | 'actual-demand';

export interface TariffVersion {
  /** First local day (yyyy-mm-dd) this version applies; it applies until the next version's effectiveFrom. */
  effectiveFrom: string;
  /** Band per [month 0..11][hour 0..23], weekday and weekend (like the OpenEI URDB 12×24 grids). */
  schedule: { weekday: Band[][]; weekend: Band[][] };
  /** Energy rate per kWh for each band used in the schedule. */
  energyRates: Partial<Record<Band, DecimalString>>;
  /** Government funds and surcharges per kWh; not subject to the power-factor adjustment. */
  surcharges: { code: string; name: Localized; ratePerKwh: DecimalString }[];
  /** Absent for a single-part tariff (no basic charge, no power-factor adjustment unless `powerFactor` says so). */
  basicCharge?: {
    capacityPricePerKvaMonth: DecimalString;
    demandPricePerKwMonth: DecimalString;
    /** Mode for customers whose master row does not choose one. */
    defaultMode: BasicChargeMode;
  };
  /** Whether the power-factor adjustment (力调电费) applies under this tariff. */
  powerFactorAdjustment: boolean;
}

export interface Tariff {
  id: string;
  name: Localized;
  currency: string;
  timeZone: string;
  /** Sorted by effectiveFrom ascending; at least one. */
  versions: TariffVersion[];
}
