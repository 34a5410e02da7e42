/**
 * Dedicated exact algorithms: where a wave's structure allows, the lexicographic optimum in
 * expected O(n) (selection, no sort) instead of a MIP. Each one is cross-checked against HiGHS in test/exact.
 *
 * Covered (single objective; seniority ladders without lots around any of the continuous ones):
 *   sparsity                       greedy-l0 / greedy-l0-lots     (also with maxAccounts)
 *   minmax, no lots                pro-rata / water-filling       (leximin: the unique answer)
 *   minmax, lots                   lots-minmax-breakpoints
 *   convex x^p, no lots            kkt-convex
 *   convex piecewise, no lots      greedy-pwl
 *   layers [junior … senior]       seniority(<inner>)
 * Everything else (several lexicographic objectives, overshoot, maxAccounts with another objective,
 * lots with convex or with layers, exact coverage with lots, infeasible waves) returns undefined and
 * the general lexicographic MIP runs.
 */
import type { Allocation, BoundObjective, Wave } from "../../domain.js";
import { productDown } from "../../floor/numeric/exact.js";
import { CompensatedSum } from "../../floor/numeric/sum.js";
import { allowance, tolerance } from "../../floor/numeric/tolerance.js";
import { piecewiseGreedy, powerKkt } from "./convex.js";
import { lotCapacities, positionsByAccount } from "./lot-capacity.js";
import { lotsMinmax } from "./lots-minmax.js";
import { ladderBox, splitJuniorFirst } from "./seniority.js";
import { sparsityGreedy, sparsityLots } from "./sparsity.js";
import { belowLevel, waterFill } from "./water-filling.js";

export interface DedicatedResult {
  readonly allocation: Allocation;
  /** e.g. "greedy-l0", "water-filling", "kkt-convex", "lots-minmax-breakpoints", "seniority(water-filling)". */
  readonly algorithm: string;
}

/**
 * The lexicographically optimal allocation by a dedicated algorithm, or undefined when the wave's
 * structure has none (then the MIP runs) or the wave is infeasible (run `certify` first; it says why).
 * Haircuts in dollars, `lots` per position with lots, `layers` (junior-first split) with layers.
 * Per-account bounds come from `wave.upper` (and the layer sums). Coverage holds to the verifier's
 * tolerance. Expected O(n * layers + positions), plus the bisection steps of lots min-max and the
 * bounded per-account lot search for accounts with several positions.
 */
export function solveDedicated(wave: Wave): DedicatedResult | undefined {
  if (noDedicatedAlgorithm(wave) !== undefined) return undefined;
  const objective = wave.objectives[0]!;
  const lotted = wave.positions !== undefined;
  const ladder = wave.layers !== undefined && wave.layers.names.length >= 2;

  const n = wave.ids.length;
  const cap = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let bound = wave.upper[i]!;
    if (wave.layers) {
      let sum = 0;
      for (let l = 0; l < wave.layers.capacity.length; l++) sum += wave.layers.capacity[l]![i]!;
      bound = Math.min(bound, sum);
    }
    if (lotted) {
      // With lots the caps are kept exactly, from the raw data: alpha * c_i rounded down, never up, and
      // not wave.upper's float v_p Q_p (the lots held bound q_p on their own, exactly).
      const c = wave.capacity[i]!;
      const alpha = wave.model.alpha;
      bound = wave.eligible[i] === 0 ? 0 : alpha !== undefined ? Math.min(c, productDown(alpha, c)) : c;
    }
    cap[i] = Math.max(0, bound);
  }

  const solved = lotted ? solveWithLots(wave, objective, cap) : solveBox(wave, objective, cap, ladder);
  if (!solved) return undefined;
  if (wave.model.maxAccounts !== undefined && touchedCount(solved.allocation.haircut) > wave.model.maxAccounts) return undefined;
  const allocation: Allocation = wave.layers ? { ...solved.allocation, layers: splitJuniorFirst(wave, solved.allocation.haircut) } : solved.allocation;
  return { allocation, algorithm: ladder ? `seniority(${solved.algorithm})` : solved.algorithm };
}

/**
 * Why the wave's structure has no dedicated algorithm (then the MIP runs), or undefined when one
 * of the table in the module comment may answer it (it still declines an infeasible wave, and an
 * objective's own conditions, e.g. a scale that is not finite, can still send it to the MIP). The
 * one place the structural question is answered: solveDedicated and the mechanism's closed forms
 * (src/mechanism/closed-form.ts) both ask it. O(1).
 */
export function noDedicatedAlgorithm(wave: Wave): string | undefined {
  if (wave.objectives.length !== 1) return "a lexicographic list of objectives";
  const objective = wave.objectives[0]!;
  const ladder = wave.layers !== undefined && wave.layers.names.length >= 2;
  if (wave.model.maxAccounts !== undefined && objective.kind !== "sparsity") return `a limit on touched accounts with the ${objective.kind} objective (solved by MIP)`;
  if (wave.model.maxAccounts !== undefined && ladder) return "a limit on touched accounts with a seniority ladder (solved by MIP)";
  if (wave.positions !== undefined && wave.layers !== undefined) return "lots with seniority layers (solved by MIP)";
  if (wave.positions !== undefined && wave.model.coverage === "exact") return "lots with exact coverage (solved by MIP)";
  if (wave.positions !== undefined && objective.kind === "convex") return "lots with the convex objective (solved by MIP)";
  if (objective.kind === "overshoot") return "the overshoot objective";
  return undefined;
}

