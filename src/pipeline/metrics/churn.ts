/**
 * Revenue leg of the trilemma: lifetime value (LTV) kept when haircut accounts churn.
 *
 * Churn curve: an account that loses the fraction f_i = h_i / c_i of its capacity leaves with
 * probability p_i = 1 - exp(-beta * f_i) (beta >= 0, dimensionless; beta = 0 means nobody leaves).
 * The curve is concave in f_i, so with LTV proportional to capacity, spreading a budget thinly
 * (pro-rata) loses more LTV than concentrating it (a queue): Jensen's inequality, the revenue side
 * of the trilemma. The experiment file sets beta.
 *
 * LTV per account, dollars: the column named by `ltvColumn` (e.g. `ltv`) when given, else the
 * account's capacity (LTV proportional to account size, the neutral default: fees scale with size).
 * Only eligible accounts count (they are the population a mechanism may touch).
 */
import type { Allocation, Wave } from "../../domain.js";
import { ModelError } from "../../errors.js";
import { CompensatedSum } from "../../floor/numeric/sum.js";

export interface ChurnSettings {
  /** beta >= 0 in p_i = 1 - exp(-beta h_i / c_i). */
  readonly beta: number;
  /** Column with each account's lifetime value in dollars; default: capacity. */
  readonly ltvColumn?: string;
}

export interface ChurnMetrics {
  /** sum_i ltv_i exp(-beta f_i) / sum_i ltv_i (1 when there is no LTV at all). */
  readonly ltvRetained: number;
  /** sum_i ltv_i (1 - exp(-beta f_i)), dollars. */
  readonly ltvLoss: number;
}

/** The LTV column of the wave (dollars per account), or an error naming the missing column. O(1). */
export function ltvValues(wave: Wave, ltvColumn?: string): Float64Array {
  if (ltvColumn === undefined || ltvColumn === "capacity") return wave.capacity;
  const column = wave.columns?.get(ltvColumn);
  if (column === undefined) {
    throw new ModelError(
      { path: "metrics.churn.ltvColumn" },
      `an account column "${ltvColumn}" with each account's lifetime value in dollars`,
      `columns ${[...(wave.columns?.keys() ?? [])].join(", ") || "none"}`,
    );
  }
  return column;
}

/**
 * Retained LTV share and LTV lost under the churn curve of the module comment. Accounts with zero
 * capacity have f_i = 0. Throws ModelError for beta < 0 or not finite, a missing LTV column, or a
 * negative or non-finite LTV of an eligible account. O(n).
 */
export function churnMetrics(wave: Wave, allocation: Allocation, settings: ChurnSettings): ChurnMetrics {
  const { beta } = settings;
  if (!(Number.isFinite(beta) && beta >= 0)) throw new ModelError({ path: "metrics.churn.beta" }, "a finite number >= 0", String(beta));
  const ltv = ltvValues(wave, settings.ltvColumn);
  const total = new CompensatedSum();
  const kept = new CompensatedSum();
  const lost = new CompensatedSum();
  for (let i = 0; i < wave.ids.length; i++) {
    if (wave.eligible[i] !== 1) continue;
    const value = ltv[i]!;
    if (!(Number.isFinite(value) && value >= 0)) {
      throw new ModelError(
        { path: "metrics.churn.ltvColumn" },
        `a finite lifetime value >= 0 for every eligible account (column ${settings.ltvColumn ?? "capacity"})`,
        `${value} for account ${JSON.stringify(wave.ids[i])} (row ${i + 1})`,
      );
    }
    const c = wave.capacity[i]!;
    const fraction = c > 0 ? Math.min(1, Math.max(0, allocation.haircut[i]! / c)) : 0;
    const stay = Math.exp(-beta * fraction);
    total.add(value);
    kept.add(value * stay);
    // -expm1(-x) = 1 - exp(-x) without cancellation for small haircut fractions.
    lost.add(value * -Math.expm1(-beta * fraction));
  }
  return { ltvRetained: total.value > 0 ? kept.value / total.value : 1, ltvLoss: lost.value };
}
