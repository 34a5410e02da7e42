/**
 * Infeasibility is an answer: before anything is solved, the promises a model makes are checked
 * against the wave's raw data, and a broken promise is reported with what it needs and what the
 * wave has. Computed from first principles (never from `wave.upper` or a solver).
 */
import type { Wave } from "../../domain.js";
import { lotCapacities, positionsByAccount } from "../exact/lot-capacity.js";
import { weightedThreshold } from "../exact/selection.js";
import { ExactSum, productDown } from "../../floor/numeric/exact.js";
import { CompensatedSum, sumOf } from "../../floor/numeric/sum.js";
import { allowance, tolerance } from "../../floor/numeric/tolerance.js";

export type PromiseName =
  /** sum of eligible capacities >= B: no mechanism can cover otherwise. */
  | "capacity"
  /** alpha * sum of eligible capacities >= B. */
  | "alpha"
  /** sum of eligible layer capacities >= B (only when the layers do not add up to the capacities). */
  | "layers"
  /** what the junior layers (all but the most senior) can give >= B; not a constraint: `need - have` is the principal or backstop the wave needs. */
  | "profits-only"
  /** what whole lots can give under the caps >= B. */
  | "lots"
  /** what the K accounts that can give most can give >= B. */
  | "maxAccounts"
  /** the per-account caps together (min of capacity, alpha, layers, lots) >= B, when no single promise above explains the shortfall. */
  | "caps";

export interface BrokenPromise {
  readonly promise: PromiseName;
  /** Dollars the promise needs (the budget B). */
  readonly need: number;
  /** Dollars the wave has for it. */
  readonly have: number;
}

export interface Certificate {
  /** No hard promise is broken. With `decided` false this rests on an upper bound and the solver has the last word. */
  readonly feasible: boolean;
  /** B minus the largest coverable amount: the residual insolvency no mechanism can avoid (0 when feasible). */
  readonly shortfall: number;
  readonly broken: BrokenPromise[];
  /**
   * With per-account maxima sorted descending and k the smallest prefix covering B, the top k must pay
   * at least B - (sum of all the others' maxima), whatever the mechanism. k is also the least number
   * of accounts any allocation touches. When nothing covers B: every account that can give, and B.
   */
  readonly concentration: { readonly accounts: number; readonly mustPay: number };
  /** With lots: an allocation with B <= sum h < B + overshootBound exists whenever the wave is feasible (the largest lot value that can be taken). null without lots. */
  readonly overshootBound: number | null;
  /** The largest total any allocation can reach (dollars): sum of the K largest per-account maxima. */
  readonly coverable: number;
  /** False when a per-account lot maximum could only be bounded (several positions, search budget exceeded). */
  readonly decided: boolean;
  readonly notes: string[];
}

/**
 * Checks the wave's promises from first principles. Per-account maximum m_i = min(c_i, alpha c_i,
 * sum_l c_il) for eligible accounts (0 otherwise), and with lots the largest whole-lot amount <= that
 * (exact for one position per account; a small exact search otherwise, an upper bound past its budget).
 * The wave is feasible iff the K largest m_i (all of them without maxAccounts) reach B: lots and the
 * K-account limit are the only couplings, and both are captured per account. A promise counts as
 * broken when need - have exceeds the verifier's tolerance. Expected O(n + positions) (selection, no
 * sort), plus the bounded lot search for accounts with several positions.
 */
