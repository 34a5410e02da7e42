/**
 * Sparsity (L0): touch as few accounts as possible.
 *
 * Why largest-first is optimal: every constraint other than coverage acts on one account, so each
 * account can give at most some amount m_i (its cap, or its largest whole-lot amount under the cap)
 * and the coverage row only needs the sum. A cover that touches k accounts has their m's summing to
 * >= B; the k largest m's sum to at least as much, so they cover too (exchange argument). Hence
 * the least k is the shortest prefix of the m's sorted descending, and the greedy that takes that
 * prefix is optimal (ties: lower index first, so the answer is deterministic).
 */
import type { BoundPositions } from "../../domain.js";
import { ExactSum } from "../../floor/numeric/exact.js";
import { sumOf } from "../../floor/numeric/sum.js";
import { lotsWithin, type LotCapacity, type PositionIndex } from "./lot-capacity.js";
import { weightedThreshold } from "./selection.js";

/**
 * Indices of the fewest entries of `amount` whose sum reaches `need`, largest first (ties by index),
 * the marginal one last; undefined if all of them together fall short of need - slack (then, if they
 * reach it within the slack, all positive entries). Expected O(n): the marginal amount is a weighted
 * selection (keys -amount, weights amount), not a sort.
 */
export function largestCovering(amount: Float64Array, need: number, slack: number): number[] | undefined {
  const n = amount.length;
  if (!(need > 0)) return [];
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = -amount[i]!;
  const threshold = weightedThreshold(keys, amount, need);
  const chosen: number[] = [];
  if (!threshold) {
    if (sumOf(amount) < need - slack) return undefined;
    for (let i = 0; i < n; i++) if (amount[i]! > 0) chosen.push(i);
    return chosen;
  }
  const marginal = -threshold.key;
  let covered = 0;
  for (let i = 0; i < n; i++) {
    if (amount[i]! > marginal) {
      chosen.push(i);
      covered += amount[i]!;
    }
  }
  for (let i = 0; i < n && covered < need; i++) {
    if (amount[i] === marginal) {
      chosen.push(i);
      covered += marginal;
    }
  }
  return chosen;
}

/**
 * Fewest touched accounts with lower_i <= h_i <= upper_i and sum h = total. Accounts already forced
 * above the touch tolerance (seniority lower bounds) are touched anyway, so their room is used
 * first; then the untouched accounts by largest room, each taken fully except the marginal one,
 * which takes the remainder (so the sum is exactly the total). Undefined if the total is out of reach.
 * Expected O(n).
 */
export function sparsityGreedy(lower: Float64Array, upper: Float64Array, total: number, touchTolerance: number, slack: number): Float64Array | undefined {
  const n = lower.length;
  const haircut = Float64Array.from(lower);
  let remaining = total - sumOf(lower);
  for (let i = 0; i < n && remaining > 0; i++) {
    if (lower[i]! > touchTolerance) {
      const take = Math.min(upper[i]! - lower[i]!, remaining);
      if (take > 0) {
        haircut[i] = lower[i]! + take;
        remaining -= take;
      }
    }
  }
  if (!(remaining > 0)) return haircut;
  const room = new Float64Array(n);
  for (let i = 0; i < n; i++) if (lower[i]! <= touchTolerance) room[i] = Math.max(0, upper[i]! - lower[i]!);
  const chosen = largestCovering(room, remaining, slack);
  if (!chosen) return undefined;
  for (let k = 0; k < chosen.length; k++) {
    const i = chosen[k]!;
    const take = k === chosen.length - 1 ? Math.max(0, Math.min(room[i]!, remaining)) : room[i]!;
    haircut[i] = lower[i]! + take;
    remaining -= take;
  }
  return haircut;
}

/**
 * Fewest touched accounts with whole lots: the accounts with the largest lot capacity (exact per
 * account, see lot-capacity.ts) take their full lot amount, the marginal one only the lots it needs:
 * starting from its full amount, lots are given back (largest lot value first) while coverage holds.
 * Coverage is decided exactly (no tolerance: integers times lot values), as the verifier decides it.
 * Undefined if the capacities are not all exact or the budget is out of reach. Expected O(n + positions).
 */
export function sparsityLots(
  positions: BoundPositions,
  index: PositionIndex,
  capacity: LotCapacity,
  budget: number,
): { haircut: Float64Array; lots: Int32Array } | undefined {
  if (!capacity.allExact) return undefined;
  const n = capacity.amount.length;
  const haircut = new Float64Array(n);
  const lots = new Int32Array(positions.account.length);
  const chosen = largestCovering(capacity.amount, budget, 0);
  if (!chosen) return undefined;
  const exact = new ExactSum();
  const addAccount = (i: number, sign: number): void => {
    for (let t = index.start[i]!; t < index.start[i + 1]!; t++) {
      const p = index.order[t]!;
      if (capacity.lots[p]! > 0) exact.addProduct(sign * capacity.lots[p]!, positions.lotValue[p]!);
    }
  };
  for (const i of chosen) addAccount(i, 1);
  // The float selection may call a cover that falls short by a rounding: then the next largest account joins (still the fewest).
  if (exact.compare(budget) < 0) {
    const taken = new Uint8Array(n);
    for (const i of chosen) taken[i] = 1;
    while (exact.compare(budget) < 0) {
      let next = -1;
      for (let i = 0; i < n; i++) if (!taken[i] && capacity.amount[i]! > 0 && (next < 0 || capacity.amount[i]! > capacity.amount[next]!)) next = i;
      if (next < 0) return undefined;
      taken[next] = 1;
      chosen.push(next);
      addAccount(next, 1);
    }
  }
  if (chosen.length === 0) return { haircut, lots };
  for (const i of chosen) {
    for (let t = index.start[i]!; t < index.start[i + 1]!; t++) {
      const p = index.order[t]!;
      lots[p] = capacity.lots[p]!;
    }
  }
  // The marginal account gives back lots, largest value first, while coverage (exact) holds.
  const last = chosen[chosen.length - 1]!;
  const own = Array.from(index.order.subarray(index.start[last]!, index.start[last + 1]!)).sort((a, b) => positions.lotValue[b]! - positions.lotValue[a]!);
  let excess = exact.value - budget;
  for (const p of own) {
    const v = positions.lotValue[p]!;
    let removed = Math.min(lots[p]!, lotsWithin(excess, v));
    if (removed === 0) continue;
    exact.addProduct(-removed, v);
    while (removed > 0 && exact.compare(budget) < 0) {
      exact.addProduct(1, v);
      removed--;
    }
    lots[p]! -= removed;
    excess = exact.value - budget;
  }
  for (const i of chosen) haircut[i] = lotAmount(positions, index, i, lots);
  return { haircut, lots };
}

/** sum_p v_p q_p over account i's positions, in table order (the verifier's order). */
export function lotAmount(positions: BoundPositions, index: PositionIndex, i: number, lots: Int32Array): number {
  let sum = 0;
  for (let t = index.start[i]!; t < index.start[i + 1]!; t++) {
    const p = index.order[t]!;
    sum += positions.lotValue[p]! * lots[p]!;
  }
  return sum;
}
