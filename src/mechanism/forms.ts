/**
 * Closed forms of haircut-versus-budget, h_j(B), for the mechanisms whose structure gives them.
 *
 * Two shapes cover every exact case the exposure stage knows:
 *
 * - **water level**: h_j(B) = min(bound_j, s_j * lambda(B)), one level lambda shared by every account,
 *   lambda(B) the inverse of S(lambda) = sum_i min(bound_i, lambda s_i). S is piecewise linear in
 *   lambda with a kink where an account saturates (lambda_k = bound_k / s_k), at budget
 *   B_k = sum_i min(bound_i, lambda_k s_i). Between two kinks both S and h_j are linear in lambda, so
 *   h_j is linear in B: the kinks are the curve's only breakpoints, and they are the same for every
 *   account. This is capped water-filling (minmax without lots, the pro-rata heuristics) and the
 *   KKT point of a power cost (a water level with a transformed scale).
 * - **ramp**: h_j(B) = clamp(rate_j * B - offset_j, 0, bound_j). An account in a queue pays nothing
 *   until everyone ahead of it is exhausted (offset = what they can give), then every further dollar
 *   (rate 1, or its side's share of each dollar when longs and shorts pay separately) until it is
 *   exhausted itself. This is the L0 greedy and every queue or walk with a fixed order.
 *
 * Both are monotone non-decreasing and continuous in B. Forms are plain data (typed arrays, no
 * closures) so that the report and the CLI can serialize them; evaluating one account costs O(log n)
 * (water level) or O(1) (ramp).
 */
import { CompensatedSum } from "../floor/numeric/sum.js";
import { rankDescending } from "../heuristics/rank.js";

/** h_j(B) = min(bound_j, scale_j * lambda(B)); see the module comment. */
export interface WaterLevelForm {
  readonly kind: "water-level";
  /** Per account, dollars: the most it can give (0 for an account that never pays). */
  readonly bound: Float64Array;
  /** Per account, s_j > 0 where bound_j > 0 (dimensionless weight; only ratios matter). */
  readonly scale: Float64Array;
  /** Breakpoints of lambda(B), ascending: budgets[0] = 0 and budgets[last] = sum of the bounds (dollars). */
  readonly budgets: Float64Array;
  /** lambda at each breakpoint (levels[0] = 0); the level at which some account saturates, ascending. */
  readonly levels: Float64Array;
  /** dB/dlambda on [budgets[k], budgets[k+1]): the total scale of the accounts not yet saturated (0 at the last breakpoint). */
  readonly free: Float64Array;
  /** Per account, dollars: the least budget at which it pays its whole bound (0 when bound_j = 0). */
  readonly saturation: Float64Array;
}

/** h_j(B) = clamp(rate_j * B - offset_j, 0, bound_j); see the module comment. */
export interface RampForm {
  readonly kind: "ramp";
  readonly bound: Float64Array;
  /** Dollars of haircut per dollar of budget while the account is paying (1 in a single queue). */
  readonly rate: Float64Array;
  /** Dollars: rate_j times the budget at which account j starts paying. */
  readonly offset: Float64Array;
}

/** Either closed form; both are monotone non-decreasing and continuous in B. */
export type ExactForm = WaterLevelForm | RampForm;

/** Relative distance below which two saturation levels count as one breakpoint (see waterLevelForm). */
export const LEVEL_MERGE = 1e-11;

/**
 * The water-level form for per-account bounds and scales. Accounts with bound <= 0 never pay; every
 * other account needs a finite scale > 0 (returns undefined otherwise: the caller samples instead).
 * One sort of the saturation levels (radix, ties by index), then prefix and suffix compensated sums:
 * O(n log n) at worst, O(n) with the radix ranking.
 */
