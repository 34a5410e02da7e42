/**
 * A mechanism's closed form: its haircuts as a function of the budget B on one wave, when its
 * structure gives one (a water level or a ramp, see forms.ts), with the largest budget it answers.
 * Exposure draws exact curves from it; every plan is spot-checked against the mechanism itself
 * before it is used (src/tools/exposure/exposure.ts).
 *
 * Two questions are asked here and nowhere else besides src/pipeline/exact: does the wave's structure have a
 * dedicated algorithm (src/pipeline/exact's noDedicatedAlgorithm), and is its map B → h a closed form at all
 * (closedFormShape: no lots, no seniority ladder), which the frontier's top-K closed form also needs.
 */
import type { BoundObjective, Wave } from "../domain.js";
import { certify } from "../pipeline/certificate/certificate.js";
import { noDedicatedAlgorithm } from "../pipeline/exact/index.js";
import { ruleBound } from "../heuristics/bounds.js";
import { optionalColumn } from "../heuristics/columns.js";
import type { BudgetShape, Heuristic } from "../heuristics/heuristic.js";
import { rankDescending } from "../heuristics/rank.js";
import { CompensatedSum, sumOf } from "../floor/numeric/sum.js";
import { waterLevelForm, type ExactForm, type RampForm } from "./forms.js";

/** A closed form for the mechanism on this wave, with the largest budget it answers. */
export interface ClosedFormPlan {
  readonly form: ExactForm;
  readonly algorithm: string;
  /** Dollars: the form holds on [0, domainEnd]. */
  readonly domainEnd: number;
  /** Why budgets above domainEnd get no answer. */
  readonly beyond: string;
  /**
   * Set when budgets above domainEnd are not infeasible but leave the closed form's reach (then a
   * range that goes beyond is sampled instead).
   */
  readonly leavesForm?: string;
}

/**
 * Why the wave's haircuts are not a closed form of the budget whatever the mechanism (lots make
 * them step functions; a ladder puts seniority first), or undefined. O(1).
 */
export function closedFormShape(wave: Wave): string | undefined {
  if (wave.positions !== undefined) return "lots (whole-lot haircuts are step functions of the budget)";
  if (wave.layers !== undefined && wave.layers.names.length >= 2) return "a seniority ladder";
  return undefined;
}

/** Per-account bound the dedicated algorithms use: upper, tightened by the layer sum. O(n * layers). */
function dedicatedBound(wave: Wave): Float64Array {
  const n = wave.ids.length;
  const bound = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let b = wave.upper[i]!;
    if (wave.layers) {
      let sum = 0;
      for (const layer of wave.layers.capacity) sum += layer[i]!;
      b = Math.min(b, sum);
    }
    bound[i] = Math.max(0, b);
  }
  return bound;
}

/**
 * The closed form of the model's own optimum, under exactly the conditions in which solveDedicated
 * (src/pipeline/exact/index.ts) answers with the algorithm the form describes; a reason string otherwise.
 * O(n) plus the water level's ranking, O(n log n).
 */
export function modelPlan(wave: Wave): ClosedFormPlan | string {
  const blocked = noDedicatedAlgorithm(wave) ?? closedFormShape(wave);
  if (blocked !== undefined) return blocked;
  const objective = wave.objectives[0]!;
  const bound = dedicatedBound(wave);
  const coverable = certify({ ...wave, budget: 0 }).coverable;
  const beyond = `the wave can cover at most ${coverable} (certificate)`;
  switch (objective.kind) {
    case "sparsity": {
      // The L0 greedy: largest bound first, ties by index (src/pipeline/exact/sparsity.ts).
      const form = rampForm(bound, [{ members: positiveMembers(bound), rate: 1 }], (members) => rankDescending(bound, members));
      return { form, algorithm: "greedy-l0", domainEnd: coverable, beyond };
    }
    case "minmax":
      return waterLevelPlan(bound, objective.scale, "water-filling", coverable, beyond);
    case "convex":
      return convexPlan(bound, wave.capacity, objective, coverable, beyond);
    case "overshoot":
      return "the overshoot objective";
  }
}

/**
 * Water level over the accounts with a positive scale. An account with scale 0 (a user's scale
 * expression) pays nothing until every other account is exhausted; above that the MIP decides, so
 * the form's domain ends there.
 */
function waterLevelPlan(bound: Float64Array, scale: Float64Array, algorithm: string, coverable: number, beyond: string): ClosedFormPlan | string {
  const n = bound.length;
  const used = new Float64Array(n);
  let zeroScale = 0;
  for (let i = 0; i < n; i++) {
    if (!(bound[i]! > 0)) continue;
    const s = scale[i]!;
    if (!(s >= 0 && Number.isFinite(s))) return `a scale that is negative or not finite (${s} on row ${i + 1})`;
    if (s > 0) used[i] = bound[i]!;
    else zeroScale++;
  }
  const form = waterLevelForm(used, scale);
  if (form === undefined) return "a scale the water level cannot use";
  const reach = form.budgets[form.budgets.length - 1]!;
  if (zeroScale === 0) return { form, algorithm, domainEnd: coverable, beyond };
  return {
    form,
    algorithm,
    domainEnd: reach,
    beyond,
    leavesForm: `${zeroScale} account(s) with scale 0 pay only above ${reach}, where the model is solved as a MIP`,
  };
}

