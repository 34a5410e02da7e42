import type { Allocation, Wave } from "../../domain.js";
import { touchTolerance } from "../../floor/numeric/tolerance.js";
import type { AllocationMetrics } from "../../floor/records/row.js";

// The metrics row type is part of the run-folder contract (src/floor/records/row.ts): the report reads it.
export type { AllocationMetrics };

/**
 * Computes every allocation metric in O(n log n) (the sort is for the Gini and the top 1%).
 * Accounts that are ineligible or have zero capacity are outside the fairness population.
 */
export function allocationMetrics(wave: Wave, allocation: Allocation): AllocationMetrics {
  const n = wave.ids.length;
  const tolerance = touchTolerance(wave);
  const fractions: number[] = [];
  const haircuts: number[] = [];
  let total = 0;
  let touched = 0;
  let maxFraction = 0;
  for (let i = 0; i < n; i++) {
    const h = allocation.haircut[i]!;
    total += h;
    if (h > tolerance) touched++;
    const c = wave.capacity[i]!;
    if (c > 0) maxFraction = Math.max(maxFraction, h / c);
    if (wave.eligible[i] === 1 && c > 0) {
      fractions.push(h / c);
      haircuts.push(h);
    }
  }
  let hhi = 0;
  if (total > 0) for (let i = 0; i < n; i++) hhi += (allocation.haircut[i]! / total) ** 2;
  haircuts.sort((a, b) => b - a);
  const topCount = Math.max(1, Math.ceil(haircuts.length * 0.01));
  let top = 0;
  for (let k = 0; k < Math.min(topCount, haircuts.length); k++) top += haircuts[k]!;
  const budget = wave.budget;
  return {
    total,
    coverage: budget > 0 ? total / budget : 1,
    shortfall: Math.max(0, budget - total),
    overshoot: total - budget,
    overshootShare: budget > 0 ? (total - budget) / budget : 0,
    touched,
    touchedShare: fractions.length > 0 ? touched / fractions.length : 0,
    maxFraction,
    giniOfFractions: gini(fractions),
    hhi,
    top1Share: total > 0 ? top / total : 0,
  };
}

/** Gini coefficient of non-negative values (0 for an empty or all-zero list). O(n log n). */
export function gini(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  let sum = 0;
  let weighted = 0;
  for (let k = 0; k < n; k++) {
    sum += sorted[k]!;
    weighted += (k + 1) * sorted[k]!;
  }
  if (n === 0 || sum === 0) return 0;
  // G = (2 sum_k k x_(k)) / (n sum x) - (n + 1) / n, with x sorted ascending and k from 1.
  return (2 * weighted) / (n * sum) - (n + 1) / n;
}