export function waterLevelForm(bound: Float64Array, scale: Float64Array): WaterLevelForm | undefined {
  const n = bound.length;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (!(bound[i]! > 0)) continue;
    const s = scale[i]!;
    if (!(s > 0 && Number.isFinite(s)) || !Number.isFinite(bound[i]!)) return undefined;
    count++;
  }
  const active = new Int32Array(count);
  // Ranked by -lambda descending = lambda ascending; the radix ranking avoids a comparator sort at 10^6 rows.
  const negLevel = new Float64Array(n);
  for (let i = 0, k = 0; i < n; i++) {
    if (bound[i]! > 0) {
      active[k++] = i;
      negLevel[i] = -(bound[i]! / scale[i]!);
    }
  }
  const order = rankDescending(negLevel, active);

  // Group accounts that saturate at the same level: one breakpoint per level. Levels equal in exact
  // arithmetic often differ in the last bits (alpha c_i / c_i, or a scale computed through log and
  // exp); kept apart they would make a segment a few ulps long whose slope means nothing, so levels
  // within LEVEL_MERGE (relative) of the group's first level join the group and saturate with it.
  const groupEnd: number[] = [];
  let groupLevel = count > 0 ? -negLevel[order[0]!]! : 0;
  for (let t = 0; t < count; t++) {
    if (t === count - 1) groupEnd.push(t + 1);
    else {
      const next = -negLevel[order[t + 1]!]!;
      if (next - groupLevel > LEVEL_MERGE * next) {
        groupEnd.push(t + 1);
        groupLevel = next;
      }
    }
  }
  const groups = groupEnd.length;
  // free[g] = total scale of the accounts saturating strictly after group g, summed from the end so
  // that the small tail is not lost in the large head's rounding.
  const freeAfter = new Float64Array(groups + 1);
  {
    const tail = new CompensatedSum();
    let t = count;
    for (let g = groups - 1; g >= 0; g--) {
      const from = g === 0 ? 0 : groupEnd[g - 1]!;
      freeAfter[g + 1] = tail.value;
      for (; t > from; t--) tail.add(scale[order[t - 1]!]!);
    }
    freeAfter[0] = tail.value;
  }
  const budgets = new Float64Array(groups + 1);
  const levels = new Float64Array(groups + 1);
  const free = new Float64Array(groups + 1);
  const saturation = new Float64Array(n);
  free[0] = freeAfter[0]!;
  const capped = new CompensatedSum();
  let previous = 0;
  for (let g = 0; g < groups; g++) {
    const from = g === 0 ? 0 : groupEnd[g - 1]!;
    const to = groupEnd[g]!;
    // The group's highest level: every member is at its bound there.
    const level = -negLevel[order[to - 1]!]!;
    for (let t = from; t < to; t++) capped.add(bound[order[t]!]!);
    // B(level) = what the saturated accounts give in full + level * the scale of the others.
    let budget = capped.value + level * freeAfter[g + 1]!;
    if (budget < previous) budget = previous;
    budgets[g + 1] = budget;
    levels[g + 1] = level;
    free[g + 1] = freeAfter[g + 1]!;
    for (let t = from; t < to; t++) saturation[order[t]!] = budget;
    previous = budget;
  }
  return { kind: "water-level", bound, scale, budgets, levels, free, saturation };
}

/** lambda(B) for the water-level form: binary search for the segment, then one division. O(log n). */
export function levelAt(form: WaterLevelForm, budget: number): number {
  const k = segmentOf(form.budgets, budget);
  const free = form.free[k]!;
  if (!(free > 0)) return form.levels[k]!;
  const level = form.levels[k]! + (budget - form.budgets[k]!) / free;
  return k + 1 < form.levels.length ? Math.min(level, form.levels[k + 1]!) : level;
}

/** The budget at which the water level reaches `level` (the inverse of levelAt). O(log n). */
export function budgetAtLevel(form: WaterLevelForm, level: number): number {
  const k = segmentOf(form.levels, level);
  if (!(form.free[k]! > 0)) return form.budgets[k]!;
  const budget = form.budgets[k]! + (level - form.levels[k]!) * form.free[k]!;
  return k + 1 < form.budgets.length ? Math.min(budget, form.budgets[k + 1]!) : budget;
}

