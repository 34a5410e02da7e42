/**
 * The one place a mechanism's verdict is classified, and the one coverage rule:
 *
 * - declared: a violation of a constraint the mechanism says it ignores by design (a queue and
 *   alpha), or a shortfall of coverage on a wave the certificate proves no mechanism can cover
 *   (falling short there is the certificate's finding, not the mechanism's fault);
 * - unexpected: every other violation (a bug, or a broken promise). An exact mechanism ignores
 *   nothing, so each of its violations is unexpected;
 * - fatal: the violations no mechanism may make whatever it declares (shape, finite, non-negative,
 *   capacity, layer bounds and sums): a metric over such an allocation means nothing.
 */
import type { Certificate } from "../pipeline/certificate/certificate.js";
import { ignorableOf, unexpectedViolations, type IgnorableConstraint } from "../heuristics/heuristic.js";
import type { Verdict, Violation } from "../pipeline/verify/verify.js";

/** A verdict's violations split into declared and unexpected (see the module comment). */
export interface Classification {
  readonly declared: readonly Violation[];
  readonly unexpected: readonly Violation[];
}

/**
 * Whether a coverage shortfall is excused on this wave: only where the certificate proves the wave
 * infeasible. `certificate` is asked only when the verdict has a coverage violation the mechanism
 * does not declare, so a covering rule costs no certificate. O(1) plus the certificate when asked.
 */
export function coverageExcused(certificate: Pick<Certificate, "feasible">): boolean {
  return !certificate.feasible;
}

/**
 * Splits the verifier's verdict for a mechanism that ignores `ignores` by design. `certificate`
 * (the wave's, or a function computing it) decides the coverage rule. O(violations).
 */
export function classifyVerdict(verdict: Verdict, ignores: readonly IgnorableConstraint[], certificate: Pick<Certificate, "feasible"> | (() => Pick<Certificate, "feasible">)): Classification {
  let unexpected = unexpectedViolations({ ignores }, verdict);
  if (unexpected.some((violation) => violation.constraint === "coverage")) {
    const known = typeof certificate === "function" ? certificate() : certificate;
    if (coverageExcused(known)) unexpected = unexpected.filter((violation) => violation.constraint !== "coverage");
  }
  const declared = verdict.violations.filter((violation) => !unexpected.includes(violation));
  return { declared, unexpected };
}

/** The violations no mechanism may make, whatever it declares (see the module comment). O(violations). */
export function fatalViolations(verdict: Verdict): Violation[] {
  return verdict.violations.filter((violation) => ignorableOf(violation.constraint) === undefined);
}

/** The distinct constraint names of some violations, in first-seen order (how rows and the simulator list them). O(violations). */
export function constraintNames(violations: readonly Violation[]): string[] {
  return [...new Set(violations.map((violation) => violation.constraint))];
}
