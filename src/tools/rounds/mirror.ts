/**
 * Vector mirror descent on the haircut fractions (arXiv 2602.15182 §5; the reference's
 * vector_mirror_descent.py): the Euclidean mirror map, i.e. projected gradient steps on
 * {h in [0,1]^n : w . h = B}, w_i = u_i (so x_i = h_i u_i and sum x = B), with eta_t = eta_0 / sqrt(t).
 *
 * Unlike the reference, which builds a fresh learner per coin and wave and takes one step from
 * h = 0 with a zero gradient (policy_per_wave.py:481-483, so it never learns across rounds), this
 * learner keeps h per account id across rounds: round t plays h_t = Proj_t(h_{t-1} - eta_{t-1} g_{t-1}),
 * accounts new to the round starting at 0 (the reference's initial point).
 */
import { settleResidual } from "../../pipeline/exact/water-filling.js";

/**
 * Euclidean projection of y onto {h in [0,1]^n : w . h = budget} for w_i > 0 (entries with w_i <= 0
 * get h_i = 0), budget clipped to [0, sum w]. Exact: h_i(lambda) = clip(y_i - lambda w_i, 0, 1) and
 * w . h(lambda) is piecewise linear and non-increasing in lambda with breakpoints (y_i - 1) / w_i and
 * y_i / w_i, so the root is found on the sorted breakpoints and solved linearly on its piece (the
 * reference bisects). O(n log n).
 */
export function projectCappedSimplex(y: Float64Array, w: Float64Array, budget: number): Float64Array {
  const n = y.length;
  const h = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) if (w[i]! > 0) total += w[i]!;
  if (!(budget > 0) || !(total > 0)) return h;
  if (budget >= total) {
    for (let i = 0; i < n; i++) if (w[i]! > 0) h[i] = 1;
    return h;
  }
  // Events along increasing lambda: at (y-1)/w an entry leaves 1 and starts falling (slope -w^2), at y/w it reaches 0 (slope back by +w^2).
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (w[i]! > 0) idx.push(i);
  const m = idx.length;
  const at = new Float64Array(2 * m);
  const delta = new Float64Array(2 * m);
  for (let k = 0; k < m; k++) {
    const i = idx[k]!;
    const wi = w[i]!;
    at[2 * k] = (y[i]! - 1) / wi;
    delta[2 * k] = -wi * wi;
    at[2 * k + 1] = y[i]! / wi;
    delta[2 * k + 1] = wi * wi;
  }
  const order = Array.from({ length: 2 * m }, (_, k) => k).sort((a, b) => at[a]! - at[b]! || delta[a]! - delta[b]!);
  // Below every breakpoint each h_i = 1: g = total. Walk the pieces until g falls to the budget.
  let g = total;
  let slope = 0;
  let lambda = at[order[0]!]!;
  let solved: number | undefined;
  for (const k of order) {
    const next = at[k]!;
    const reach = g + slope * (next - lambda);
    if (reach <= budget && slope < 0) {
      solved = lambda + (budget - g) / slope;
      break;
    }
    g = reach;
    lambda = next;
    slope += delta[k]!;
  }
  solved ??= lambda;
  for (const i of idx) {
    const v = y[i]! - solved * w[i]!;
    h[i] = v <= 0 ? 0 : v >= 1 ? 1 : v;
  }
  return h;
}

/**
 * Haircuts x_i = h_i w_i from a projected fraction vector, with the rounding residual of the
 * projection settled on accounts that have room so that sum x = min(budget, sum w) to the last bit
 * (the verifier checks coverage against B). O(n).
 */
export function haircutsOf(h: Float64Array, w: Float64Array, budget: number): Float64Array {
  const n = h.length;
  const x = new Float64Array(n);
  const upper = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[i]! > 0 ? w[i]! : 0;
    x[i] = h[i]! * wi;
    upper[i] = wi;
    total += wi;
  }
  settleResidual(x, new Float64Array(n), upper, Math.min(budget, total));
  return x;
}

/** The learner's state across rounds: the last fractions and gradient per account id, and its step count. */
export class VectorMirrorDescent {
  private fractions = new Map<string, number>();
  private gradient = new Map<string, number>();
  private steps = 0;

  /** eta_0 > 0: the first step size (the reference uses 0.15). */
  constructor(readonly eta0: number) {
    if (!(Number.isFinite(eta0) && eta0 > 0)) throw new RangeError(`vector mirror descent: eta0 must be a finite number > 0; found ${eta0}`);
  }

  /**
   * The round's haircuts: y_i = h_{t-1,i} - eta_{t-1} g_{t-1,i} for accounts seen before (0 for new
   * ones), projected onto {h in [0,1]^n : u . h = budget}; x_i = h_i u_i. Dollars. O(n log n).
   */
  allocate(ids: readonly string[], capacity: Float64Array, budget: number): Float64Array {
    const n = ids.length;
    const eta = this.steps > 0 ? this.eta0 / Math.sqrt(this.steps) : 0;
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      y[i] = (this.fractions.get(id) ?? 0) - eta * (this.gradient.get(id) ?? 0);
    }
    const h = projectCappedSimplex(y, capacity, budget);
    for (let i = 0; i < n; i++) this.fractions.set(ids[i]!, h[i]!);
    return haircutsOf(h, capacity, budget);
  }

  /**
   * After the round: the subgradient of the loss in h. Only the fairness term depends on how a fixed
   * budget is split (the tracking term sees H = B, which the severity chose): lambda_fair * d/dh_j of
   * max_i h_i u_i / base_i, i.e. lambda_fair u_j / base_j at the account j attaining the max. O(n).
   */
  observe(ids: readonly string[], argmax: number, slope: number): void {
    this.gradient = new Map();
    if (argmax >= 0 && slope !== 0) this.gradient.set(ids[argmax]!, slope);
    this.steps++;
  }
}
