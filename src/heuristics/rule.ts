/**
 * How a rule becomes a Heuristic. Every built-in rule is a continuous target (dollars per account,
 * within its per-account bound, summing to the budget when it can) plus a lot scheme; `allocate`
 * executes the target in whole lots when the wave models lots, and splits each haircut over the
 * seniority layers junior first when the wave has layers. Keeping the continuous target separate
 * is what lets the ladder and the lot wrappers compose with any rule, a user's included.
 */
import type { Allocation, Model, Wave } from "../domain.js";
import { juniorFirstSplit } from "../pipeline/verify/objectives.js";
import { dollarCap, ruleBound } from "./bounds.js";
import type { BudgetShape, Heuristic, HeuristicContext, IgnorableConstraint } from "./heuristic.js";
import { executeInLots, type LotScheme } from "./lots.js";

/**
 * A rule's continuous target: haircuts in dollars, same order as wave.ids, with
 * 0 <= t_i <= ruleBound(wave, ignores)_i and sum t = min(B, sum of the bounds) up to rounding.
 * It may read wave.positions (e.g. to weigh by notional) but does not round to lots or split layers.
 */
export type ContinuousTarget = (wave: Wave, context: HeuristicContext) => Float64Array;

export interface RuleSpec {
  readonly name: string;
  readonly description: string;
  readonly ignores: readonly IgnorableConstraint[];
  readonly target: ContinuousTarget;
  /** How the target is executed in lots; default "floor-topup". */
  readonly lotScheme?: LotScheme;
  /** The rule's declared budget shape, when it has one (see Heuristic.budgetShape). */
  readonly budgetShape?: (wave: Wave, bound: Float64Array, context: HeuristicContext) => BudgetShape;
}

/** A heuristic made of a continuous target and a lot scheme (see the module comment). */
/** Marks RuleHeuristic instances across module copies (see Symbol.hasInstance below). */
const RULE_HEURISTIC = Symbol.for("adl-workbench.RuleHeuristic");

export class RuleHeuristic implements Heuristic {
  /**
   * A user's TypeScript heuristic imports src/heuristics/*.ts through tsx while the CLI runs the
   * compiled dist/ copy of this class, so `instanceof` checks the brand, not the prototype chain.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[RULE_HEURISTIC] === true;
  }

  readonly [RULE_HEURISTIC] = true;
  readonly name: string;
  readonly description: string;
  readonly ignores: readonly IgnorableConstraint[];
  readonly lotScheme: LotScheme;
  readonly budgetShape?: (wave: Wave, bound: Float64Array, context: HeuristicContext) => BudgetShape;
  private readonly continuous: ContinuousTarget;

  constructor(spec: RuleSpec) {
    this.name = spec.name;
    this.description = spec.description;
    this.ignores = Object.freeze([...spec.ignores]);
    this.lotScheme = spec.lotScheme ?? "floor-topup";
    this.continuous = spec.target;
    if (spec.budgetShape !== undefined) this.budgetShape = spec.budgetShape;
  }

  /** The continuous target in dollars (see ContinuousTarget). Cost of the rule, typically O(n log n) or O(n). */
  target(wave: Wave, context: HeuristicContext): Float64Array {
    return this.continuous(wave, context);
  }

  /**
   * The target, executed in lots (this.lotScheme) when wave.positions is set, split junior-first
   * over wave.layers when set. Dollars; O(target + n * layers + positions).
   */
  allocate(wave: Wave, context: HeuristicContext): Allocation {
    let haircut = this.target(wave, context);
    let lots: Int32Array | undefined;
    if (wave.positions !== undefined) ({ haircut, lots } = executeInLots(wave, haircut, dollarCap(wave, this.ignores), this.lotScheme));
    const layers = wave.layers !== undefined ? juniorFirstSplit(wave, haircut) : undefined;
    return { haircut, ...(lots !== undefined ? { lots } : {}), ...(layers !== undefined ? { layers } : {}) };
  }
}

/**
 * A heuristic from a continuous target: the rule decides dollars per account, the workbench
 * executes them in lots and splits them over the layers. The easiest way to write a user heuristic
 * that honours lots and layers (see examples/my-heuristic.ts). O(1).
 */
export function defineHeuristic(spec: RuleSpec): RuleHeuristic {
  return new RuleHeuristic(spec);
}

/**
 * The continuous form of any heuristic. A RuleHeuristic gives its own target and lot scheme; any
 * other heuristic (a user's module) is run on the wave relaxed to no lots and no layers (see
 * relaxedWave), and its haircuts are the target, executed with the default scheme. O(1).
 */
export function continuousForm(heuristic: Heuristic): { readonly target: ContinuousTarget; readonly lotScheme: LotScheme } {
  if (heuristic instanceof RuleHeuristic) return { target: (wave, context) => heuristic.target(wave, context), lotScheme: heuristic.lotScheme };
  return {
    lotScheme: "floor-topup",
    target: (wave, context) => {
      const haircut = heuristic.allocate(relaxedWave(wave, heuristic.ignores), context).haircut;
      if (!(haircut instanceof Float64Array) || haircut.length !== wave.ids.length) {
        throw new Error(`heuristic ${heuristic.name}: allocate() must return haircut as a Float64Array with ${wave.ids.length} entries`);
      }
      return haircut;
    },
  };
}

/**
 * The wave a continuous rule sees: no lots, no layers, no alpha in the model, and
 * upper = ruleBound(wave, ignores) (which keeps the lot notional and, unless ignored, alpha and
 * eligibility). Capacities, eligibility flags, columns and the budget are unchanged. O(n + positions).
 */
export function relaxedWave(wave: Wave, ignores: readonly IgnorableConstraint[]): Wave {
  const upper = ruleBound(wave, ignores);
  const { positions: _positions, layers: _layers, ...rest } = wave;
  return { ...rest, model: continuousModel(wave.model), upper };
}

/** The model without what the continuous stage does not see (alpha, lots, seniority). */
export function continuousModel(model: Model): Model {
  const { alpha: _alpha, lots: _lots, seniority: _seniority, ...rest } = model;
  return rest;
}

/** Drops constraints that a wrapper honours itself from the inner rule's ignores. */
export function ignoresWithout(ignores: readonly IgnorableConstraint[], honoured: readonly IgnorableConstraint[]): IgnorableConstraint[] {
  return ignores.filter((constraint) => !honoured.includes(constraint));
}
