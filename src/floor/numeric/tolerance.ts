/**
 * The workbench's feasibility tolerance, stated once. Every stage that decides "is this within the
 * constraint" (verifier, certificate, dedicated algorithms, answer summaries) reads it from here,
 * so that a haircut the verifier accepts is never called infeasible elsewhere, and vice versa.
 *
 * The rule (MIPLIB's solution checker, per row): a constraint `lhs <= rhs` holds when
 *
 *     lhs - rhs <= absolute + relative * |rhs|        absolute = 1e-9 dollars, relative = 1e-12
 *
 * where rhs is *that row's own* right-hand side, never a number taken from elsewhere in the wave:
 * an account's cap, alpha and layer rows scale with that account's own capacity, coverage with the
 * budget B alone. Three rows have no tolerance at all: an ineligible (excluded) account's haircut
 * must be exactly 0; with lots, coverage `sum_p v_p q_p >= B` and each account's cap
 * `sum_p v_p q_p <= min(c_i, alpha c_i)` are decided in exact rational arithmetic (src/floor/numeric/exact.ts),
 * since integers times lot values need no rounding allowance. An account is "touched" when its
 * haircut is > 0 (no tolerance either).
 *
 * Why these numbers: float64 resolves 1.1e-16 relative and every checked total is a compensated sum
 * (~1e-16 relative), so 1e-12 leaves four orders of magnitude for honest rounding in the algorithms
 * while a cent stays visible on every quantity below $10^10; the absolute 1e-9 dollars only matters
 * for rows whose right-hand side is (near) zero, e.g. an account of capacity 0.
 */
import type { Wave } from "../../domain.js";

/** Relative feasibility tolerance, dimensionless. */
export const relTol = 1e-12;
/** Absolute feasibility tolerance, dollars. */
export const absTol = 1e-9;

export interface Tolerance {
  /** Dollars (or the constraint's own unit for lots and account counts). */
  readonly absolute: number;
  readonly relative: number;
  /** The rule in words, as the verdict and the README state it. */
  readonly rule: string;
}

/** The one tolerance of the workbench (see the module comment). */
export const feasibilityTolerance: Tolerance = {
  absolute: absTol,
  relative: relTol,
  rule:
    "a row lhs <= rhs holds when lhs - rhs <= 1e-9 + 1e-12 * |rhs| of that row's own rhs (an account's cap, alpha and layer rows: " +
    "its own capacity; coverage: the budget); an ineligible account's haircut must be exactly 0; with lots, coverage and the caps are " +
    "checked exactly on sum v_p q_p; touched means haircut > 0",
};

/**
 * The tolerance the verifier judges this wave with. The same for every wave: it never depends on
 * the wave's amounts (a 1e15 house account must not loosen anything else). O(1).
 */
export function tolerance(_wave?: Wave): Tolerance {
  return feasibilityTolerance;
}

/**
 * An account is "touched" when h_i > touchTolerance: 0 dollars, whatever the wave. Kept as a
 * function so that callers say what they mean. O(1).
 */
export function touchTolerance(_wave?: Wave): number {
  return 0;
}

/** The largest violation of a constraint with right-hand side `rhs` that still counts as satisfied. O(1). */
export function allowance(tol: Tolerance, rhs: number): number {
  return tol.absolute + tol.relative * Math.abs(rhs);
}