export function certify(wave: Wave): Certificate {
  const n = wave.ids.length;
  const B = wave.budget;
  const tol = tolerance(wave);
  const alpha = wave.model.alpha;
  const layers = wave.layers;
  const notes: string[] = [];

  const cap = new Float64Array(n);
  const eligibleCapacity = new CompensatedSum();
  const layerCapacity = new CompensatedSum();
  for (let i = 0; i < n; i++) {
    if (wave.eligible[i] === 0) continue;
    const c = Math.max(0, wave.capacity[i]!);
    eligibleCapacity.add(c);
    // With lots the caps are decided exactly: alpha * c_i rounded down.
    let m = alpha !== undefined ? Math.min(c, wave.positions ? productDown(alpha, c) : alpha * c) : c;
    if (layers) {
      let sum = 0;
      for (const layer of layers.capacity) sum += Math.max(0, layer[i]!);
      layerCapacity.add(sum);
      m = Math.min(m, sum);
    }
    cap[i] = Math.max(0, m);
  }

  let maximum: Float64Array = cap;
  let decided = true;
  let overshootBound: number | null = null;
  let lotsReach: ExactSum | undefined;
  if (wave.positions) {
    const positions = wave.positions;
    const lotCapacity = lotCapacities(positions, positionsByAccount(positions, n), cap);
    maximum = lotCapacity.bound;
    lotsReach = new ExactSum();
    for (let p = 0; p < positions.account.length; p++) lotsReach.addProduct(lotCapacity.lots[p]!, positions.lotValue[p]!);
    if (!lotCapacity.allExact) {
      decided = false;
      notes.push("lots: some accounts hold several positions whose best whole-lot amount was only bounded; the lot promise uses that upper bound and feasibility is left to the solver");
    }
    // A lot that can be taken at all: eligible account, lots held, and one lot fits under the cap.
    let largest = 0;
    for (let p = 0; p < positions.account.length; p++) {
      const v = positions.lotValue[p]!;
      const i = positions.account[p]!;
      if (positions.maxLots[p]! >= 1 && v <= cap[i]! && v > largest) largest = v;
    }
    overshootBound = largest;
  }

  const total = new CompensatedSum();
  for (let i = 0; i < n; i++) total.add(maximum[i]!);
  const K = wave.model.maxAccounts;
  const coverable = K !== undefined && K < n ? largestSum(maximum, K) : total.value;

  const broken: BrokenPromise[] = [];
  // Lots need no rounding allowance (integers times lot values): any shortfall breaks a lot promise.
  const slack = wave.positions ? 0 : allowance(tol, B);
  const check = (promise: PromiseName, have: number, hard: boolean, exact?: ExactSum): boolean => {
    const isBroken = exact ? exact.compare(B) < 0 : B - have > slack;
    if (isBroken) broken.push({ promise, need: B, have });
    return isBroken && hard;
  };
  let hardBroken = false;
  hardBroken = check("capacity", eligibleCapacity.value, true) || hardBroken;
  if (alpha !== undefined) hardBroken = check("alpha", alpha * eligibleCapacity.value, true) || hardBroken;
  if (layers) hardBroken = check("layers", layerCapacity.value, true) || hardBroken;
  if (wave.positions) hardBroken = check("lots", total.value, true, lotCapacityDecided(decided, lotsReach)) || hardBroken;
  if (K !== undefined) hardBroken = check("maxAccounts", coverable, true) || hardBroken;
  if (!hardBroken) hardBroken = check("caps", coverable, true);
  if (layers && layers.names.length >= 2) {
    // Only the most senior layer is "principal"; everything below it is the profit the promise is about.
    const junior = new CompensatedSum();
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let l = 0; l < layers.names.length - 1; l++) sum += Math.max(0, layers.capacity[l]![i]!);
      junior.add(Math.min(sum, maximum[i]!));
    }
    check("profits-only", junior.value, false);
  }

  return {
    feasible: !hardBroken,
    shortfall: hardBroken ? Math.max(0, B - coverable) : 0,
    broken,
    concentration: concentration(maximum, total.value, B, slack),
    overshootBound,
    coverable,
    decided: decided || hardBroken,
    notes,
  };
}

/** The exact sum of the lot capacities when every account's capacity is exact (else the float bound decides). */
function lotCapacityDecided(decided: boolean, reach: ExactSum | undefined): ExactSum | undefined {
  return decided ? reach : undefined;
}

/**
 * With the maxima sorted descending, the smallest prefix covering B - slack, and what it must pay at
 * least. The k-th largest is found by weighted selection (keys -m_i, weights m_i), not a sort. O(n) expected.
 */
function concentration(maximum: Float64Array, total: number, B: number, slack: number): { accounts: number; mustPay: number } {
  if (!(B > 0)) return { accounts: 0, mustPay: 0 };
  const n = maximum.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = -maximum[i]!;
  const need = B - slack;
  const threshold = weightedThreshold(keys, maximum, need);
  if (!threshold) {
    let positive = 0;
    for (let i = 0; i < n; i++) if (maximum[i]! > 0) positive++;
    return { accounts: positive, mustPay: B };
  }
  const marginal = -threshold.key;
  let larger = 0;
  for (let i = 0; i < n; i++) if (maximum[i]! > marginal) larger++;
  const ties = Math.min(Math.round(threshold.at / marginal), Math.max(1, Math.ceil((need - threshold.below) / marginal)));
  const prefix = threshold.below + ties * marginal;
  return { accounts: larger + ties, mustPay: Math.max(0, B - (total - prefix)) };
}

/** Sum of the K largest entries: the K-th largest by selection, then one pass. O(n) expected. */
function largestSum(maximum: Float64Array, K: number): number {
  const n = maximum.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = -maximum[i]!;
  const threshold = weightedThreshold(keys, undefined, K);
  if (!threshold) return sumOf(maximum);
  const kth = -threshold.key;
  const sum = new CompensatedSum();
  for (let i = 0; i < n; i++) if (maximum[i]! > kth) sum.add(maximum[i]!);
  sum.add((K - threshold.below) * kth);
  return sum.value;
}
