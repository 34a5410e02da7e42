/**
 * Lot execution: a rule decides a continuous target in dollars; a venue executes it by closing whole
 * contract lots. These schemes turn the target into lots per position, never above the lots held
 * (q_p <= Q_p) nor above the account's dollar cap (sum_p v_p q_p <= cap_i), and then keep adding
 * lots until the budget is covered whenever the wave allows it.
 *
 * An account's target t_i is spread over its positions in proportion to their notional v_p Q_p
 * (every position closed by the same fraction), giving a continuous lot count x_p per position.
 * - floor-topup (the default): floor every x_p, then a greedy top-up: positions in decreasing order
 *   of their dollar target (ties by position index) each add as many lots as the remaining shortfall
 *   needs, up to their room. Overshoot < max v_p.
 * - floor-lr: floor, then largest remainder (Hamilton): one extra lot per position in decreasing
 *   order of the fractional part x_p - floor(x_p), until covered. Overshoot < max v_p.
 * - ceil: every fractional x_p rounded up (capped by Q_p and the account's cap), whatever the
 *   budget. Overshoot up to the sum of v_p over fractional positions: the scheme's cost, reported.
 * Every scheme ends with the greedy top-up when still short, and, for accounts with several
 * positions where the greedy can miss the best subset sum, with the exact per-account lot capacity
 * (src/pipeline/exact/lot-capacity.ts), so that coverage holds whenever the lots can cover the budget.
 */
import type { Allocation, Wave } from "../domain.js";
import { lotCapacities, lotsToCover, lotsWithin, positionsByAccount } from "../pipeline/exact/lot-capacity.js";
import { lotAmount } from "../pipeline/exact/sparsity.js";
import { ExactSum, compareProduct } from "../floor/numeric/exact.js";
import { CompensatedSum } from "../floor/numeric/sum.js";
import { DescendingHeap, rankDescending } from "./rank.js";

export type LotScheme = "floor-topup" | "floor-lr" | "ceil";

/** Every lot scheme; "floor-topup" is the default of every rule. */
export const LOT_SCHEMES: readonly LotScheme[] = ["floor-topup", "floor-lr", "ceil"];

export interface LotExecution {
  /** h_i = sum_p v_p q_p in dollars, summed in positions-table order (the verifier's order). */
  readonly haircut: Float64Array;
  /** q_p per position, same order as wave.positions. */
  readonly lots: Int32Array;
}

/** A fractional part below this many lots is rounding, not a remainder worth a lot. */
const wholeLot = 1e-9;

/**
 * Executes a continuous target (dollars per account) in whole lots with the given scheme (see the
 * module comment). `cap` is the per-account dollar cap the rule honours (see dollarCap); amounts
 * stay within cap_i plus the verifier's absolute tolerance. Coverage: the total reaches the budget
 * (exactly, as the verifier decides lots) whenever the lots under the caps can reach it.
 * Requires wave.positions. O(n + P) for P positions (radix ranking for floor-lr, a lazy heap for
 * the top-up: O(P) to build plus O(log P) per position it visits), plus a bounded branch and bound
 * per multi-position account on the rare path where the greedy falls short.
 */
