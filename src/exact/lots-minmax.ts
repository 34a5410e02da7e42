/**
 * min max_i h_i / s_i with whole lots: h_i = v_i q_i, integer 0 <= q_i <= Q_i, h_i <= cap_i, sum h >= B.
 *
 * At a level M an account can give at most v_i * n_i(M) with n_i(M) = min(K_i, floor(M s_i / v_i)),
 * K_i = min(Q_i, floor(cap_i / v_i)); level M is achievable iff G(M) = sum_i v_i n_i(M) >= B, and G is
 * a nondecreasing step function, so the optimum M* is the smallest breakpoint k v_i / s_i
 * (1 <= k <= K_i) with G >= B. There can be sum_i K_i breakpoints (too many to list when lots are
 * many), so M is first bisected numerically on the monotone predicate only until (lo, hi] holds at
 * most ~2n breakpoints; those are then listed and M* picked among them by a weighted selection
 * (each breakpoint weighs the lot value it adds). The answer is therefore a breakpoint computed as
 * k * (v_i / s_i), never a bisection midpoint.
 */
import type { BoundPositions } from "../domain.js";
import { lotsWithin, type PositionIndex } from "./lot-capacity.js";
import { weightedThreshold } from "./selection.js";
import { lotAmount } from "./sparsity.js";

/**
 * Requires every account's positions to share one lot value (then they act as one position with
 * the summed lots); returns undefined otherwise, for a negative or non-finite scale, or when the
 * budget is out of reach at any finite level. At M*, every account takes n_i(M*) lots; then, in
 * one pass, each gives back as many lots as coverage allows, so no single lot can be removed
 * afterwards (overshoot below the smallest lot value in use). O(n * bisection steps), the steps
 * about log2(total lots / n), at most ~2100 (the bisection stops when the interval cannot shrink).
 */
export function lotsMinmax(
  positions: BoundPositions,
  index: PositionIndex,
  cap: Float64Array,
  scale: Float64Array,
  budget: number,
  slack: number,
): { haircut: Float64Array; lots: Int32Array; level: number } | undefined {
  const n = cap.length;
  const lotValue = new Float64Array(n);
  const most = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const from = index.start[i]!;
    const to = index.start[i + 1]!;
    if (from === to) continue;
    const s = scale[i]!;
    if (!(s >= 0) || !Number.isFinite(s)) return undefined;
    const v = positions.lotValue[index.order[from]!]!;
    let held = 0;
    for (let t = from; t < to; t++) {
      const p = index.order[t]!;
      if (positions.lotValue[p] !== v) return undefined;
      held += positions.maxLots[p]!;
    }
    lotValue[i] = v;
    // An account with s_i = 0 would make the ratio infinite: it never gives at a finite level.
    most[i] = s > 0 && cap[i]! > 0 ? Math.min(held, lotsWithin(cap[i]! + slack, v)) : 0;
  }

  const haircut = new Float64Array(n);
  const lots = new Int32Array(positions.account.length);
  const need = budget - slack;
  if (!(need > 0)) return { haircut, lots, level: 0 };

  // The level one lot of account i costs, v_i / s_i; every breakpoint is computed as k * step_i (one
  // formula everywhere, so comparisons between levels and breakpoints are consistent to the bit).
  const step = new Float64Array(n);
  for (let i = 0; i < n; i++) if (most[i]! > 0) step[i] = lotValue[i]! / scale[i]!;
  const breakpoint = (i: number, k: number): number => k * step[i]!;
  /** #{k in 1..K_i : k * step_i <= level}. */
  const lotsAt = (i: number, level: number): number => {
    const K = most[i]!;
    if (K === 0) return 0;
    const unit = step[i]!;
    let k = Math.min(K, Math.floor(level / unit));
    if (!(k >= 0)) k = 0;
    while (k > 0 && k * unit > level) k--;
    while (k < K && (k + 1) * unit <= level) k++;
    return k;
  };
  const evaluate = (level: number): { amount: number; count: number } => {
    let amount = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const k = lotsAt(i, level);
      amount += k * lotValue[i]!;
      count += k;
    }
    return { amount, count };
  };

  let hi = 0;
  for (let i = 0; i < n; i++) if (most[i]! > 0) hi = Math.max(hi, breakpoint(i, most[i]!));
  const top = evaluate(hi);
  if (top.amount < need) return undefined;
  let lo = 0;
  let countLo = 0;
  let countHi = top.count;
  for (let step = 0; countHi - countLo > 2 * n + 64 && step < 2100; step++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    const at = evaluate(mid);
    if (at.amount >= need) {
      hi = mid;
      countHi = at.count;
    } else {
      lo = mid;
      countLo = at.count;
    }
  }

  // List the breakpoints in (lo, hi] with the lot value each one adds; M* is the smallest of them at
  // which G(lo) plus the added value reaches the need: a weighted selection.
  const candidates = new Float64Array(countHi - countLo);
  const added = new Float64Array(countHi - countLo);
  let c = 0;
  let base = 0;
  for (let i = 0; i < n; i++) {
    const first = lotsAt(i, lo);
    const last = lotsAt(i, hi);
    base += first * lotValue[i]!;
    for (let k = first + 1; k <= last; k++) {
      candidates[c] = breakpoint(i, k);
      added[c++] = lotValue[i]!;
    }
  }
  const threshold = weightedThreshold(candidates, added, need - base, c);
  const level = threshold ? threshold.key : hi;

  const taken = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    taken[i] = lotsAt(i, level);
    total += taken[i]! * lotValue[i]!;
  }
  let excess = total - budget;
  for (let i = 0; i < n && excess > 0; i++) {
    if (taken[i]! === 0) continue;
    const removed = Math.min(taken[i]!, lotsWithin(excess, lotValue[i]!));
    taken[i]! -= removed;
    excess -= removed * lotValue[i]!;
  }
  for (let i = 0; i < n; i++) {
    let left = taken[i]!;
    for (let t = index.start[i]!; t < index.start[i + 1]! && left > 0; t++) {
      const p = index.order[t]!;
      const q = Math.min(left, positions.maxLots[p]!);
      lots[p] = q;
      left -= q;
    }
    haircut[i] = lotAmount(positions, index, i, lots);
  }
  return { haircut, lots, level };
}
