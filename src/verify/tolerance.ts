/**
 * The workbench's feasibility tolerances, stated once. Every stage that decides "is this within the
 * constraint" (verifier, certificate, dedicated algorithms, answer summaries) reads them from here,
 * so that a haircut the verifier accepts is never called infeasible elsewhere, and vice versa.
 *
 * A constraint `lhs <= rhs` holds when `lhs - rhs <= absolute + relative * |rhs|` (the MIPLIB
 * solution checker's rule): the absolute part covers rounding on amounts near zero, the relative
 * part rounding on large right-hand sides.
 */
import type { Wave } from "../domain.js";

/** Relative feasibility tolerance, dimensionless. */
export const relTol = 1e-9;

export interface Tolerance {
  /** Dollars (or the constraint's own unit for lots and account counts). */
  readonly absolute: number;
  readonly relative: number;
}

/**
 * Absolute tolerance in dollars: 1e-9 * max(1, B, max_i c_i). Scaled by the wave's largest amount
 * so that a wave in cents and the same wave in millions of dollars are judged alike. O(n).
 */
export function absTol(wave: Wave): number {
  let scale = Math.max(1, Math.abs(wave.budget));
  for (let i = 0; i < wave.capacity.length; i++) {
    const c = wave.capacity[i]!;
    if (c > scale && Number.isFinite(c)) scale = c;
  }
  return 1e-9 * scale;
}

/**
 * An account is "touched" when h_i > touchTolerance(wave) (dollars). Equal to absTol so that
 * rounding dust a solver leaves on an untouched account does not count as a haircut. O(n).
 */
export function touchTolerance(wave: Wave): number {
  return absTol(wave);
}

/** Both tolerances of a wave, as the verifier states them in its verdict. O(n). */
export function tolerance(wave: Wave): Tolerance {
  return { absolute: absTol(wave), relative: relTol };
}

/** The largest violation of a constraint with right-hand side `rhs` that still counts as satisfied. O(1). */
export function allowance(tol: Tolerance, rhs: number): number {
  return tol.absolute + tol.relative * Math.abs(rhs);
}
