import type { ClassificationConfig } from '../config.ts';
import { requiredPreviousDays, type Features } from './features.ts';
import { fmt2, fmtPct, fmtSignedPct } from './format.ts';

export type Trend = 'growing' | 'declining' | 'volatile' | 'stable' | 'unknown';
export const TRENDS: readonly Trend[] = ['growing', 'declining', 'volatile', 'stable', 'unknown'];

export interface TrendResult {
  trend: Trend;
  reasons: string[];
}

type TrendConfig = Pick<ClassificationConfig, 'windowDays' | 'minPreviousCoverage' | 'trendChange' | 'volatileCv'>;

/**
 * unknown (no comparable previous window) → growing / declining (change strictly beyond ±trendChange) →
 * volatile (weekly-rhythm CV strictly above volatileCv) → stable.
 * A clear change wins over volatility: it compares two whole-window averages, which day-to-day noise hardly moves,
 * and it is the more actionable fact; the volatility is still named in the reasons.
 */
export function classifyTrend(f: Features, cfg: TrendConfig): TrendResult {
  const yoy = f.changeYoY === null ? [] : [`year on year ${fmtSignedPct(f.changeYoY)}`];
  const cv = `day-to-day CV ${fmt2(f.dailyCv)} against the weekly rhythm`;
  if (f.change === null) {
    return {
      trend: 'unknown',
      reasons: [
        `previous ${cfg.windowDays} days have ${f.previousDays} days of data (need ${requiredPreviousDays(cfg)}, ${fmtPct(cfg.minPreviousCoverage)})`,
        ...yoy,
      ],
    };
  }
  const change = `average daily kWh ${fmtSignedPct(f.change)} vs the previous ${cfg.windowDays} days`;
  const volatile = f.dailyCv > cfg.volatileCv;
  const also = volatile ? [`also volatile: ${cv} (above ${fmt2(cfg.volatileCv)})`] : [];
  if (f.change > cfg.trendChange) {
    return { trend: 'growing', reasons: [`${change} (beyond +${fmtPct(cfg.trendChange)})`, ...also, ...yoy] };
  }
  if (f.change < -cfg.trendChange) {
    return { trend: 'declining', reasons: [`${change} (beyond -${fmtPct(cfg.trendChange)})`, ...also, ...yoy] };
  }
  if (volatile) {
    return { trend: 'volatile', reasons: [`${cv} (above ${fmt2(cfg.volatileCv)})`, change, ...yoy] };
  }
  return {
    trend: 'stable',
    reasons: [`${change} (within ±${fmtPct(cfg.trendChange)}), ${cv} (at most ${fmt2(cfg.volatileCv)})`, ...yoy],
  };
}
