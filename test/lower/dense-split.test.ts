/**
 * Large pure LPs are lowered without dense rows or columns (compile.ts's coverage blocks, minmax.ts's
 * chained level copies), and HiGHS starts simplex from the basis of the dedicated answer's vertex
 * (highs.ts vertexBasis): the same optimum as the closed form, proven by the solver.
 */
import { describe, expect, it } from "vitest";
import { vertexBasis } from "../../src/pipeline/backends/highs.js";
import { checkSolution } from "../../src/pipeline/backends/robust.js";
import { solveDedicated } from "../../src/pipeline/exact/index.js";
import { lowerWave } from "../../src/pipeline/lower/compile.js";
import { LEVEL_BLOCK, SPLIT_ABOVE } from "../../src/pipeline/objectives/minmax.js";
import { solveWave, stageProblem } from "../../src/pipeline/solve/solve.js";
import { makeWave } from "../exact/make-wave.js";
import type { LinearProblem } from "../../src/pipeline/lower/standard-form.js";

/** n accounts of capacities 1 .. n, pro-rata (minmax on capacity), optionally under an alpha cap. */
function proRata(n: number, budget: number, alpha?: number) {
  const capacity = Array.from({ length: n }, (_, i) => i + 1);
  return makeWave({ capacity, budget, objectives: [{ kind: "minmax" }], ...(alpha !== undefined ? { alpha } : {}) });
}

function longestRow(problem: LinearProblem): number {
  let most = 0;
  for (let r = 0; r < problem.rowLower.length; r++) most = Math.max(most, problem.rowStart[r + 1]! - problem.rowStart[r]!);
  return most;
}

function longestColumn(problem: LinearProblem): number {
  const count = new Int32Array(problem.columnLower.length);
  for (const j of problem.rowIndex) count[j]!++;
  return Math.max(...count);
}

describe("dense rows and columns of large LPs", () => {
  it("splits the coverage row and the level column past SPLIT_ABOVE accounts; rows and columns stay short", () => {
    const n = SPLIT_ABOVE + 1000;
    const lowered = lowerWave(proRata(n, 1e6));
    const problem = stageProblem(lowered.base, [], lowered.stages[0]!);
    // The block rows (LEVEL_BLOCK haircuts and their partial sum) and the coverage row over the partial sums.
    expect(longestRow(problem)).toBeLessThanOrEqual(Math.max(LEVEL_BLOCK + 1, Math.ceil(n / LEVEL_BLOCK)));
    expect(longestColumn(problem)).toBeLessThanOrEqual(LEVEL_BLOCK + 2);
    // Below the threshold the lowering is the plain one (what exported small models show).
    const small = lowerWave(proRata(100, 1000));
    expect(small.base.columnNames.some((name) => name.startsWith("cover_") || /^t_0_/.test(name))).toBe(false);
  });

  it("the lifted dedicated answer satisfies the split rows, and its vertex defines a full basis", () => {
    const wave = proRata(SPLIT_ABOVE + 1000, 2e6, 0.5);
    const lowered = lowerWave(wave);
    const problem = stageProblem(lowered.base, [], lowered.stages[0]!);
    const start = lowered.lift(solveDedicated(wave)!.allocation);
    expect(checkSolution(problem, { status: "feasible", values: start, backend: "highs", version: "", seconds: 0 })).toBeUndefined();
    const basis = vertexBasis(problem, start)!;
    let basic = 0;
    for (const status of basis.colStatus) if (status === 1) basic++;
    for (const status of basis.rowStatus) if (status === 1) basic++;
    expect(basic).toBe(problem.rowLower.length);
  });

  it("solves 25,000-account min-max LPs to their closed forms, proven optimal by HiGHS", async () => {
    const n = 25_000;
    const total = (n * (n + 1)) / 2;
    // Pro-rata with B = 30% of the capacity: every fraction is 0.3.
    const proportional = await solveWave(proRata(n, 0.3 * total), { path: "mip", timeLimitSeconds: 120 });
    expect(proportional.status).toBe("optimal");
    expect(proportional.path).toBe("mip:highs");
    expect(proportional.objective[0]).toBeCloseTo(0.3, 9);
    // Equal haircuts (scale 1), capacities 1 .. n: at level L = 10,000 the accounts below it give all
    // they have, sum_{i < L} i + (n - L + 1) L = 49,995,000 + 150,010,000 = B.
    const capacity = Array.from({ length: n }, (_, i) => i + 1);
    const equal = makeWave({ capacity, budget: 200_005_000, objectives: [{ kind: "minmax", scale: new Array<number>(n).fill(1) }] });
    const result = await solveWave(equal, { path: "mip", timeLimitSeconds: 120 });
    expect(result.status).toBe("optimal");
    expect(result.objective[0]).toBeCloseTo(10_000, 4);
    expect(result.verified?.ok).toBe(true);
  });
});

describe("vertexBasis", () => {
  /** min x0 + x1 s.t. x0 + x1 >= 1, x0 - x1 <= 0, 0 <= x <= 1. */
  const problem: LinearProblem = {
    columnNames: ["x0", "x1"],
    columnLower: Float64Array.from([0, 0]),
    columnUpper: Float64Array.from([1, 1]),
    integer: Uint8Array.from([0, 0]),
    cost: Float64Array.from([1, 1]),
    objectiveConstant: 0,
    rowNames: ["cover", "order"],
    rowStart: Int32Array.from([0, 2, 4]),
    rowIndex: Int32Array.from([0, 1, 0, 1]),
    rowValue: Float64Array.from([1, 1, 1, -1]),
    rowLower: Float64Array.from([1, -Infinity]),
    rowUpper: Float64Array.from([Infinity, 0]),
  } as LinearProblem;

  it("marks columns between their bounds basic and tight rows nonbasic at the bound they meet", () => {
    const basis = vertexBasis(problem, [0.5, 0.5])!;
    expect(Array.from(basis.colStatus)).toEqual([1, 1]);
    expect(Array.from(basis.rowStatus)).toEqual([0, 2]);
  });

  it("completes a degenerate vertex with tight rows, and refuses one with too many basic entries", () => {
    // x = (0, 1): both columns at bounds, both rows... cover tight (1), order slack (-1): 1 basic of 2 -> cover made basic.
    const basis = vertexBasis(problem, [0, 1])!;
    expect(Array.from(basis.colStatus)).toEqual([0, 2]);
    expect(Array.from(basis.rowStatus)).toEqual([1, 1]);
    // (0.3, 0.9): both columns and both rows strictly inside: 4 basic entries for 2 rows.
    expect(vertexBasis(problem, [0.3, 0.9])).toBeUndefined();
  });
});