export function executeInLots(wave: Wave, target: Float64Array, cap: Float64Array, scheme: LotScheme): LotExecution {
  const positions = wave.positions;
  if (positions === undefined) throw new Error("executeInLots: the wave models no lots");
  const { account, lotValue, maxLots } = positions;
  const n = wave.ids.length;
  const P = account.length;
  const index = positionsByAccount(positions, n);
  const { start, order } = index;
  // Lots are checked exactly (src/floor/numeric/tolerance.ts): no slack on the caps or the budget.
  const slack = 0;
  const B = wave.budget;

  const lots = new Int32Array(P);
  const amount = new Float64Array(n);
  /** The most account i may give in lots: its cap plus the verifier's absolute tolerance (0 if it may give nothing). */
  const limit = (i: number): number => (cap[i]! > 0 ? cap[i]! + slack : 0);
  const share = new Float64Array(P);
  const fraction = new Float64Array(P);
  const covered = new CompensatedSum();
  let severalPositions = false;
  /**
   * Whether the lots so far are short of B, decided as the verifier decides it: exactly on
   * sum v_p q_p. The compensated float sum answers unless it is within rounding of B; then the
   * exact sum of the lots held decides (O(P), rare).
   */
  const capSum = new ExactSum();
  /** Whether the lots of positions order[from..to) are worth more than `most`, exactly. */
  const exceeds = (from: number, to: number, most: number): boolean => {
    capSum.reset();
    for (let k = from; k < to; k++) capSum.addProduct(lots[order[k]!]!, lotValue[order[k]!]!);
    return capSum.compare(most) > 0;
  };
  const short = (): boolean => {
    const s = covered.value;
    const close = 1e-12 * Math.max(Math.abs(s), Math.abs(B));
    if (s < B - close) return true;
    if (s > B + close) return false;
    const exact = new ExactSum();
    for (let p = 0; p < P; p++) exact.addProduct(lots[p]!, lotValue[p]!);
    return exact.compare(B) < 0;
  };

  for (let i = 0; i < n; i++) {
    const from = start[i]!;
    const to = start[i + 1]!;
    if (to === from) continue;
    if (to - from > 1) severalPositions = true;
    let held = 0;
    for (let k = from; k < to; k++) {
      const p = order[k]!;
      held += lotValue[p]! * maxLots[p]!;
    }
    const wanted = target[i]!;
    const t = wanted > 0 ? Math.min(wanted, cap[i]!, held) : 0;
    let sum = 0;
    for (let k = from; k < to; k++) {
      const p = order[k]!;
      const v = lotValue[p]!;
      const d = to - from === 1 ? t : held > 0 ? t * ((v * maxLots[p]!) / held) : 0;
      // A target that is a whole number of lots up to rounding must not lose a lot to the floor.
      const q = Math.min(maxLots[p]!, lotsWithin(d + wholeLot * v, v));
      lots[p] = q;
      share[p] = d;
      fraction[p] = Math.max(0, d / v - q);
      sum += v * q;
    }
    // The cap is decided exactly on sum v q, as the verifier decides it (a float sum can round under it).
    while (exceeds(from, to, limit(i)) && dropLargestLot(lotValue, order, from, to, lots, fraction)) {
      sum = 0;
      for (let k = from; k < to; k++) sum += lotValue[order[k]!]! * lots[order[k]!]!;
    }
    amount[i] = sum;
    covered.add(sum);
  }

  /**
   * Whether account i's lots plus `extra` more lots of position p stay within its cap, exactly (the
   * verifier's rule: 0.7 + 0.1 is 0.7999999999999999 in floating point but 0.8 in the decimals).
   */
  const fitsWith = (i: number, p: number, extra: number): boolean => {
    if (!(limit(i) > 0)) return false;
    capSum.reset();
    for (let k = start[i]!; k < start[i + 1]!; k++) capSum.addProduct(lots[order[k]!]!, lotValue[order[k]!]!);
    capSum.addProduct(extra, lotValue[p]!);
    return capSum.compare(limit(i)) <= 0;
  };

  /** Whether position p can take one more lot (lots held, and its account's cap). */
  const hasRoom = (p: number): boolean => {
    const i = account[p]!;
    if (!(lots[p]! < maxLots[p]!)) return false;
    // One position: decided exactly, as the verifier and the certificate decide the cap.
    if (start[i + 1]! - start[i]! === 1) return limit(i) > 0 && compareProduct(lots[p]! + 1, lotValue[p]!, 1, limit(i)) <= 0;
    return fitsWith(i, p, 1);
  };

  /** Adds up to k lots to position p within its room. */
  const add = (p: number, k: number): void => {
    const i = account[p]!;
    const v = lotValue[p]!;
    let room: number;
    if (start[i + 1]! - start[i]! === 1) room = Math.min(maxLots[p]!, lotsWithin(limit(i), v)) - lots[p]!;
    else {
      // The float estimate, then settled exactly by single steps (it is off by at most a lot or two).
      room = Math.max(0, Math.min(maxLots[p]! - lots[p]!, lotsWithin(limit(i) - amount[i]!, v)));
      while (room > 0 && !fitsWith(i, p, room)) room--;
      while (room < maxLots[p]! - lots[p]! && fitsWith(i, p, room + 1)) room++;
    }
    const added = Math.min(k, room);
    if (added > 0) {
      lots[p]! += added;
      amount[i]! += added * v;
      covered.add(added * v);
    }
  };

  if (scheme === "floor-lr" && short()) {
    // Most fractional positions get their extra lot before the budget is covered: rank them all.
    for (const p of rankDescending(quantizeInPlace(fraction, 1), positionsWhere(P, (p) => fraction[p]! > 0 && hasRoom(p)))) {
      if (!short()) break;
      add(p, 1);
    }
  } else if (scheme === "ceil") {
    for (let p = 0; p < P; p++) if (fraction[p]! > wholeLot) add(p, 1);
  }

  if (short()) {
    // Greedy top-up, largest dollar target first: usually a few positions, so the order is lazy.
    // Room only shrinks from here on, so positions without room for one lot now never get any.
    const ranked = new DescendingHeap(quantizeInPlace(share, largest(share)), positionsWhere(P, hasRoom));
    for (let p = ranked.pop(); p >= 0 && short(); p = ranked.pop()) add(p, Math.max(1, lotsToCover(B - covered.value, lotValue[p]!)));
  }

  if (short() && severalPositions) {
    // The greedy can miss an account's best subset sum; the exact per-account lot capacity cannot.
    const best = lotCapacities(positions, index, cap);
    const gain = new Float64Array(n);
    for (let i = 0; i < n; i++) gain[i] = best.amount[i]! - amount[i]!;
    for (const i of rankDescending(gain)) {
      if (!short() || !(gain[i]! > 0)) break;
      for (let k = start[i]!; k < start[i + 1]!; k++) lots[order[k]!] = best.lots[order[k]!]!;
      amount[i] = best.amount[i]!;
      covered.add(gain[i]!);
    }
  }

  const haircut = new Float64Array(n);
  for (let i = 0; i < n; i++) if (start[i + 1]! > start[i]!) haircut[i] = lotAmount(positions, index, i, lots);
  return { haircut, lots };
}

