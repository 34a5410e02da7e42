/**
 * The backend conformance suite (MathOptInterface's `Test` idea): small problems with known answers
 * that every SolverBackend, ours or a third party's, must answer right: LP and MIP optima with values
 * precise to the checks' 1e-9 relative tolerance, infeasible and unbounded verdicts (a MIP whose
 * relaxation is feasible but not the MIP, one whose relaxation is unbounded), contradictory bounds,
 * an equality with no objective, a problem with no columns, an honest quadratic declaration, and the
 * proof contract: a backend that declares a dual bound reports a closed gap at a proven MIP optimum;
 * one that does not never reports a bound or gap.
 *
 * Runner-neutral: each case throws ConformanceFailure; `runBackendConformance` runs them all and
 * returns a report, and a test file can make one test per case from `backendConformanceCases()`.
 */
import type { LinearProblem } from "../lower/standard-form.js";
import type { SolverBackend, SolverSolution } from "./backend.js";
import { backendEntry } from "./registry.js";
import { checkSolution } from "./robust.js";

/** A case's expectation did not hold. */
export class ConformanceFailure extends Error {
  constructor(
    readonly caseName: string,
    message: string,
  ) {
    super(`${caseName}: ${message}`);
    this.name = "ConformanceFailure";
  }
}

export interface ConformanceCase {
  readonly name: string;
  /** Runs the case on `backend`; throws ConformanceFailure (or the backend's own error) on a failure. */
  run(backend: SolverBackend): Promise<void>;
}

export interface ConformanceReport {
  readonly backend: string;
  readonly passed: readonly string[];
  readonly failed: readonly { readonly name: string; readonly message: string }[];
  readonly excluded: readonly string[];
}

const INF = Infinity;

interface Spec {
  columns: { lower: number; upper: number; cost?: number; integer?: boolean; quadratic?: number }[];
  rows?: { entries: [number, number][]; lower: number; upper: number }[];
  constant?: number;
}

function build(spec: Spec): LinearProblem {
  const rows = spec.rows ?? [];
  const rowStart = [0];
  const rowIndex: number[] = [];
  const rowValue: number[] = [];
  for (const row of rows) {
    for (const [j, a] of row.entries) {
      rowIndex.push(j);
      rowValue.push(a);
    }
    rowStart.push(rowIndex.length);
  }
  const quadratic = spec.columns.some((c) => c.quadratic !== undefined) ? Float64Array.from(spec.columns.map((c) => c.quadratic ?? 0)) : undefined;
  return {
    columnNames: spec.columns.map((_, j) => `x${j}`),
    columnLower: Float64Array.from(spec.columns.map((c) => c.lower)),
    columnUpper: Float64Array.from(spec.columns.map((c) => c.upper)),
    integer: Uint8Array.from(spec.columns.map((c) => (c.integer ? 1 : 0))),
    cost: Float64Array.from(spec.columns.map((c) => c.cost ?? 0)),
    ...(quadratic ? { quadratic } : {}),
    objectiveConstant: spec.constant ?? 0,
    rowNames: rows.map((_, i) => `c${i}`),
    rowStart: Int32Array.from(rowStart),
    rowIndex: Int32Array.from(rowIndex),
    rowValue: Float64Array.from(rowValue),
    rowLower: Float64Array.from(rows.map((r) => r.lower)),
    rowUpper: Float64Array.from(rows.map((r) => r.upper)),
  };
}

/** min x + 2y + 10, x + y >= 1, x <= 5 (free below), y >= 0 → 11 at (1, 0). */
const smallLp = build({ columns: [{ lower: -INF, upper: 5, cost: 1 }, { lower: 0, upper: INF, cost: 2 }], rows: [{ entries: [[0, 1], [1, 1]], lower: 1, upper: INF }], constant: 10 });
/** min -x - 2y + 5, x + y <= 3.5, x - y >= -1, integers in [0, 10] → 0 at (1, 2). */
const smallMip = build({
  columns: [{ lower: 0, upper: 10, cost: -1, integer: true }, { lower: 0, upper: 10, cost: -2, integer: true }],
  rows: [{ entries: [[0, 1], [1, 1]], lower: -INF, upper: 3.5 }, { entries: [[0, 1], [1, -1]], lower: -1, upper: INF }],
  constant: 5,
});
/**
 * A money-like MIP whose continuous value needs 12 digits (a solver that prints 8 fails the row check):
 * min h + 4000 k, 2.000000001 h + 1000 k >= 7123.456789123, k integer in [0, 3] → k = 0 (each k saves
 * less than 500 of h for a cost of 4000), h = 7123.456789123 / 2.000000001.
 */
