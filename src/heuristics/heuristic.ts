/**
 * The one interface every production heuristic implements, built-in or loaded from a user's module.
 *
 * A heuristic is held to the same independent verifier as the exact mechanisms. It always honours
 * caps (0 <= h_i <= c_i) and, unless it says otherwise in `ignores`, eligibility, coverage
 * (sum h >= B whenever the wave is feasible), alpha, lots, max accounts and seniority. What it
 * ignores by design is declared, so that the verifier's report can be read as "exactly the promises
 * this rule does not make" rather than as a bug.
 */
import type { Allocation, Wave } from "../domain.js";
import type { ConstraintName, Verdict, Violation } from "../pipeline/verify/verify.js";

/** Model constraints a heuristic may declare it does not honour. */
export type IgnorableConstraint = "alpha" | "lots" | "maxAccounts" | "seniority" | "eligibility" | "coverage";

/** Every ignorable constraint, in a fixed order (for validation and listings). */
export const IGNORABLE_CONSTRAINTS: readonly IgnorableConstraint[] = ["alpha", "lots", "maxAccounts", "seniority", "eligibility", "coverage"];

export interface Heuristic {
  /** Registry name, e.g. "queue:bitmex" or "ladder(pro-rata:wealth)". */
  readonly name: string;
  readonly description: string;
  /** Model constraints this rule does not honour by design (e.g. a queue ignores alpha); the verifier will then report exactly those. */
  readonly ignores: readonly IgnorableConstraint[];
  /**
   * Haircuts in dollars, same order as wave.ids; `lots` (per position) when wave.positions is set,
   * `layers` (junior first) when wave.layers is set.
   */
  allocate(wave: Wave, context: HeuristicContext): Allocation;
  /**
   * A declared capability: the shape of the rule's haircuts as a function of the budget, when it
   * has one (a fixed order or a water level), so that exposure can draw the curve exactly instead of
   * sampling. `bound` is ruleBound(wave, ignores). Optional: a rule that declares none is sampled.
   * A wrong declaration is caught by exposure's spot check against `allocate` itself.
   */
  readonly budgetShape?: (wave: Wave, bound: Float64Array, context: HeuristicContext) => BudgetShape;
}

/**
 * How a rule's haircuts grow with the budget B, on waves without lots:
 * - "order": accounts pay in a fixed order, each up to its bound (a queue, the dYdX walk); with
 *   `splitSides` and a `side` column each side pays its share of every dollar down its own order.
 * - "level": h_i = min(bound_i, lambda(B) weight_i), one water level (capped pro-rata).
 */
export type BudgetShape =
  | { readonly kind: "order"; readonly algorithm: string; readonly order: (members: Int32Array) => Int32Array; readonly splitSides: boolean }
  | { readonly kind: "level"; readonly algorithm: string; readonly weight: Float64Array };

export interface HeuristicContext {
  /** Seed for rules with a random element (the dYdX walk's start); the same seed gives the same allocation. */
  readonly seed: number;
}

/**
 * The ignorable constraint a verifier violation belongs to, or undefined for the ones no heuristic
 * may break (shape, finite, nonnegative, capacity, layer bounds and sums). O(1).
 */
export function ignorableOf(constraint: ConstraintName): IgnorableConstraint | undefined {
  switch (constraint) {
    case "alpha":
    case "coverage":
    case "eligibility":
    case "maxAccounts":
    case "seniority":
      return constraint;
    case "lot-integrality":
    case "lot-bounds":
    case "lot-sum":
      return "lots";
    default:
      return undefined;
  }
}

/**
 * The violations in a verdict that the heuristic does not declare in `ignores`: empty means the
 * heuristic kept every promise it makes. O(violations listed).
 */
export function unexpectedViolations(heuristic: Pick<Heuristic, "ignores">, verdict: Verdict): Violation[] {
  const ignored = new Set<IgnorableConstraint>(heuristic.ignores);
  return verdict.violations.filter((violation) => {
    const kind = ignorableOf(violation.constraint);
    return kind === undefined || !ignored.has(kind);
  });
}
