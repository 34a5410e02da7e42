/**
 * Per-account bounds a rule works within. A rule that honours every per-account constraint reads
 * `wave.upper` (0 if ineligible, else min(c_i, alpha c_i, sum_p v_p Q_p)); a rule that ignores alpha
 * or eligibility by design gets the same bound re-derived without them. Caps (h_i <= c_i) and the
 * lot notional (a rule cannot close more contracts than are held) are never dropped.
 */
import type { Wave } from "../domain.js";
import type { IgnorableConstraint } from "./heuristic.js";

/**
 * The most a rule may take from each account in its continuous target, in dollars:
 * min(c_i, alpha c_i unless alpha is ignored, sum_p v_p Q_p when lots are modelled), and 0 for an
 * ineligible account unless eligibility is ignored. Returns wave.upper itself (not a copy) when
 * nothing is dropped: callers must not write to it. O(n + positions).
 */
export function ruleBound(wave: Wave, ignores: readonly IgnorableConstraint[]): Float64Array {
  const dropAlpha = ignores.includes("alpha") && wave.model.alpha !== undefined && wave.model.alpha < 1;
  const dropEligibility = ignores.includes("eligibility");
  if (!dropAlpha && !dropEligibility) return wave.upper;
  const bound = dollarCap(wave, ignores);
  const positions = wave.positions;
  if (positions !== undefined) {
    const held = lotNotional(wave);
    for (let i = 0; i < bound.length; i++) if (held[i]! < bound[i]!) bound[i] = held[i]!;
  }
  return bound;
}

/**
 * The dollar cap per account that lot execution must respect: min(c_i, alpha c_i) (alpha dropped
 * when ignored), 0 if ineligible (unless eligibility is ignored). A fresh array. O(n).
 */
export function dollarCap(wave: Wave, ignores: readonly IgnorableConstraint[]): Float64Array {
  const alpha = ignores.includes("alpha") ? 1 : Math.min(1, wave.model.alpha ?? 1);
  const keepIneligible = ignores.includes("eligibility");
  const { capacity, eligible } = wave;
  const n = wave.ids.length;
  const cap = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = capacity[i]!;
    cap[i] = c > 0 && (keepIneligible || eligible[i] === 1) ? alpha * c : 0;
  }
  return cap;
}

/** sum_p v_p Q_p per account in dollars (all zero when the wave models no lots). O(n + positions). */
export function lotNotional(wave: Wave): Float64Array {
  const n = wave.ids.length;
  const held = new Float64Array(n);
  const positions = wave.positions;
  if (positions === undefined) return held;
  for (let p = 0; p < positions.account.length; p++) {
    const i = positions.account[p]!;
    held[i] = held[i]! + positions.lotValue[p]! * positions.maxLots[p]!;
  }
  return held;
}
