import type { LinearProblem } from "../lower/standard-form.js";
import type { BackendName } from "./registry.js";

// The names live in the registry (one table for every backend); re-exported for existing importers.
export { backendNames, type BackendChoice, type BackendName } from "./registry.js";

export interface SolveOptions {
  /** Wall-clock limit for one solve, seconds. Default: no limit. */
  readonly timeLimitSeconds?: number;
  /** Relative MIP gap at which the solver may stop. Default 0: "optimal" means proven. */
  readonly mipRelativeGap?: number;
  /**
   * Absolute MIP gap (incumbent - bound, objective units) at which the solver may stop: set only
   * when the caller proves optimality from such a gap itself (an objective on a grid coarser than
   * the gap, src/pipeline/solve/objective-step.ts). Backends without the option ignore it.
   */
  readonly mipAbsoluteGap?: number;
  /**
   * A MIP start: a value for every column (e.g. the previous lexicographic stage's solution, or a
   * heuristic's allocation lifted to columns). A hint only: the solver checks it and ignores an
   * infeasible one; backends without MIP starts ignore it.
   */
  readonly start?: Float64Array;
}

/**
 * What a backend reports. `values` are the solver's claim and nothing more: the pipeline
 * re-checks them (and the verifier re-checks the allocation built from them).
 */
export interface SolverSolution {
  /**
   * optimal: proven within the requested gap. feasible: a limit was hit and an incumbent kept.
   * infeasible / unbounded: proven. limitNoSolution: a limit was hit with no incumbent.
   */
  readonly status: "optimal" | "feasible" | "infeasible" | "unbounded" | "limitNoSolution";
  /** Primal values, one per column, when status is optimal or feasible. */
  readonly values?: Float64Array;
  /** Objective value the solver claims (including the constant). */
  readonly objective?: number;
  /** Best proven lower bound (MIP dual bound) where the solver reports one. */
  readonly bound?: number;
  /** Relative gap |objective - bound| / max(1, |objective|) where known. */
  readonly gap?: number;
  /** Branch-and-bound nodes where the solver reports them. */
  readonly nodes?: number;
  readonly seconds: number;
  readonly backend: BackendName;
  readonly version: string;
  /**
   * What makes this answer's status true, set by the fallback chain (robust.ts): the backend's own
   * dual bound or complete search ("bound"), a second backend that agreed ("agreement"), or nothing
   * ("none": the status was lowered to what the values alone show, i.e. feasible).
   */
  readonly proof?: Proof;
}

/** Why a status holds: see SolverSolution.proof. */
export interface Proof {
  readonly by: "bound" | "agreement" | "none";
  /** In words, e.g. "highs's dual bound closes the gap" or "jslp's claim, confirmed by highs". */
  readonly detail: string;
}

export interface BackendCapabilities {
  readonly integer: boolean;
  /** Convex diagonal quadratic objective (continuous problems). */
  readonly quadratic: boolean;
  readonly timeLimit: boolean;
  /**
   * Its optimal/infeasible verdicts are proofs (dual bound or complete search). Missing: the
   * registry's row for the backend's name decides (a third-party backend should say).
   */
  readonly dualBound?: boolean;
}

/** One solver, wrapped to read the standard form. Throws on a crash; never returns unchecked garbage as "optimal". */
export interface SolverBackend {
  readonly name: BackendName;
  readonly version: string;
  readonly capabilities: BackendCapabilities;
  solve(problem: LinearProblem, options: SolveOptions): Promise<SolverSolution>;
}
