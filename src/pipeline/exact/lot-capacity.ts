/**
 * How much each account can give in whole lots: the largest sum_p v_p q_p <= cap_i with integer
 * 0 <= q_p <= Q_p over the account's positions. With one position (or when all of an account's lots
 * fit under its cap) this is a closed form; with several positions it is a bounded subset-sum, solved
 * exactly by a small branch and bound with a node budget per account, beyond which the result is
 * marked inexact (an achieved amount plus an upper bound) and callers must not claim optimality.
 */
import type { BoundPositions } from "../../domain.js";
import { ExactSum, lotsToCoverExact, lotsWithinExact } from "../../floor/numeric/exact.js";

/** Positions grouped by account: account i's positions are order[start[i] .. start[i+1]), in table order. */
export interface PositionIndex {
  readonly start: Int32Array;
  readonly order: Int32Array;
}

/** Groups the positions table by account (counting sort, stable). O(n + positions). */
export function positionsByAccount(positions: BoundPositions, accounts: number): PositionIndex {
  const start = new Int32Array(accounts + 1);
  const P = positions.account.length;
  for (let p = 0; p < P; p++) start[positions.account[p]! + 1]!++;
  for (let i = 0; i < accounts; i++) start[i + 1]! += start[i]!;
  const next = start.slice(0, accounts);
  const order = new Int32Array(P);
  for (let p = 0; p < P; p++) order[next[positions.account[p]!]!++] = p;
  return { start, order };
}

/**
 * The largest q with q * v <= amount, decided exactly (amounts read as their decimals, see
 * src/floor/numeric/exact.ts): 3 lots of 0.1 fit an amount of 0.3, 4 do not. O(1) expected.
 */
export function lotsWithin(amount: number, lotValue: number): number {
  return lotsWithinExact(amount, lotValue);
}

/** The smallest q with q * v >= amount exactly (0 when amount <= 0). O(1) expected. */
export function lotsToCover(amount: number, lotValue: number): number {
  return lotsToCoverExact(amount, lotValue);
}

/**
 * Whether sum_p v_p q_p over the positions own[from, to) (default: all of `own`, one account's) is
 * <= cap exactly. `sum` is an accumulator to reuse across accounts (reset here): over 10^6 accounts
 * a fresh one and a subarray of the order per account were ~280 MB of garbage. O(to - from).
 */
export function lotsFit(positions: BoundPositions, own: ArrayLike<number>, lots: ArrayLike<number>, cap: number, from = 0, to = own.length, sum = new ExactSum()): boolean {
  sum.reset();
  for (let k = from; k < to; k++) {
    const p = own[k]!;
    sum.addProduct(lots[p]!, positions.lotValue[p]!);
  }
  return sum.compare(cap) <= 0;
}

export interface LotCapacity {
  /** Per account: the largest lot amount found <= cap_i + slack (dollars); proven maximal where exact[i] = 1. */
  readonly amount: Float64Array;
  /** Per account: an upper bound on any lot amount <= cap_i (equals `amount` up to the slack where exact). */
  readonly bound: Float64Array;
  /** Per position: lots realizing `amount`. */
  readonly lots: Int32Array;
  readonly exact: Uint8Array;
  readonly allExact: boolean;
}

/** Branch-and-bound nodes allowed per account with several positions before giving up exactness. */
const nodeBudget = 20_000;

/**
 * Per-account lot capacity under h_i <= cap_i, decided exactly (no tolerance: lots are integers
 * times lot values). O(n + positions) when every account has one position or fits under its cap;
 * otherwise at most `nodeBudget` nodes per such account.
 */