/** Largest k with sorted[k] <= x (0 when x is below sorted[0]). O(log n). */
function segmentOf(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sorted[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Account j's haircut in dollars at budget B under an exact form. O(log n) water level, O(1) ramp. */
export function formHaircut(form: ExactForm, account: number, budget: number): number {
  const bound = form.bound[account]!;
  if (!(bound > 0)) return 0;
  if (form.kind === "ramp") return Math.min(bound, Math.max(0, form.rate[account]! * budget - form.offset[account]!));
  if (budget >= form.saturation[account]!) return bound;
  return Math.min(bound, form.scale[account]! * levelAt(form, budget));
}

/**
 * The budgets where account j's curve has a kink, within the open interval (from, to), ascending
 * and distinct: for a water level, every breakpoint of lambda below the account's own saturation
 * and the saturation itself (after that the curve is flat); for a ramp, where it starts and where it
 * ends. Together with `from` and `to` these are all the points needed to draw the curve exactly
 * with straight lines. O(log n + answer) water level, O(1) ramp.
 */
export function formKinks(form: ExactForm, account: number, from: number, to: number): number[] {
  const bound = form.bound[account]!;
  const kinks: number[] = [];
  if (!(bound > 0)) return kinks;
  if (form.kind === "ramp") {
    const rate = form.rate[account]!;
    const start = form.offset[account]! / rate;
    const end = (form.offset[account]! + bound) / rate;
    if (start > from && start < to) kinks.push(start);
    if (end > from && end < to && end > start) kinks.push(end);
    return kinks;
  }
  const last = Math.min(to, form.saturation[account]!);
  for (let k = segmentOf(form.budgets, from) + 1; k < form.budgets.length && form.budgets[k]! < last; k++) {
    if (form.budgets[k]! > from && form.budgets[k] !== kinks[kinks.length - 1]) kinks.push(form.budgets[k]!);
  }
  const saturation = form.saturation[account]!;
  if (saturation > from && saturation < to && saturation !== kinks[kinks.length - 1]) kinks.push(saturation);
  return kinks;
}

/**
 * The steepest dh_j/dB (dollars of haircut per dollar of budget) on (from, to), and the budget where
 * that steepest stretch starts (clipped to from); size 0 and atBudget null when the haircut does not
 * rise there. Water level: the slope s_j / free grows as accounts saturate, so the steepest stretch
 * is the last one before the account saturates (or before `to`). O(log n).
 */
export function formSlope(form: ExactForm, account: number, from: number, to: number): { size: number; atBudget: number | null } {
  const none = { size: 0, atBudget: null };
  const bound = form.bound[account]!;
  if (!(bound > 0) || !(to > from)) return none;
  if (form.kind === "ramp") {
    const rate = form.rate[account]!;
    const start = form.offset[account]! / rate;
    const end = (form.offset[account]! + bound) / rate;
    return start < to && end > from ? { size: rate, atBudget: Math.max(from, start) } : none;
  }
  const top = Math.min(to, form.saturation[account]!);
  if (!(top > from)) return none;
  // The segment that contains budgets just below `top`.
  let k = segmentOf(form.budgets, top);
  while (k > 0 && form.budgets[k]! >= top) k--;
  const free = form.free[k]!;
  if (!(free > 0)) return none;
  return { size: form.scale[account]! / free, atBudget: Math.max(from, form.budgets[k]!) };
}

/**
 * The least budget in [from, to] above which account j's haircut exceeds `tolerance` dollars (the
 * infimum; at that budget itself the haircut equals the tolerance unless it is `from`), or null when
 * it stays within the tolerance up to `to`. O(log n).
 */
export function formFirstTouched(form: ExactForm, account: number, from: number, to: number, tolerance: number): number | null {
  const bound = form.bound[account]!;
  if (!(bound > tolerance) || to < from) return null;
  if (formHaircut(form, account, from) > tolerance) return from;
  const crossing =
    form.kind === "ramp" ? (form.offset[account]! + tolerance) / form.rate[account]! : budgetAtLevel(form, tolerance / form.scale[account]!);
  return crossing >= from && crossing < to ? crossing : null;
}