const preciseMip = build({
  columns: [{ lower: 0, upper: 1e4, cost: 1 }, { lower: 0, upper: 3, cost: 4000, integer: true }],
  rows: [{ entries: [[0, 2.000000001], [1, 1000]], lower: 7123.456789123, upper: INF }],
});
const infeasibleLp = build({ columns: [{ lower: 0, upper: 1, cost: 1 }], rows: [{ entries: [[0, 1]], lower: 2, upper: INF }] });
/** Integer x in [1.2, 1.8]: the relaxation is feasible, the MIP is not. */
const infeasibleMip = build({ columns: [{ lower: 0, upper: INF, cost: 1, integer: true }], rows: [{ entries: [[0, 1]], lower: 1.2, upper: 1.8 }] });
const unboundedLp = build({ columns: [{ lower: 0, upper: INF, cost: -1 }, { lower: 0, upper: INF, cost: -1 }], rows: [{ entries: [[0, 1], [1, -1]], lower: -INF, upper: 1 }] });
const unboundedMip = build({ columns: [{ lower: 0, upper: INF, cost: -1, integer: true }], rows: [{ entries: [[0, 1]], lower: 2, upper: INF }] });
const crossed = build({ columns: [{ lower: 2, upper: 1, cost: 1 }], rows: [{ entries: [[0, 1]], lower: 0, upper: INF }] });
const equality = build({ columns: [{ lower: 0, upper: 4 }, { lower: -2, upper: 3 }], rows: [{ entries: [[0, 1], [1, 1]], lower: 2.5, upper: 2.5 }] });
/** min x^2 + y^2 - 2x - 4y, x + y <= 1 → -3 at (0, 1). */
const diagonalQp = build({ columns: [{ lower: -INF, upper: INF, cost: -2, quadratic: 1 }, { lower: -INF, upper: INF, cost: -4, quadratic: 1 }], rows: [{ entries: [[0, 1], [1, 1]], lower: -INF, upper: 1 }] });
const emptyFeasible = build({ columns: [], rows: [{ entries: [], lower: -1, upper: 1 }], constant: 2.5 });
const emptyInfeasible = build({ columns: [], rows: [{ entries: [], lower: 1, upper: 2 }] });

function close(a: number | undefined, b: number, relative = 1e-9): boolean {
  return a !== undefined && Math.abs(a - b) <= relative * Math.max(1, Math.abs(b));
}

function expectStatus(name: string, solution: SolverSolution, status: SolverSolution["status"]): void {
  if (solution.status !== status) throw new ConformanceFailure(name, `status ${solution.status}, expected ${status}`);
}

function expectOptimum(name: string, problem: LinearProblem, solution: SolverSolution, objective: number, values?: readonly number[], relative = 1e-9): void {
  expectStatus(name, solution, "optimal");
  const garbage = checkSolution(problem, solution);
  if (garbage !== undefined) throw new ConformanceFailure(name, `the answer fails the standard check: ${garbage}`);
  if (!close(solution.objective, objective, relative)) throw new ConformanceFailure(name, `objective ${solution.objective}, expected ${objective}`);
  values?.forEach((value, j) => {
    if (!close(solution.values![j], value, relative)) throw new ConformanceFailure(name, `column ${j} = ${solution.values![j]}, expected ${value}`);
  });
}

/** Whether the backend declares a dual bound: its own capability, else its registry row. */
function declaresBound(backend: SolverBackend): boolean {
  return backend.capabilities.dualBound ?? backendEntry(backend.name)?.capabilities.dualBound ?? false;
}

