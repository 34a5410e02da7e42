/** Small hand-written LinearProblems for the solver tests. */
import type { LinearProblem } from "../../src/pipeline/lower/standard-form.js";

export const INF = Infinity;

export interface ProblemSpec {
  /** Column bounds [lower, upper]; name defaults to x<j>. */
  columns: { lower: number; upper: number; cost?: number; integer?: boolean; quadratic?: number; name?: string }[];
  /** Rows as sparse entries [column, value][] with bounds. */
  rows?: { entries: [number, number][]; lower: number; upper: number; name?: string }[];
  constant?: number;
}

export function problem(spec: ProblemSpec): LinearProblem {
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
    columnNames: spec.columns.map((c, j) => c.name ?? `x${j}`),
    columnLower: Float64Array.from(spec.columns.map((c) => c.lower)),
    columnUpper: Float64Array.from(spec.columns.map((c) => c.upper)),
    integer: Uint8Array.from(spec.columns.map((c) => (c.integer ? 1 : 0))),
    cost: Float64Array.from(spec.columns.map((c) => c.cost ?? 0)),
    ...(quadratic ? { quadratic } : {}),
    objectiveConstant: spec.constant ?? 0,
    rowNames: rows.map((r, i) => r.name ?? `c${i}`),
    rowStart: Int32Array.from(rowStart),
    rowIndex: Int32Array.from(rowIndex),
    rowValue: Float64Array.from(rowValue),
    rowLower: Float64Array.from(rows.map((r) => r.lower)),
    rowUpper: Float64Array.from(rows.map((r) => r.upper)),
  };
}

/** min x + 2y + 10, x + y >= 1, x <= 5 (x free below), y >= 0 → 11 at (1, 0). */
export const smallLp = problem({
  columns: [
    { lower: -INF, upper: 5, cost: 1 },
    { lower: 0, upper: INF, cost: 2 },
  ],
  rows: [{ entries: [[0, 1], [1, 1]], lower: 1, upper: INF }],
  constant: 10,
});

/** min -x - 2y + 5, x + y <= 3.5, x - y >= -1, x, y integer in [0, 10] → 0 at (1, 2). */
export const smallMip = problem({
  columns: [
    { lower: 0, upper: 10, cost: -1, integer: true },
    { lower: 0, upper: 10, cost: -2, integer: true },
  ],
  rows: [
    { entries: [[0, 1], [1, 1]], lower: -INF, upper: 3.5 },
    { entries: [[0, 1], [1, -1]], lower: -1, upper: INF },
  ],
  constant: 5,
});

/** x in [0, 1], x >= 2. */
export const infeasibleLp = problem({ columns: [{ lower: 0, upper: 1, cost: 1 }], rows: [{ entries: [[0, 1]], lower: 2, upper: INF }] });

/** Integer x in 1.2 <= x <= 1.8: the relaxation is feasible, the MIP is not. */
export const infeasibleMip = problem({ columns: [{ lower: 0, upper: INF, cost: 1, integer: true }], rows: [{ entries: [[0, 1]], lower: 1.2, upper: 1.8 }] });

/** min -x - y, x - y <= 1, x, y >= 0. */
export const unboundedLp = problem({
  columns: [
    { lower: 0, upper: INF, cost: -1 },
    { lower: 0, upper: INF, cost: -1 },
  ],
  rows: [{ entries: [[0, 1], [1, -1]], lower: -INF, upper: 1 }],
});

/** min -x, x integer >= 2. */
export const unboundedMip = problem({ columns: [{ lower: 0, upper: INF, cost: -1, integer: true }], rows: [{ entries: [[0, 1]], lower: 2, upper: INF }] });

/**
 * min x^2 + y^2 - 2x - 4y, x + y <= 1 (x, y free) → -3 at (0, 1).
 * Unconstrained optimum (1, 2) is cut off; the projection onto x + y = 1 is (0, 1).
 */
export const diagonalQp = problem({
  columns: [
    { lower: -INF, upper: INF, cost: -2, quadratic: 1 },
    { lower: -INF, upper: INF, cost: -4, quadratic: 1 },
  ],
  rows: [{ entries: [[0, 1], [1, 1]], lower: -INF, upper: 1 }],
});

/**
 * Every feature the writers must carry: ranged, equality, free and empty rows, negative, free, fixed
 * and upper-only bounds, general and binary integers, a constant, non-round numbers.
 * Optimum (HiGHS): see the round-trip test, which compares against HiGHS on the same problem.
 */
export const featureMip = problem({
  columns: [
    { lower: -3.25, upper: -0.5, cost: 1.1 }, // negative bounds
    { lower: -INF, upper: INF, cost: 0.3 }, // free
    { lower: 2.5, upper: 2.5, cost: 1 }, // fixed
    { lower: -INF, upper: 7, cost: -0.7 }, // upper only
    { lower: -4, upper: 6, cost: 1.9, integer: true }, // general integer with a negative lower bound
    { lower: 0, upper: 1, cost: -2.2, integer: true }, // binary
    { lower: 0, upper: INF, cost: 0.1 / 3 }, // default bounds, a cost that needs 17 digits
  ],
  rows: [
    { entries: [[0, 1], [1, 1], [4, 1]], lower: 1.5, upper: 4.75 }, // ranged
    { entries: [[1, 1], [3, 1], [6, -1]], lower: 3, upper: 3 }, // equality
    { entries: [[0, 2], [3, 1], [5, 3]], lower: -INF, upper: 8.125 }, // <=
    { entries: [[1, 1], [4, -1], [6, 1]], lower: -2, upper: INF }, // >=
    { entries: [[2, 1], [3, 1]], lower: -INF, upper: INF }, // free row
    { entries: [[0, -1], [6, 1], [4, 2]], lower: -1e3, upper: 1e3 / 7 }, // ranged, a bound that needs 17 digits
    { entries: [[3, 1], [5, -1]], lower: -5, upper: 1 }, // ranged
  ],
  constant: 12.345,
});

