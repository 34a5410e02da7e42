/**
 * Separable convex objectives min sum_i u_i * phi(h_i / c_i) over lower_i <= h_i <= upper_i,
 * sum_i h_i = total, solved exactly.
 */
import type { Phi } from "../../domain.js";
import { sumOf } from "../../floor/numeric/sum.js";
import { weightedThreshold } from "./selection.js";
import { settleResidual, waterFill } from "./water-filling.js";

/**
 * phi(x) = x^p, p > 1. Stationarity of the Lagrangian: u_i p h_i^(p-1) / c_i^p = mu, so
 *   h_i = c_i * (mu c_i / (p u_i))^(1/(p-1)) = t * w_i,  t = mu^(1/(p-1)),  w_i = c_i (c_i / (p u_i))^(1/(p-1)),
 * and with the box the KKT point is h_i = clamp(t w_i, lower_i, upper_i): water-filling with scale w.
 * u = c gives w proportional to c (pro-rata); u = 1, p = 2 gives w proportional to c^2.
 * Accounts with u_i = 0 cost nothing and are filled first. w is computed in logarithms and
 * normalized to max 1, so p close to 1 (exponent 1/(p-1) large) does not overflow.
 * Returns undefined for a negative or non-finite weight, or an unreachable total. Expected O(n).
 */
export function powerKkt(
  lower: Float64Array,
  upper: Float64Array,
  capacity: Float64Array,
  weight: Float64Array,
  p: number,
  total: number,
): Float64Array | undefined {
  const n = lower.length;
  const floor = Float64Array.from(lower);
  const logScale = new Float64Array(n).fill(-Infinity);
  let remaining = total - sumOf(lower);
  let largest = -Infinity;
  for (let i = 0; i < n; i++) {
    const room = upper[i]! - lower[i]!;
    const c = capacity[i]!;
    if (!(room > 0) || !(c > 0)) continue;
    const u = weight[i]!;
    if (!(u >= 0) || !Number.isFinite(u)) return undefined;
    if (u === 0) {
      const take = Math.max(0, Math.min(room, remaining));
      floor[i] = lower[i]! + take;
      remaining -= take;
      continue;
    }
    const log = Math.log(c) + (Math.log(c) - Math.log(p) - Math.log(u)) / (p - 1);
    logScale[i] = log;
    if (log > largest) largest = log;
  }
  const scale = new Float64Array(n);
  for (let i = 0; i < n; i++) if (logScale[i]! > -Infinity) scale[i] = Math.exp(logScale[i]! - largest);
  return waterFill(floor, upper, scale, total)?.haircut;
}

/**
 * phi convex piecewise-linear through points (x_k, y_k): slopes sigma_k nondecreasing, phi extended
 * beyond the end points along the end segments. In dollars, account i's segment k costs
 * u_i * sigma_k / c_i per dollar over [c_i x_k, c_i x_(k+1)] (clipped to the box). Taking the
 * cheapest dollars first is optimal for a separable convex PWL cost under one sum constraint (an
 * exchange argument: a more expensive dollar taken while a cheaper one is left can be swapped), and
 * because each account's slopes increase, its cheapest dollars are contiguous from lower_i up.
 * The threshold cost is a weighted selection (selection.ts, no sort); segments at the threshold
 * cost share the remainder in proportion to their width. Returns undefined when phi is not
 * convex, decreases, has repeated x, or the total cannot be reached. Expected O(n * points).
 */
export function piecewiseGreedy(
  lower: Float64Array,
  upper: Float64Array,
  capacity: Float64Array,
  weight: Float64Array,
  phi: Extract<Phi, { kind: "piecewise" }>,
  total: number,
): Float64Array | undefined {
  const segments = convexSlopes(phi);
  if (!segments) return undefined;
  const n = lower.length;
  const S = segments.slopes.length;
  const itemAccount = new Int32Array(n * S);
  const itemWidth = new Float64Array(n * S);
  const itemCost = new Float64Array(n * S);
  let items = 0;
  for (let i = 0; i < n; i++) {
    const lo = lower[i]!;
    const up = upper[i]!;
    const c = capacity[i]!;
    if (!(up > lo) || !(c > 0)) continue;
    const u = weight[i]!;
    if (!(u >= 0) || !Number.isFinite(u)) return undefined;
    for (let k = 0; k < S; k++) {
      // Segment k spans x in [starts[k], starts[k+1]); the first starts at -inf, the last ends at +inf.
      const from = k === 0 ? -Infinity : c * segments.starts[k]!;
      const to = k === S - 1 ? Infinity : c * segments.starts[k + 1]!;
      const width = Math.min(to, up) - Math.max(from, lo);
      if (width > 0) {
        itemAccount[items] = i;
        itemWidth[items] = width;
        itemCost[items] = (u * segments.slopes[k]!) / c;
        items++;
      }
    }
  }

  const need = total - sumOf(lower);
  const haircut = Float64Array.from(lower);
  if (need <= 0) return haircut;
  const threshold = weightedThreshold(itemCost, itemWidth, need, items);
  if (!threshold) {
    // Short only by rounding (total = sum of upper): everything there is.
    if (sumOf(itemWidth, items) < need * (1 - 1e-12)) return undefined;
    return Float64Array.from(upper);
  }
  const share = Math.min(1, Math.max(0, (need - threshold.below) / threshold.at));
  for (let t = 0; t < items; t++) {
    const cost = itemCost[t]!;
    if (cost < threshold.key) haircut[itemAccount[t]!]! += itemWidth[t]!;
    else if (cost === threshold.key) haircut[itemAccount[t]!]! += share * itemWidth[t]!;
  }
  for (let i = 0; i < n; i++) haircut[i] = Math.min(upper[i]!, haircut[i]!);
  settleResidual(haircut, lower, upper, total);
  return haircut;
}

/** Segment starts (x of each segment's left point) and slopes of a convex nondecreasing PWL phi, equal consecutive slopes merged; undefined if not convex or decreasing. */
export function convexSlopes(phi: Extract<Phi, { kind: "piecewise" }>): { starts: number[]; slopes: number[] } | undefined {
  const points = [...phi.points].sort((a, b) => a[0] - b[0]);
  if (points.length === 0) return undefined;
  if (points.length === 1) return { starts: [points[0]![0]], slopes: [0] };
  const starts: number[] = [];
  const slopes: number[] = [];
  for (let k = 0; k + 1 < points.length; k++) {
    const [x0, y0] = points[k]!;
    const [x1, y1] = points[k + 1]!;
    if (!(x1 > x0)) return undefined;
    const slope = (y1 - y0) / (x1 - x0);
    const previous = slopes[slopes.length - 1];
    if (previous !== undefined && slope < previous - 1e-12 * Math.max(1, Math.abs(previous))) return undefined;
    if (previous !== undefined && slope <= previous) continue;
    starts.push(x0);
    slopes.push(slope);
  }
  if (slopes[0]! < 0) return undefined;
  return { starts, slopes };
}