/**
 * The overshoot of an allocation in dollars: sum_p v_p q_p - B when the wave models lots (the
 * amount actually executed), else sum_i h_i - B. Negative means a shortfall. Compensated sum, O(n + P).
 */
export function lotOvershoot(wave: Wave, allocation: Allocation): number {
  const total = new CompensatedSum();
  const positions = wave.positions;
  if (positions !== undefined && allocation.lots !== undefined) {
    for (let p = 0; p < positions.account.length; p++) total.add(positions.lotValue[p]! * allocation.lots[p]!);
  } else {
    for (let i = 0; i < allocation.haircut.length; i++) total.add(allocation.haircut[i]!);
  }
  total.add(-wave.budget);
  return total.value;
}

/** Removes one lot of the largest lot value among the account's positions; false when it holds none. */
function dropLargestLot(lotValue: Float64Array, order: Int32Array, from: number, to: number, lots: Int32Array, fraction: Float64Array): boolean {
  let pick = -1;
  for (let k = from; k < to; k++) {
    const p = order[k]!;
    if (lots[p]! > 0 && (pick < 0 || lotValue[p]! > lotValue[pick]!)) pick = p;
  }
  if (pick < 0) return false;
  lots[pick]!--;
  fraction[pick]! += 1;
  return true;
}

/**
 * Ranking keys with rounding noise removed, in place (the values are not needed afterwards): equal
 * targets computed in floating point (a pro-rata level times equal weights, then a residual settled
 * on one account) differ in the last bits, and the tie must then go by index, not by which account
 * the rounding favoured. Multiples of 2^-40 of the scale; values below wholeLot of it become 0.
 */
function quantizeInPlace(values: Float64Array, scale: number): Float64Array {
  if (!(scale > 0) || !Number.isFinite(scale)) return values;
  const step = scale * 2 ** -40;
  const floor = wholeLot * scale;
  for (let k = 0; k < values.length; k++) {
    const x = values[k]!;
    values[k] = x > floor ? Math.round(x / step) : 0;
  }
  return values;
}

function largest(values: Float64Array): number {
  let top = 0;
  for (let k = 0; k < values.length; k++) if (values[k]! > top) top = values[k]!;
  return top;
}

/** Positions that pass the test, ascending. Two passes: count, then fill. */
function positionsWhere(P: number, keep: (p: number) => boolean): Int32Array {
  let count = 0;
  for (let p = 0; p < P; p++) if (keep(p)) count++;
  const chosen = new Int32Array(count);
  for (let p = 0, k = 0; p < P && k < count; p++) if (keep(p)) chosen[k++] = p;
  return chosen;
}