/** The same feature set, continuous (integrality dropped). */
export const featureLp: LinearProblem = { ...featureMip, integer: new Uint8Array(featureMip.integer.length) };

/** One row sum x >= B over n columns in [0, 1] with costs 1 + j/n: the 10^5-column benchmark shape. */
export function sumProblem(n: number, budget: number): LinearProblem {
  const cost = new Float64Array(n);
  for (let j = 0; j < n; j++) cost[j] = 1 + j / n;
  const rowIndex = new Int32Array(n);
  for (let j = 0; j < n; j++) rowIndex[j] = j;
  return {
    columnNames: Array.from({ length: n }, (_, j) => `h${j}`),
    columnLower: new Float64Array(n),
    columnUpper: new Float64Array(n).fill(1),
    integer: new Uint8Array(n),
    cost,
    objectiveConstant: 0,
    rowNames: ["budget"],
    rowStart: Int32Array.from([0, n]),
    rowIndex,
    rowValue: new Float64Array(n).fill(1),
    rowLower: Float64Array.from([budget]),
    rowUpper: Float64Array.from([Infinity]),
  };
}

/**
 * A feasible, unbounded LP (x = (4t, 0, t) for t → ∞ improves without end) that HiGHS 1.15.1 with
 * presolve on declares infeasible; found by a random cross-check against GLPK and jslp.
 */
export const presolveTrapLp = problem({
  columns: [
    { lower: -INF, upper: INF, cost: -4.5 },
    { lower: -INF, upper: 8, cost: 4.5 },
    { lower: -INF, upper: INF, cost: 0 },
  ],
  rows: [
    { entries: [[0, -1], [1, -3], [2, 3]], lower: -INF, upper: 7 },
    { entries: [[0, -4], [1, 2], [2, -4]], lower: -INF, upper: 6 },
    { entries: [[0, 1], [1, 4], [2, -4]], lower: -INF, upper: 4 },
    { entries: [[0, -3], [1, -1], [2, -2]], lower: -INF, upper: 5 },
    { entries: [[0, 3], [1, -1], [2, 1]], lower: -INF, upper: INF },
  ],
  constant: 0.5,
});

/**
 * A convex QP from the convex-quadratic model's second stage on which HiGHS 1.15.1's QP solver stops
 * with "solve error" unless the objective is scaled by at least 2^13. Rows 6–10 with row 12 force
 * x_j = cap_j · t for j < 5 (t = 0.186056339028169, sum cap_j · t = 26.42), so the optimum is
 * sum q_j (cap_j t)^2.
 */
export const qpScaleTrap = problem({
  columns: [
    { lower: 0, upper: 24, quadratic: 0.001577088064597527 },
    { lower: 0, upper: 19, quadratic: 0.001992111239491613 },
    { lower: 0, upper: 35, quadratic: 0.0010814318157240184 },
    { lower: 0, upper: 27, quadratic: 0.001401856057420024 },
    { lower: 0, upper: 37, quadratic: 0.0010229760419010986 },
    { lower: 0, upper: 10 },
    { lower: 0, upper: 14 },
    { lower: 0, upper: 10 },
    { lower: 0, upper: 9 },
    { lower: 0, upper: 35 },
    { lower: 0, upper: 0 },
    { lower: 0, upper: 10 },
    { lower: 0, upper: 17 },
    { lower: 0, upper: 37 },
    { lower: 0, upper: 0 },
    { lower: 0, upper: 1 },
  ],
  rows: [
    { entries: [[0, 1], [5, -1], [6, -1]], lower: 0, upper: 0 },
    { entries: [[1, 1], [7, -1], [8, -1]], lower: 0, upper: 0 },
    { entries: [[2, 1], [9, -1], [10, -1]], lower: 0, upper: 0 },
    { entries: [[3, 1], [11, -1], [12, -1]], lower: 0, upper: 0 },
    { entries: [[4, 1], [13, -1], [14, -1]], lower: 0, upper: 0 },
    { entries: [[0, 1], [1, 1], [2, 1], [3, 1], [4, 1]], lower: 26.42, upper: INF },
    { entries: [[0, 1], [15, -24]], lower: -INF, upper: 0 },
    { entries: [[1, 1], [15, -19]], lower: -INF, upper: 0 },
    { entries: [[2, 1], [15, -35]], lower: -INF, upper: 0 },
    { entries: [[3, 1], [15, -27]], lower: -INF, upper: 0 },
    { entries: [[4, 1], [15, -37]], lower: -INF, upper: 0 },
    { entries: [[6, 1], [8, 1], [10, 1], [12, 1], [14, 1]], lower: -INF, upper: 1e-9 },
    { entries: [[15, 1]], lower: -INF, upper: 0.186056339028169 },
  ],
});

/**
 * A MIP on which HiGHS 1.15.1 (with a 1e-7 MIP feasibility tolerance and presolve) fails with "run
 * failed"; it solves without presolve. The equality's right-hand side sits 2.9e-7 off a lattice
 * point, so the answer depends on feasibility tolerances: only feasibility within ours is checked.
 */
export const mipRunFailureTrap = problem({
  columns: [
    { lower: -5, upper: 1, cost: -1.5 },
    { lower: -3, upper: 3, cost: 0.5, integer: true },
    { lower: -5, upper: 1, integer: true },
    { lower: 0, upper: 8, cost: 0.5 },
  ],
  rows: [{ entries: [[0, 2], [2, -4]], lower: 10.000000292591219, upper: 10.000000292591219 }],
  constant: 1.25,
});
