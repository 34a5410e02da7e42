/**
 * javascript-lp-solver (pure JS, dense tableau) as a SolverBackend: for small instances only.
 *
 * Its JSON model knows only nonnegative variables (its "unrestricted" flag is unreliable: in 1.0.3 it
 * reports feasible LPs with a free variable infeasible), so each column is rewritten as
 * x_j = s_j + d_j·y_j with y_j >= 0: s_j = lower, d_j = 1 when the lower bound is finite; s_j = upper,
 * d_j = -1 when only the upper bound is; and x_j = y_j - z_j with y_j, z_j >= 0 when neither is. A
 * remaining finite upper bound becomes a row y_j <= upper - lower. Integer columns shift by integral
 * amounts, so y_j is integral exactly when x_j is. Row bounds absorb the shifts.
 *
 * Known limits: it rounds reported values to 1e-9; its objective value can be stale (so we compute
 * it from the values); its time limit covers branch-and-bound only (a long simplex phase cannot be
 * interrupted), so `timeLimit` is declared false and the worker watchdog is the real limit; its
 * branch-and-bound need not end on integer columns without finite bounds (memory grows until the
 * worker is killed); no dual bound is reported.
 */
import solverImport from "javascript-lp-solver";
import type { LinearProblem } from "../lower/standard-form.js";
import type { SolveOptions, SolverBackend, SolverSolution } from "./backend.js";
import { packageVersion } from "./version.js";

interface JslpModel {
  optimize: string;
  opType: "min" | "max";
  constraints: Record<string, { min?: number; max?: number; equal?: number }>;
  variables: Record<string, Record<string, number>>;
  ints?: Record<string, 1>;
  timeout?: number;
  tolerance?: number;
}

/** The subset of jslp's full Solution object (Solve(model, precision, full = true)) we read. */
interface JslpFullSolution {
  feasible: boolean;
  bounded: boolean;
  evaluation: number;
  solutionSet: Record<string, number | undefined>;
  iter?: number;
  _tableau?: { __isIntegral?: boolean };
}

interface JslpSolver {
  Solve(model: JslpModel, precision?: number, full?: boolean): unknown;
}

const solver = ((solverImport as unknown as { default?: JslpSolver }).default ?? solverImport) as unknown as JslpSolver;

/** Integer tolerance jslp applies to branching decisions; values are rounded on this grid too. */
const JSLP_PRECISION = 1e-9;
const OBJECTIVE = "obj";


interface Translation {
  model: JslpModel;
  shift: Float64Array;
  direction: Float64Array;
  /** Columns split as y_j - z_j (free columns). */
  split: Uint8Array;
}

/** Rewrites the problem for jslp, or returns "infeasible" when the bounds already prove it. */
function translate(problem: LinearProblem, options: { zeroObjective?: boolean } = {}): Translation | "infeasible" {
  const n = problem.columnLower.length;
  const m = problem.rowLower.length;
  const shift = new Float64Array(n);
  const direction = new Float64Array(n);
  const split = new Uint8Array(n);
  const variables: Record<string, Record<string, number>> = {};
  const constraints: JslpModel["constraints"] = {};
  const ints: Record<string, 1> = {};

  for (let j = 0; j < n; j++) {
    const integer = problem.integer[j] === 1;
    let lower = problem.columnLower[j]!;
    let upper = problem.columnUpper[j]!;
    if (integer) {
      lower = Math.ceil(lower - 1e-9);
      upper = Math.floor(upper + 1e-9);
    }
    if (lower > upper) return "infeasible";
    const name = `v${j}`;
    const entry: Record<string, number> = {};
    variables[name] = entry;
    if (integer) ints[name] = 1;
    if (lower > -Infinity) {
      shift[j] = lower;
      direction[j] = 1;
      if (upper < Infinity) {
        constraints[`u${j}`] = { max: upper - lower };
        entry[`u${j}`] = 1;
      }
    } else if (upper < Infinity) {
      shift[j] = upper;
      direction[j] = -1;
    } else {
      shift[j] = 0;
      direction[j] = 1;
      split[j] = 1;
      variables[`w${j}`] = {};
      if (integer) ints[`w${j}`] = 1;
    }
    const cost = options.zeroObjective ? 0 : problem.cost[j]!;
    if (cost !== 0) {
      entry[OBJECTIVE] = cost * direction[j]!;
      if (split[j] === 1) variables[`w${j}`]![OBJECTIVE] = -cost;
    }
  }

  for (let i = 0; i < m; i++) {
    let offset = 0;
    const start = problem.rowStart[i]!;
    const end = problem.rowStart[i + 1]!;
    for (let k = start; k < end; k++) offset += problem.rowValue[k]! * shift[problem.rowIndex[k]!]!;
    const lower = problem.rowLower[i]! - offset;
    const upper = problem.rowUpper[i]! - offset;
    if (problem.rowLower[i]! > problem.rowUpper[i]!) return "infeasible";
    const lowerFinite = lower > -Infinity;
    const upperFinite = upper < Infinity;
    if (!lowerFinite && !upperFinite) continue;
    if (end === start) {
      // An empty row: 0 must lie within its bounds; jslp would never see it otherwise.
      if (problem.rowLower[i]! > 0 || problem.rowUpper[i]! < 0) return "infeasible";
      continue;
    }
    const key = `r${i}`;
    if (lowerFinite && upperFinite && problem.rowLower[i] === problem.rowUpper[i]) constraints[key] = { equal: lower };
    else constraints[key] = { ...(lowerFinite ? { min: lower } : {}), ...(upperFinite ? { max: upper } : {}) };
    for (let k = start; k < end; k++) {
      const j = problem.rowIndex[k]!;
      const entry = variables[`v${j}`]!;
      entry[key] = (entry[key] ?? 0) + problem.rowValue[k]! * direction[j]!;
      if (split[j] === 1) {
        const negative = variables[`w${j}`]!;
        negative[key] = (negative[key] ?? 0) - problem.rowValue[k]!;
      }
    }
  }

  const model: JslpModel = { optimize: OBJECTIVE, opType: "min", constraints, variables };
  if (Object.keys(ints).length > 0) model.ints = ints;
  return { model, shift, direction, split };
}