/** Every case, in order. Names are stable: `exclude` takes them. */
export function backendConformanceCases(): readonly ConformanceCase[] {
  const solveCase = (name: string, problem: LinearProblem, check: (solution: SolverSolution, backend: SolverBackend) => void, options = {}): ConformanceCase => ({
    name,
    async run(backend) {
      const solution = await backend.solve(problem, options);
      if (solution.backend !== backend.name) throw new ConformanceFailure(name, `answer names backend ${solution.backend}, not ${backend.name}`);
      if (!(solution.seconds >= 0)) throw new ConformanceFailure(name, `seconds ${solution.seconds}`);
      check(solution, backend);
    },
  });
  return [
    {
      name: "declares a name and a version",
      async run(backend) {
        if (typeof backend.name !== "string" || backend.name.length === 0) throw new ConformanceFailure(this.name, "no name");
        if (!/\d+\.\d+/.test(backend.version)) throw new ConformanceFailure(this.name, `version "${backend.version}" has no number`);
      },
    },
    solveCase("LP optimum (free-below column, constant)", smallLp, (s) => expectOptimum("LP optimum (free-below column, constant)", smallLp, s, 11, [1, 0])),
    solveCase("MIP optimum", smallMip, (s) => expectOptimum("MIP optimum", smallMip, s, 0, [1, 2]), { mipRelativeGap: 0 }),
    solveCase("MIP optimum with values to 12 digits", preciseMip, (s) => expectOptimum("MIP optimum with values to 12 digits", preciseMip, s, 7123.456789123 / 2.000000001, [7123.456789123 / 2.000000001, 0])),
    solveCase("infeasible LP", infeasibleLp, (s) => expectStatus("infeasible LP", s, "infeasible")),
    solveCase("infeasible MIP with a feasible relaxation", infeasibleMip, (s) => expectStatus("infeasible MIP with a feasible relaxation", s, "infeasible")),
    solveCase("unbounded LP", unboundedLp, (s) => expectStatus("unbounded LP", s, "unbounded")),
    solveCase("unbounded MIP", unboundedMip, (s) => expectStatus("unbounded MIP", s, "unbounded")),
    solveCase("contradictory bounds are infeasible", crossed, (s) => expectStatus("contradictory bounds are infeasible", s, "infeasible")),
    solveCase("equality row, no objective", equality, (s) => expectOptimum("equality row, no objective", equality, s, 0)),
    solveCase("no columns, feasible", emptyFeasible, (s) => expectOptimum("no columns, feasible", emptyFeasible, s, 2.5)),
    solveCase("no columns, infeasible", emptyInfeasible, (s) => expectStatus("no columns, infeasible", s, "infeasible")),
    {
      name: "declares quadratic support honestly",
      async run(backend) {
        if (backend.capabilities.quadratic) {
          // A QP solver (interior point, active set) answers to about 1e-6, not to the last digit.
          expectOptimum(this.name, diagonalQp, await backend.solve(diagonalQp, {}), -3, [0, 1], 1e-6);
          return;
        }
        let threw = false;
        try {
          await backend.solve(diagonalQp, {});
        } catch {
          threw = true;
        }
        if (!threw) throw new ConformanceFailure(this.name, "declares no quadratic support but did not refuse a QP");
      },
    },
    solveCase("proof contract: a bound only from a backend that has one", smallMip, (s, backend) => {
      const name = "proof contract: a bound only from a backend that has one";
      if (declaresBound(backend)) {
        // A proven MIP optimum: the gap, where reported, is closed; a reported bound is at most the objective.
        if (s.gap !== undefined && s.gap > 1e-9) throw new ConformanceFailure(name, `optimal with gap ${s.gap}`);
        if (s.bound !== undefined && s.bound > s.objective! + 1e-9 * Math.max(1, Math.abs(s.objective!))) throw new ConformanceFailure(name, `bound ${s.bound} above the objective ${s.objective}`);
      } else if (s.gap !== undefined || s.bound !== undefined) {
        throw new ConformanceFailure(name, `no dual bound is declared, yet the answer reports gap ${s.gap} and bound ${s.bound}`);
      }
    }),
  ];
}

/**
 * Runs each case (except those named in `exclude`) on `subject`, collecting which passed and which
 * failed with the reason; never throws for a failing case. Shared by the backends' suite and the
 * heuristics' (src/mechanism/conformance.ts). O(cases).
 */
export async function runConformanceCases<T>(
  cases: readonly { readonly name: string; run(subject: T): Promise<void> }[],
  subject: T,
  exclude: readonly string[] = [],
): Promise<{ passed: string[]; failed: { name: string; message: string }[]; excluded: string[] }> {
  const excluded = new Set(exclude);
  const passed: string[] = [];
  const failed: { name: string; message: string }[] = [];
  for (const test of cases) {
    if (excluded.has(test.name)) continue;
    try {
      await test.run(subject);
      passed.push(test.name);
    } catch (error) {
      failed.push({ name: test.name, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return { passed, failed, excluded: [...excluded] };
}

/**
 * Runs every conformance case (except those named in `exclude`) on a backend from `factory`, and
 * reports which passed and which failed (with the reason). Never throws for a failing case.
 */
export async function runBackendConformance(factory: () => Promise<SolverBackend> | SolverBackend, options: { exclude?: readonly string[] } = {}): Promise<ConformanceReport> {
  const backend = await factory();
  return { backend: backend.name, ...(await runConformanceCases(backendConformanceCases(), backend, options.exclude)) };
}
