/**
 * Comparators for regret (arXiv 2602.15182 §3.7): the best per-round action (dynamic) and the best
 * fixed severity (static), both over the continuous action set of §3.4 eq. 7 (0 <= B <= U_t,
 * 0 <= x_i <= u_i, sum x = B) with the round loss of loss.ts.
 *
 * For a fixed budget B the fairness part is smallest under the min-max allocation (capped
 * water-filling with scale base_i + eps), and the tracking part depends on B alone, so a comparator
 * is a budget choice with that allocation. Lots are not imposed on a comparator: it is the
 * continuous relaxation, a lower bound on what any lot-granular policy can do in the round.
 */
import { waterFill } from "../../pipeline/exact/water-filling.js";
import { fractionBaseOf, maxFraction, roundLoss, type LossWeights } from "./loss.js";
import type { Round } from "./round.js";

/** What one round's comparator functions need, precomputed once per round. */
export interface RoundGeometry {
  /** U_t = sum of the capacities, dollars. */
  readonly reach: number;
  /** m(B): the least max haircut fraction at budget B (B clipped to [0, U_t]). */
  fraction(budget: number): number;
  /** True when m(B) = B / U_t exactly (capacity base, eps = 0): the comparators are then exact by enumeration. */
  readonly linear: boolean;
}

/** The round's comparator geometry under the given weights. O(n). */
export function roundGeometry(round: Round, weights: LossWeights): RoundGeometry {
  const wave = round.wave;
  const n = wave.ids.length;
  let reach = 0;
  for (let i = 0; i < n; i++) if (wave.upper[i]! > 0) reach += wave.upper[i]!;
  const linear = weights.fractionBase === "capacity" && weights.eps === 0 && allAtCapacity(round);
  if (linear) return { reach, linear, fraction: (budget) => (reach > 0 ? Math.min(Math.max(budget, 0), reach) / reach : 0) };
  const base = fractionBaseOf(wave, weights.fractionBase, `round ${round.label}`);
  const floor = weights.fractionBase === "equity" ? 1e-12 : 0;
  // Accounts outside the max (base <= floor) absorb budget for free; the rest water-fill with scale base + eps.
  let free = 0;
  const upper = new Float64Array(n);
  const scale = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(0, wave.upper[i]!);
    if (base[i]! > floor) {
      upper[i] = u;
      scale[i] = base[i]! + weights.eps;
    } else free += u;
  }
  const lower = new Float64Array(n);
  return {
    reach,
    linear,
    fraction: (budget) => {
      const rest = Math.min(budget, reach) - free;
      if (!(rest > 0)) return 0;
      const filled = waterFill(lower, upper, scale, rest);
      return filled === undefined ? maxFraction(upper, base, weights).value : maxFraction(filled.haircut, base, weights).value;
    },
  };
}

function allAtCapacity(round: Round): boolean {
  const { upper, capacity } = round.wave;
  for (let i = 0; i < upper.length; i++) if (upper[i] !== capacity[i] && !(capacity[i]! <= 0 && upper[i]! <= 0)) return false;
  return true;
}

/** l_t at budget B with the min-max allocation. O(1) when linear, else one water-filling. */
export function comparatorLoss(round: Round, geometry: RoundGeometry, budget: number, weights: LossWeights): number {
  const B = Math.min(Math.max(budget, 0), geometry.reach);
  return roundLoss(B, round.needed, geometry.fraction(B), weights).loss;
}

