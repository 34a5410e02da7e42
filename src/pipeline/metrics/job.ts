/**
 * Every number a job row carries about one allocation (src/floor/records/row.ts JobMetrics, lorenz,
 * fractionByCapacity): the three legs of the trilemma in one call.
 */
import type { Allocation, Wave } from "../../domain.js";
import type { JobMetrics } from "../../floor/records/row.js";
import { allocationMetrics } from "./allocation.js";
import { brittleness, type BrittlenessSettings } from "./brittleness.js";
import { churnMetrics, type ChurnSettings } from "./churn.js";
import { gameability, type GameabilitySettings } from "./gameability.js";
import { referenceRatios, residualInsolvency, type ReferenceInputs } from "./reference.js";
import type { Mechanism, RunContext } from "../../mechanism/mechanism.js";

export interface MetricSettings {
  readonly churn: ChurnSettings;
  /** D and Delta for PTSR/PMR (paper form); defaults in reference.ts. */
  readonly reference?: ReferenceInputs;
  /** false: not measured (null in the row). */
  readonly brittleness: BrittlenessSettings | false;
  readonly gameability: GameabilitySettings | false;
}

/** beta = 1 (a 100% haircut loses 63% of accounts), 5 perturbations of 1%, 5 gaming accounts. */
export const DEFAULT_METRIC_SETTINGS: MetricSettings = {
  churn: { beta: 1 },
  brittleness: { perturbations: 5, epsilon: 0.01, seed: 1 },
  gameability: { accounts: 5, seed: 1 },
};

/**
 * JobMetrics of `allocation` on `wave`. Brittleness, rank flips and gameability re-run `mechanism`
 * on transformed waves; they are null when no mechanism is given or the settings turn them off.
 * Cost: O(n log n) plus P + 2G runs of the mechanism.
 */
export async function jobMetrics(wave: Wave, allocation: Allocation, settings: MetricSettings = DEFAULT_METRIC_SETTINGS, mechanism?: Mechanism, context: RunContext = {}): Promise<JobMetrics> {
  const base = allocationMetrics(wave, allocation);
  const reference = referenceRatios(wave, allocation, settings.reference ?? {}, "paper");
  const churn = churnMetrics(wave, allocation, settings.churn);
  const brittle = mechanism && settings.brittleness ? await brittleness(wave, allocation, mechanism, settings.brittleness, context) : undefined;
  const gamed = mechanism && settings.gameability ? await gameability(wave, allocation, mechanism, settings.gameability, context) : undefined;
  return {
    total: base.total,
    coverage: base.coverage,
    shortfall: base.shortfall,
    overshoot: base.overshoot,
    overshootShare: base.overshootShare,
    residualInsolvency: residualInsolvency(wave, allocation),
    touched: base.touched,
    touchedShare: base.touchedShare,
    maxFraction: base.maxFraction,
    giniOfFractions: base.giniOfFractions,
    hhi: base.hhi,
    top1Share: base.top1Share,
    ptsr: reference.ptsr,
    pmr: reference.pmr,
    brittleness: brittle ? brittle.brittleness : null,
    rankFlips: brittle ? brittle.rankFlips : null,
    gameability: gamed ? gamed.gameability : null,
    ltvRetained: churn.ltvRetained,
    ltvLoss: churn.ltvLoss,
    principalTaken: principalTaken(wave, allocation),
  };
}

/**
 * Dollars taken beyond each account's gains: sum_i max(0, h_i - gains_i), read from the wave's
 * `gains` column (an account's haircut eats its gains first, then its principal), whatever the
 * mechanism's own layers say, so that every mechanism is measured the same way. Null without a
 * gains column. O(n).
 */
export function principalTaken(wave: Wave, allocation: Allocation): number | null {
  const gains = wave.columns?.get("gains");
  if (!gains) return null;
  let total = 0;
  for (let i = 0; i < wave.ids.length; i++) total += Math.max(0, allocation.haircut[i]! - Math.max(0, gains[i]!));
  return total;
}

/** Eligible accounts with capacity > 0: the fairness population of allocationMetrics. */
function population(wave: Wave): number[] {
  const members: number[] = [];
  for (let i = 0; i < wave.ids.length; i++) if (wave.eligible[i] === 1 && wave.capacity[i]! > 0) members.push(i);
  return members;
}

/**
 * Lorenz curve of haircuts over the eligible accounts with capacity > 0, sorted by haircut
 * ascending: 21 points (p, L(p)) for p = 0, 0.05, …, 1, where L(p) is the share of sum h paid by the
 * lowest p-fraction of accounts, linear between accounts (L(0) = 0, L(1) = 1). Empty when nothing
 * was taken. O(n log n).
 */
export function lorenzPoints(wave: Wave, allocation: Allocation): [number, number][] {
  const haircuts = population(wave).map((i) => Math.max(0, allocation.haircut[i]!));
  haircuts.sort((a, b) => a - b);
  const m = haircuts.length;
  const prefix = new Float64Array(m + 1);
  for (let k = 0; k < m; k++) prefix[k + 1] = prefix[k]! + haircuts[k]!;
  const total = prefix[m]!;
  if (!(total > 0)) return [];
  const points: [number, number][] = [];
  for (let step = 0; step <= 20; step++) {
    const p = step / 20;
    const position = p * m;
    const whole = Math.min(m, Math.floor(position));
    const part = whole < m ? (position - whole) * haircuts[whole]! : 0;
    points.push([p, step === 20 ? 1 : Math.min(1, (prefix[whole]! + part) / total)]);
  }
  return points;
}

/**
 * Up to `max` accounts of the fairness population as [capacity, h / c], for the fraction-vs-capacity
 * chart. With more accounts than `max`, a deterministic sample evenly spaced in capacity rank
 * (smallest and largest always included), so that the chart spans the whole size range; sorted by
 * capacity ascending. O(n log n).
 */
export function fractionByCapacity(wave: Wave, allocation: Allocation, max = 200): [number, number][] {
  const members = population(wave).sort((a, b) => wave.capacity[a]! - wave.capacity[b]! || a - b);
  const m = members.length;
  const picks: number[] = [];
  if (m <= max) picks.push(...members);
  else if (max === 1) picks.push(members[m - 1]!);
  else if (max > 1) for (let k = 0; k < max; k++) picks.push(members[Math.round((k * (m - 1)) / (max - 1))]!);
  return picks.map((i) => [wave.capacity[i]!, allocation.haircut[i]! / wave.capacity[i]!]);
}