/** No lots: the per-account box (seniority-restricted when there is a ladder), then the objective on it. */
function solveBox(wave: Wave, objective: BoundObjective, cap: Float64Array, ladder: boolean): DedicatedResult | undefined {
  const B = wave.budget;
  const { lower, upper } = ladder ? ladderBox(wave, cap) : { lower: new Float64Array(cap.length), upper: cap };
  const reach = new CompensatedSum();
  for (let i = 0; i < upper.length; i++) reach.add(upper[i]!);
  const slack = allowance(tolerance(wave), B);
  if (B - reach.value > slack) return undefined;
  // Within the tolerance but short: everything there is, which the verifier accepts.
  const total = Math.min(B, reach.value);

  switch (objective.kind) {
    case "sparsity": {
      const haircut = sparsityGreedy(lower, upper, total, 0, slack);
      return haircut && { allocation: { haircut }, algorithm: "greedy-l0" };
    }
    case "minmax": {
      if (!validScale(objective.scale, lower, upper)) return undefined;
      const proRata = uncappedProportional(lower, upper, objective.scale, total);
      if (proRata) return { allocation: { haircut: proRata }, algorithm: sameArray(objective.scale, wave.capacity) ? "pro-rata" : "water-filling" };
      const filled = waterFill(lower, upper, objective.scale, total);
      return filled && { allocation: { haircut: filled.haircut }, algorithm: "water-filling" };
    }
    case "convex": {
      const phi = objective.phi;
      if (phi.kind === "power") {
        if (phi.p === 1) {
          const linear = piecewiseGreedy(lower, upper, wave.capacity, objective.weight, { kind: "piecewise", points: [[0, 0], [1, 1]] }, total);
          return linear && { allocation: { haircut: linear }, algorithm: "greedy-pwl" };
        }
        if (!(phi.p > 1) || !Number.isFinite(phi.p)) return undefined;
        const haircut = powerKkt(lower, upper, wave.capacity, objective.weight, phi.p, total);
        return haircut && { allocation: { haircut }, algorithm: "kkt-convex" };
      }
      const haircut = piecewiseGreedy(lower, upper, wave.capacity, objective.weight, phi, total);
      return haircut && { allocation: { haircut }, algorithm: "greedy-pwl" };
    }
    case "overshoot":
      return undefined;
  }
}

function solveWithLots(wave: Wave, objective: BoundObjective, cap: Float64Array): DedicatedResult | undefined {
  const positions = wave.positions!;
  const index = positionsByAccount(positions, cap.length);
  // No slack with lots: coverage and caps are decided exactly, as the verifier decides them.
  if (objective.kind === "sparsity") {
    const capacity = lotCapacities(positions, index, cap);
    const solved = sparsityLots(positions, index, capacity, wave.budget);
    return solved && { allocation: { haircut: solved.haircut, lots: solved.lots }, algorithm: "greedy-l0-lots" };
  }
  if (objective.kind === "minmax") {
    const solved = lotsMinmax(positions, index, cap, objective.scale, wave.budget);
    return solved && { allocation: { haircut: solved.haircut, lots: solved.lots }, algorithm: "lots-minmax-breakpoints" };
  }
  return undefined;
}

/** Scales must be finite and >= 0 wherever an account has room to move. */
function validScale(scale: Float64Array, lower: Float64Array, upper: Float64Array): boolean {
  for (let i = 0; i < scale.length; i++) {
    if (upper[i]! > lower[i]! && !(scale[i]! >= 0 && Number.isFinite(scale[i]!))) return false;
  }
  return true;
}

/**
 * Closed-form pro-rata h_i = lambda s_i, lambda = total / sum s_i (over accounts with room), when no
 * lower bound is set and no cap binds; undefined otherwise (then water-filling). O(n).
 */
function uncappedProportional(lower: Float64Array, upper: Float64Array, scale: Float64Array, total: number): Float64Array | undefined {
  const n = lower.length;
  const weight = new CompensatedSum();
  for (let i = 0; i < n; i++) {
    if (lower[i]! !== 0) return undefined;
    if (upper[i]! > 0 && scale[i]! > 0) weight.add(scale[i]!);
  }
  const haircut = new Float64Array(n);
  if (!(total > 0)) return haircut;
  if (!(weight.value > 0)) return undefined;
  const level = total / weight.value;
  for (let i = 0; i < n; i++) {
    if (upper[i]! > 0 && scale[i]! > 0) {
      const h = belowLevel(level, scale[i]!);
      if (h > upper[i]!) return undefined;
      haircut[i] = h;
    }
  }
  return haircut;
}

function sameArray(a: Float64Array, b: Float64Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function touchedCount(haircut: Float64Array): number {
  let count = 0;
  for (let i = 0; i < haircut.length; i++) if (haircut[i]! > 0) count++;
  return count;
}
