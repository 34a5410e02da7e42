/**
 * Capped water-filling: h_i = clamp(level * s_i, lower_i, upper_i) with sum_i h_i = total.
 *
 * This one form answers three objectives exactly (see index.ts): minmax / leximin of h_i / s_i,
 * separable power costs (the KKT point is linear in a transformed multiplier), and the inner stage of
 * the seniority ladder (lower bounds = junior layers already forced). The level is found without a
 * numerical tolerance: the filled total S(level) is piecewise linear with breakpoints lower_i / s_i
 * and upper_i / s_i; the breakpoint interval containing the answer is narrowed by randomized pivoting
 * on breakpoints (each pivot costs one pass over the accounts still undecided, and accounts whose
 * breakpoints leave the interval are folded into a constant and a slope), and on the final interval,
 * where no breakpoint remains inside, S is linear, so the level is one division. Expected O(n), no sort.
 */
import { CompensatedSum } from "../../floor/numeric/sum.js";

export interface WaterLevel {
  readonly haircut: Float64Array;
  /** The common ratio h_i / s_i of the accounts strictly between their bounds. */
  readonly level: number;
}

/**
 * Preconditions: lower_i <= upper_i, scale_i finite and >= 0 (an account with s_i = 0 stays at
 * lower_i). Returns undefined when the total cannot be reached (sum of upper over s_i > 0 plus sum
 * of lower over s_i = 0 falls short by more than 1e-12 relative). The result sums to `total` up to
 * floating-point rounding (a final pass puts the rounding residual on accounts with room).
 * Expected O(n) (a pivot sequence from a fixed seed, so the result is deterministic).
 */
export function waterFill(lower: Float64Array, upper: Float64Array, scale: Float64Array, total: number): WaterLevel | undefined {
  const n = lower.length;
  const haircut = Float64Array.from(lower);
  const floor = new CompensatedSum();
  const reach = new CompensatedSum();
  let free = 0;
  for (let i = 0; i < n; i++) {
    floor.add(lower[i]!);
    if (scale[i]! > 0) {
      reach.add(upper[i]!);
      free++;
    } else reach.add(lower[i]!);
  }
  floor.add(-total);
  reach.add(-total);
  // Signs of (floor - total) and (reach - total), compensated: a 1e-6 account beside 1e12 counts.
  if (floor.value >= 0) return { haircut, level: 0 };
  if (reach.value <= 0) {
    if (-reach.value > 1e-12 * Math.max(1, Math.abs(total))) return undefined;
    for (let i = 0; i < n; i++) if (scale[i]! > 0) haircut[i] = upper[i]!;
    return { haircut, level: Infinity };
  }

  // Accounts with a breakpoint strictly inside (from, to) are "open"; every other account adds a
  // constant (at a bound) or level * s_i (free) throughout the interval.
  const open = new Int32Array(free);
  const first = new Float64Array(n);
  const last = new Float64Array(n);
  let size = 0;
  const fixed = new CompensatedSum();
  for (let i = 0; i < n; i++) {
    const s = scale[i]!;
    if (s > 0) {
      open[size++] = i;
      first[i] = lower[i]! / s;
      last[i] = upper[i]! / s;
    } else fixed.add(lower[i]!);
  }
  let slope = 0;
  let from = -Infinity;
  let to = Infinity;
  // Compensated: beside a 1e12 account a 1e-6 account's share is below an ulp of the total, and a
  // plain sum would call S(pivot) = total where it is above it (seen: level 1 for an optimum of 0.5).
  let state = 0x9e3779b9;
  while (size > 0) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const j = open[(state >>> 0) % size]!;
    const pivot = first[j]! > from && first[j]! < to ? first[j]! : last[j]!;
    // The sign of S(pivot) - total, to the last bit: a tie (S = total within rounding) goes to the
    // lower level, which is the least level that reaches the total.
    const excess = new CompensatedSum();
    excess.add(fixed.value);
    excess.add(-total);
    excess.add(pivot * slope);
    for (let t = 0; t < size; t++) {
      const i = open[t]!;
      excess.add(Math.min(upper[i]!, Math.max(lower[i]!, pivot * scale[i]!)));
    }
    if (excess.value < 0) from = pivot;
    else to = pivot;
    let kept = 0;
    for (let t = 0; t < size; t++) {
      const i = open[t]!;
      if (last[i]! <= from) fixed.add(upper[i]!);
      else if (first[i]! >= to) fixed.add(lower[i]!);
      else if (first[i]! <= from && last[i]! >= to) slope += scale[i]!;
      else open[kept++] = i;
    }
    size = kept;
  }
  const rest = new CompensatedSum();
  rest.add(total);
  rest.add(-fixed.value);
  const level = slope > 0 ? Math.min(to, Math.max(from, rest.value / slope)) : from;
  for (let i = 0; i < n; i++) {
    const s = scale[i]!;
    if (s > 0) haircut[i] = Math.min(upper[i]!, Math.max(lower[i]!, belowLevel(level, s)));
  }
  settleResidual(haircut, lower, upper, total);
  return { haircut, level };
}

/**
 * level * s, rounded so that its ratio to s stays at or below the level where a subnormal haircut
 * would round up by a large share of itself (8e-323 of an account of scale 1.6e-322: 5/16 for a level
 * of 4/13). Normal products are left as they are (their ratio is within an ulp). O(1).
 */
export function belowLevel(level: number, s: number): number {
  const h = level * s;
  if (!(h > 0) || h >= 2 ** -1022 || !Number.isFinite(level)) return h;
  // In units of the smallest subnormal: an integer times Number.MIN_VALUE is exact.
  // (2^1074 itself overflows a double: scale in two exact steps.)
  return Math.floor(level * (s * 2 ** 537 * 2 ** 537)) * Number.MIN_VALUE;
}

/**
 * Puts the rounding residual total - sum h (a few ulps of the total) on accounts that have room, so
 * that coverage holds to the last bit the data allow: first all of it on the account with the most
 * room (where a few ulps change its ratio least; in index order a 1e-171 account was filled to its
 * cap, ratio 2 against a level of 0.31), then, if that is not enough, in index order. O(n).
 */
export function settleResidual(haircut: Float64Array, lower: Float64Array, upper: Float64Array, total: number): void {
  const sum = new CompensatedSum();
  for (let i = 0; i < haircut.length; i++) sum.add(haircut[i]!);
  let residual = total - sum.value;
  if (residual === 0) return;
  let roomiest = -1;
  let most = 0;
  for (let i = 0; i < haircut.length; i++) {
    const room = residual > 0 ? upper[i]! - haircut[i]! : haircut[i]! - lower[i]!;
    if (room > most) {
      most = room;
      roomiest = i;
    }
  }
  if (roomiest >= 0 && most >= Math.abs(residual)) {
    haircut[roomiest] = haircut[roomiest]! + residual;
    return;
  }
  for (let i = 0; i < haircut.length && residual !== 0; i++) {
    const h = haircut[i]!;
    const moved = residual > 0 ? Math.min(residual, upper[i]! - h) : Math.max(residual, lower[i]! - h);
    if (moved !== 0) {
      haircut[i] = h + moved;
      residual -= moved;
    }
  }
}