export function lotCapacities(positions: BoundPositions, index: PositionIndex, cap: Float64Array): LotCapacity {
  const n = cap.length;
  const amount = new Float64Array(n);
  const bound = new Float64Array(n);
  const lots = new Int32Array(positions.account.length);
  const exact = new Uint8Array(n).fill(1);
  let allExact = true;
  const one = new ExactSum();
  for (let i = 0; i < n; i++) {
    const from = index.start[i]!;
    const to = index.start[i + 1]!;
    const limit = Math.max(0, cap[i]!);
    if (to === from || !(cap[i]! > 0)) continue;
    let full = 0;
    for (let k = from; k < to; k++) {
      const p = index.order[k]!;
      full += positions.lotValue[p]! * positions.maxLots[p]!;
    }
    if (lotsFit(positions, index.order, positions.maxLots, limit, from, to, one)) {
      let sum = 0;
      for (let k = from; k < to; k++) {
        const p = index.order[k]!;
        lots[p] = positions.maxLots[p]!;
        sum += positions.lotValue[p]! * lots[p]!;
      }
      amount[i] = bound[i] = sum;
    } else if (to - from === 1) {
      const p = index.order[from]!;
      lots[p] = Math.min(positions.maxLots[p]!, lotsWithin(limit, positions.lotValue[p]!));
      amount[i] = bound[i] = positions.lotValue[p]! * lots[p]!;
    } else {
      const own = index.order.subarray(from, to);
      const found = subsetSum(positions, own, limit, cap[i]!, lots);
      // The search compares in floating point; the result must fit exactly: give back the smallest lots until it does.
      if (!lotsFit(positions, own, lots, limit)) {
        const bySize = Array.from(own).sort((a, b) => positions.lotValue[a]! - positions.lotValue[b]!);
        for (const p of bySize) {
          while (lots[p]! > 0 && !lotsFit(positions, own, lots, limit)) lots[p]!--;
        }
        let sum = 0;
        for (const p of own) sum += positions.lotValue[p]! * lots[p]!;
        found.amount = sum;
      }
      amount[i] = found.amount;
      bound[i] = found.exact ? found.amount : Math.max(found.amount, Math.min(cap[i]!, full));
      if (!found.exact) {
        exact[i] = 0;
        allExact = false;
      }
    }
  }
  return { amount, bound, lots, exact, allExact };
}

/**
 * max sum_p v_p q_p <= limit over 0 <= q_p <= Q_p, by depth-first branch and bound over positions
 * in decreasing lot value, each tried from its most lots down. Bound: what is taken plus
 * min(room left, everything left). Stops early at `target` (the cap: nothing above it is needed).
 */
function subsetSum(positions: BoundPositions, own: Int32Array, limit: number, target: number, lotsOut: Int32Array): { amount: number; readonly exact: boolean } {
  const order = Array.from(own).sort((a, b) => positions.lotValue[b]! - positions.lotValue[a]!);
  const m = order.length;
  const value = order.map((p) => positions.lotValue[p]!);
  const most = order.map((p) => positions.maxLots[p]!);
  const rest = new Array<number>(m + 1).fill(0);
  for (let j = m - 1; j >= 0; j--) rest[j] = rest[j + 1]! + value[j]! * most[j]!;
  const current = new Array<number>(m).fill(0);
  let best = -1;
  let bestLots = current.slice();
  let nodes = 0;
  let aborted = false;

  const search = (j: number, used: number): void => {
    if (++nodes > nodeBudget) {
      aborted = true;
      return;
    }
    const v = value[j]!;
    const top = Math.min(most[j]!, lotsWithin(limit - used, v));
    if (j === m - 1) {
      current[j] = top;
      const total = used + top * v;
      if (total > best) {
        best = total;
        bestLots = current.slice();
      }
      return;
    }
    for (let q = top; q >= 0; q--) {
      const taken = used + q * v;
      if (taken + Math.min(limit - taken, rest[j + 1]!) <= best) break;
      current[j] = q;
      search(j + 1, taken);
      if (aborted || best >= target) return;
    }
    current[j] = 0;
  };
  search(0, 0);

  let amount = 0;
  for (let j = 0; j < m; j++) {
    lotsOut[order[j]!] = bestLots[j]!;
    amount += value[j]! * bestLots[j]!;
  }
  return { amount, exact: !aborted };
}