/** Golden-section minimum of f on [a, b] (f convex there), to 1e-12 of the interval. ~60 evaluations. */
function goldenSection(f: (x: number) => number, a: number, b: number): { x: number; value: number } {
  const r = (Math.sqrt(5) - 1) / 2;
  let lo = a;
  let hi = b;
  let x1 = hi - r * (hi - lo);
  let x2 = lo + r * (hi - lo);
  let f1 = f(x1);
  let f2 = f(x2);
  while (hi - lo > 1e-12 * Math.max(1, Math.abs(a), Math.abs(b))) {
    if (f1 <= f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - r * (hi - lo);
      f1 = f(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + r * (hi - lo);
      f2 = f(x2);
    }
  }
  const x = (lo + hi) / 2;
  return { x, value: f(x) };
}

export interface DynamicComparator {
  /** The best per-round budget, dollars. */
  readonly budget: number;
  readonly loss: number;
}

/**
 * min over B in [0, U_t] of l_t(B) with the min-max allocation. Exact when the geometry is linear
 * (l_t is then piecewise linear with kinks at B^need and U_t: the minimum is at 0, min(B^need, U_t)
 * or U_t); otherwise l_t is convex in B (tracking convex, m(B) the value of a min-max LP, convex in
 * its right-hand side) and golden-section search finds it to 1e-12 of U_t, beside the same three
 * candidates. O(1) linear, O(60 n) otherwise.
 */
export function dynamicComparator(round: Round, geometry: RoundGeometry, weights: LossWeights): DynamicComparator {
  const candidates = [0, Math.min(round.needed, geometry.reach), geometry.reach];
  let best = { budget: 0, loss: Infinity };
  for (const B of candidates) {
    const loss = comparatorLoss(round, geometry, B, weights);
    if (loss < best.loss) best = { budget: B, loss };
  }
  if (!geometry.linear && geometry.reach > 0) {
    const found = goldenSection((B) => comparatorLoss(round, geometry, B, weights), 0, geometry.reach);
    if (found.value < best.loss) best = { budget: found.x, loss: found.value };
  }
  return best;
}

export interface StaticComparator {
  /** The best fixed severity theta in [0, 1]. */
  readonly theta: number;
  readonly loss: number;
  /** "breakpoints" (exact) or "breakpoints+golden-section" (upper bound on the best loss, so static regret is a lower bound). */
  readonly method: string;
}

/**
 * min over a fixed theta in [0, 1] of sum_t l_t(min(theta D_t, U_t)) with the min-max allocation.
 * Each term is piecewise linear in theta with kinks at B_t^need / D_t and U_t / D_t when the geometry
 * is linear, so the sum's minimum is at one of those kinks or at 0 or 1: exact by enumeration,
 * O(T^2). Otherwise the same candidates plus a golden-section refinement around the best one (the
 * sum need not be convex in theta), which gives an upper bound on the best fixed loss. O(T^2) or O(T^2 + 60 T n).
 */
export function staticComparator(rounds: readonly Round[], geometry: readonly RoundGeometry[], weights: LossWeights): StaticComparator {
  const total = (theta: number): number => {
    let sum = 0;
    for (let t = 0; t < rounds.length; t++) sum += comparatorLoss(rounds[t]!, geometry[t]!, theta * rounds[t]!.deficit, weights);
    return sum;
  };
  const candidates = new Set<number>([0, 1]);
  rounds.forEach((round, t) => {
    if (!(round.deficit > 0)) return;
    for (const kink of [round.needed / round.deficit, geometry[t]!.reach / round.deficit]) if (kink > 0 && kink < 1) candidates.add(kink);
  });
  const sorted = [...candidates].sort((a, b) => a - b);
  let best = { theta: 0, loss: Infinity };
  let at = 0;
  sorted.forEach((theta, k) => {
    const loss = total(theta);
    if (loss < best.loss) {
      best = { theta, loss };
      at = k;
    }
  });
  const exact = geometry.every((g) => g.linear);
  if (!exact) {
    const found = goldenSection(total, sorted[Math.max(0, at - 1)]!, sorted[Math.min(sorted.length - 1, at + 1)]!);
    if (found.value < best.loss) best = { theta: found.x, loss: found.value };
  }
  return { ...best, method: exact ? "breakpoints" : "breakpoints+golden-section" };
}