/**
 * Creates a javascript-lp-solver backend. Synchronous underneath (the returned promise resolves
 * after a blocking solve). Handles LPs and MIPs exactly as the JSON model allows (see the file
 * comment); throws on a quadratic objective. `timeLimitSeconds` is passed as jslp's
 * branch-and-bound timeout; `mipRelativeGap` as its `tolerance`. `nodes` is jslp's
 * branch-and-cut iteration count.
 */
export async function createJslpBackend(): Promise<SolverBackend & { fresh(): Promise<SolverBackend> }> {
  const version = `javascript-lp-solver ${packageVersion("javascript-lp-solver")}`;

  const run = (translation: Translation, options: SolveOptions): JslpFullSolution => {
    const model = translation.model;
    if (options.timeLimitSeconds !== undefined && Number.isFinite(options.timeLimitSeconds)) model.timeout = Math.max(1, Math.round(options.timeLimitSeconds * 1000));
    if (options.mipRelativeGap !== undefined && options.mipRelativeGap > 0) model.tolerance = options.mipRelativeGap;
    const raw = solver.Solve(model, JSLP_PRECISION, true);
    if (raw === null || typeof raw !== "object" || !("feasible" in raw)) throw new Error("jslp: Solve returned no solution object");
    return raw as JslpFullSolution;
  };

  return {
    name: "jslp",
    version,
    capabilities: { integer: true, quadratic: false, timeLimit: false },

    async solve(problem: LinearProblem, options: SolveOptions): Promise<SolverSolution> {
      const started = performance.now();
      const seconds = (): number => (performance.now() - started) / 1000;
      const base = { backend: "jslp" as const, version };
      if (problem.quadratic && problem.quadratic.some((q) => q !== 0)) {
        throw new Error("jslp: quadratic objectives are not supported (javascript-lp-solver solves linear problems only)");
      }
      const n = problem.columnLower.length;
      const integer = problem.integer.some((flag) => flag === 1);
      if (n === 0) {
        // No columns: every row's activity is 0, so the problem is its rows' verdict on 0.
        if (problem.rowLower.some((lower, i) => lower > 0 || problem.rowUpper[i]! < 0)) return { ...base, status: "infeasible", seconds: seconds() };
        return { ...base, status: "optimal", values: new Float64Array(0), objective: problem.objectiveConstant, seconds: seconds() };
      }
      const translation = translate(problem);
      if (translation === "infeasible") return { ...base, status: "infeasible", seconds: seconds() };

      const limitHit = (): boolean =>
        options.timeLimitSeconds !== undefined && Number.isFinite(options.timeLimitSeconds) && seconds() >= options.timeLimitSeconds * 0.98;
      const solution = run(translation, options);
      const integral = !integer || solution._tableau?.__isIntegral === true;
      const nodes = typeof solution.iter === "number" ? { nodes: solution.iter } : {};

      if (!solution.bounded) {
        if (!integer) return { ...base, status: "unbounded", seconds: seconds() };
        // An unbounded relaxation makes the MIP unbounded only if it has an integral point.
        const probe = translate(problem, { zeroObjective: true });
        if (probe === "infeasible") return { ...base, status: "infeasible", seconds: seconds() };
        const found = run(probe, options);
        if (found.feasible && found.bounded && found._tableau?.__isIntegral === true) return { ...base, status: "unbounded", seconds: seconds() };
        if (limitHit()) return { ...base, status: "limitNoSolution", seconds: seconds() };
        return { ...base, status: "infeasible", seconds: seconds() };
      }
      if (!solution.feasible || !integral) {
        // Branch-and-bound ended without an integral point: exhausted (infeasible) or out of time.
        if (integer && limitHit()) return { ...base, status: "limitNoSolution", ...nodes, seconds: seconds() };
        return { ...base, status: "infeasible", ...nodes, seconds: seconds() };
      }

      const values = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        const y = solution.solutionSet[`v${j}`] ?? 0;
        const z = translation.split[j] === 1 ? (solution.solutionSet[`w${j}`] ?? 0) : 0;
        values[j] = translation.shift[j]! + translation.direction[j]! * y - z;
      }
      // jslp's `evaluation` has been seen stale after branch-and-bound (0 while its values gave 13.5),
      // while the values were right; so the objective is computed from the values it reports.
      let objective = problem.objectiveConstant;
      for (let j = 0; j < n; j++) objective += problem.cost[j]! * values[j]!;
      const status = integer && limitHit() ? "feasible" : "optimal";
      return {
        ...base,
        status,
        values,
        objective,
        // No gap or bound: jslp reports no dual bound, so its "optimal" is a claim (robust.ts asks a
        // backend that proves its answers; see registry.ts).
        ...(integer ? nodes : {}),
        seconds: seconds(),
      };
    },

    fresh(): Promise<SolverBackend> {
      return createJslpBackend();
    },
  };
}
