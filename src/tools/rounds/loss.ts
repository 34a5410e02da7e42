/**
 * The round loss (arXiv 2602.15182 eq. 9 and 10):
 *
 *   l_t = lambda_under [B^need - H]_+ + lambda_over [H - B^need]_+ + lambda_fair m_t,
 *   m_t = max_i x_i / (base_i + eps),
 *
 * with lambda_under = lambda_over = lambda_track for the symmetric surrogate (eq. 10). The fraction's
 * base is the workbench's capacity u_i (the paper's definition) or, as the reference code measures
 * it, the account's equity (policy_per_wave.py:588-595: h / equity over accounts with equity > 1e-12,
 * clipped to [0, 1]); `fractionBase` chooses.
 */
import type { Wave } from "../../domain.js";
import { UsageError } from "../../errors.js";

export type FractionBase = "capacity" | "equity";

export interface LossWeights {
  /** Weight of undershoot [B^need - H]_+ per dollar. */
  readonly under: number;
  /** Weight of overshoot [H - B^need]_+ per dollar. */
  readonly over: number;
  /** Weight of the max haircut fraction m_t (dollars per unit of fraction). */
  readonly fair: number;
  /** The paper's epsilon in x_i / (u_i + eps), dollars (default 0: accounts with base 0 are left out of the max). */
  readonly eps: number;
  readonly fractionBase: FractionBase;
}

/** lambda_track = lambda_fair = 1, eps = 0, capacity base: the paper's Table 2 weights. */
export const DEFAULT_WEIGHTS: LossWeights = { under: 1, over: 1, fair: 1, eps: 0, fractionBase: "capacity" };

/** The base_i of every account for the fraction m_t: capacity, or the `equity` column (UsageError naming the round when it is missing). O(1). */
export function fractionBaseOf(wave: Wave, base: FractionBase, where: string): Float64Array {
  if (base === "capacity") return wave.capacity;
  const equity = wave.columns?.get("equity");
  if (equity === undefined) throw new UsageError({ path: "fractionBase" }, `an equity column in ${where} (fractionBase: equity divides by it)`, "none");
  return equity;
}

export interface MaxFraction {
  /** m_t, dimensionless. */
  readonly value: number;
  /** The account attaining it (-1 when no account has a positive base or every haircut is 0). */
  readonly account: number;
}

/**
 * m_t = max over accounts with base_i > 0 (equity: > 1e-12, the reference's EPS) of
 * x_i / (base_i + eps); with the equity base each ratio is clipped to 1 as the reference does.
 * Ties go to the lowest index. O(n).
 */
export function maxFraction(haircut: ArrayLike<number>, base: ArrayLike<number>, weights: Pick<LossWeights, "eps" | "fractionBase">): MaxFraction {
  const floor = weights.fractionBase === "equity" ? 1e-12 : 0;
  let value = 0;
  let account = -1;
  for (let i = 0; i < haircut.length; i++) {
    const b = base[i]!;
    if (!(b > floor)) continue;
    let f = haircut[i]! / (b + weights.eps);
    if (weights.fractionBase === "equity" && f > 1) f = 1;
    if (f > value) {
      value = f;
      account = i;
    }
  }
  return { value, account };
}

export interface RoundLoss {
  readonly tracking: number;
  readonly fairness: number;
  readonly loss: number;
}

/** l_t from H_t, B_t^need and m_t (see the module comment), dollars. O(1). */
export function roundLoss(total: number, needed: number, fraction: number, weights: LossWeights): RoundLoss {
  const under = needed > total ? needed - total : 0;
  const over = total > needed ? total - needed : 0;
  const tracking = weights.under * under + weights.over * over;
  const fairness = weights.fair * fraction;
  return { tracking, fairness, loss: tracking + fairness };
}