/**
 * phi = x^p, p > 1: the KKT point is a water level with scale w_i = c_i (c_i / (p u_i))^(1/(p-1))
 * (src/pipeline/exact/convex.ts), computed in logarithms and normalized as there so that p near 1 does not
 * overflow. Accounts with u_i = 0 are filled first there: no water level then.
 */
function convexPlan(bound: Float64Array, capacity: Float64Array, objective: Extract<BoundObjective, { kind: "convex" }>, coverable: number, beyond: string): ClosedFormPlan | string {
  const phi = objective.phi;
  if (phi.kind !== "power") return "a piecewise-linear convex cost";
  const p = phi.p;
  if (!(p > 1 && Number.isFinite(p))) return `the power cost x^${p} (p = 1 is linear, solved by the segment greedy)`;
  const n = bound.length;
  const log = new Float64Array(n).fill(-Infinity);
  let largest = -Infinity;
  for (let i = 0; i < n; i++) {
    if (!(bound[i]! > 0)) continue;
    const c = capacity[i]!;
    const u = objective.weight[i]!;
    if (!(u > 0 && Number.isFinite(u))) return `a cost weight of ${u} on row ${i + 1} (zero-weight accounts are filled first)`;
    log[i] = Math.log(c) + (Math.log(c) - Math.log(p) - Math.log(u)) / (p - 1);
    if (log[i]! > largest) largest = log[i]!;
  }
  const scale = new Float64Array(n);
  for (let i = 0; i < n; i++) if (log[i]! > -Infinity) scale[i] = Math.exp(log[i]! - largest);
  return waterLevelPlan(bound, scale, "kkt-convex", coverable, beyond);
}

/**
 * The closed form of a heuristic that declares its budget shape (Heuristic.budgetShape: a fixed
 * order or a water level); a reason string for any other rule. The declaration is a claim: the
 * spot check in exposure guards against a wrong one. O(n) plus the rule's order.
 */
export function heuristicPlan(wave: Wave, heuristic: Heuristic, seed: number): ClosedFormPlan | string {
  const name = heuristic.name;
  if (heuristic.budgetShape === undefined) return `${name} (it declares no fixed order or water level, as a heuristic from outside the registry does not)`;
  if (wave.positions !== undefined) return `${name} with lots (whole-lot haircuts are step functions of the budget)`;
  const bound = ruleBound(wave, heuristic.ignores);
  const reach = sumOf(bound);
  const beyond = `${name} can take at most ${reach} (the sum of its per-account bounds)`;
  const shape: BudgetShape = heuristic.budgetShape(wave, bound, { seed });
  if (shape.kind === "order") return { form: orderedRamp(wave, bound, shape.order, shape.splitSides), algorithm: shape.algorithm, domainEnd: reach, beyond };
  for (let i = 0; i < bound.length; i++) {
    // Zero-weight accounts pay after everyone else, pro-rata by bound: a second phase, not one level.
    if (bound[i]! > 0 && !(shape.weight[i]! > 0)) return `${name} with zero-weight accounts (row ${i + 1}), which pay in a second phase`;
  }
  return waterLevelPlan(bound, shape.weight, shape.algorithm, reach, beyond);
}

/**
 * The ramp of an order-based rule (src/heuristics/queue.ts orderedTarget): accounts that can pay,
 * split by the sign of `side` when the wave has one and the rule splits sides (each side pays its
 * capacity's share of every dollar), each side taken down its own order.
 */
function orderedRamp(wave: Wave, bound: Float64Array, order: (members: Int32Array) => Int32Array, splitSides: boolean): RampForm {
  const candidates = positiveMembers(bound);
  const side = splitSides ? optionalColumn(wave, "side") : undefined;
  if (side === undefined) return rampForm(bound, [{ members: candidates, rate: 1 }], order);
  const reach = new CompensatedSum();
  for (const i of candidates) reach.add(bound[i]!);
  const groups: { members: Int32Array; rate: number }[] = [];
  for (const sign of [1, -1, 0]) {
    const members = candidates.filter((i) => Math.sign(side[i]!) === sign);
    if (members.length === 0) continue;
    const capacity = new CompensatedSum();
    for (const i of members) capacity.add(bound[i]!);
    groups.push({ members, rate: capacity.value / reach.value });
  }
  return rampForm(bound, groups, order);
}

/** Ramps down each group's order: offset = rate-scaled budget already taken by the accounts ahead. O(n) plus the ordering. */
function rampForm(bound: Float64Array, groups: readonly { members: Int32Array; rate: number }[], order: (members: Int32Array) => Int32Array): RampForm {
  const n = bound.length;
  const rate = new Float64Array(n).fill(1);
  const offset = new Float64Array(n);
  for (const group of groups) {
    const ahead = new CompensatedSum();
    for (const i of order(group.members)) {
      rate[i] = group.rate;
      offset[i] = ahead.value;
      ahead.add(bound[i]!);
    }
  }
  return { kind: "ramp", bound, rate, offset };
}

function positiveMembers(bound: Float64Array): Int32Array {
  let count = 0;
  for (let i = 0; i < bound.length; i++) if (bound[i]! > 0) count++;
  const members = new Int32Array(count);
  for (let i = 0, k = 0; i < bound.length; i++) if (bound[i]! > 0) members[k++] = i;
  return members;
}
