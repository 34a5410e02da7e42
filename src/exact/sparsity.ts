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
import type { BoundPositions } from "../domain.js";
import { sumOf } from "../verify/sum.js";
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
 * Undefined if the capacities are not all exact or the budget is out of reach. Expected O(n + positions).
 */
export function sparsityLots(
  positions: BoundPositions,
  index: PositionIndex,
  capacity: LotCapacity,
  budget: number,
  slack: number,
): { haircut: Float64Array; lots: Int32Array } | undefined {
  if (!capacity.allExact) return undefined;
  const n = capacity.amount.length;
  const haircut = new Float64Array(n);
  const lots = new Int32Array(positions.account.length);
  const chosen = largestCovering(capacity.amount, budget, slack);
  if (!chosen) return undefined;
  let covered = 0;
  for (let k = 0; k < chosen.length; k++) {
    const i = chosen[k]!;
    for (let t = index.start[i]!; t < index.start[i + 1]!; t++) {
      const p = index.order[t]!;
      lots[p] = capacity.lots[p]!;
    }
    if (k === chosen.length - 1) giveBack(positions, index, i, lots, capacity.amount[i]! - (budget - covered));
    haircut[i] = lotAmount(positions, index, i, lots);
    covered += haircut[i]!;
  }
  return { haircut, lots };
}

/** Removes lots of account i, largest lot value first, worth at most `excess` dollars in all. O(positions of i log). */
export function giveBack(positions: BoundPositions, index: PositionIndex, i: number, lots: Int32Array, excess: number): void {
  if (!(excess > 0)) return;
  const own = Array.from(index.order.subarray(index.start[i]!, index.start[i + 1]!)).sort((a, b) => positions.lotValue[b]! - positions.lotValue[a]!);
  for (const p of own) {
    const v = positions.lotValue[p]!;
    const removed = Math.min(lots[p]!, lotsWithin(excess, v));
    lots[p]! -= removed;
    excess -= removed * v;
  }
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
