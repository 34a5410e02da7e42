/**
 * CBC-specific regressions (the native `cbc` binary; skipped locally when it is missing, fails under CI).
 */
import { describe, expect, it } from "vitest";
import { cbcObjective, createCbcBackend } from "../../src/pipeline/backends/cbc.js";
import { backendInstalled } from "../../src/pipeline/backends/registry.js";
import { checkSolution } from "../../src/pipeline/backends/robust.js";
import { problem } from "./problems.js";

const run = backendInstalled("cbc") || Boolean(process.env.CI);

/**
 * The agreement property's counterexample (fast-check seed -1731077046): an integer column fixed at
 * 0 and an all-zero row, so CBC's preprocessing removes the whole model ("processed model has 0 rows,
 * 0 columns", "Postprocessing changed objective from -2 to -2.25"). The -saveSolution file then
 * carries the presolved objective -2 with the final values (0, 1, 1, 0.5), whose objective is -2.25.
 * min -0.5 x1 - 1.5 x2 - 0.5 x3 + 1.25, -x1 + x2 + x3 <= 0.5, 0 <= x <= 1, x0 integer fixed at 0 → -1.
 */
const presolvedAway = problem({
  columns: [
    { lower: 0, upper: 0, integer: true, cost: 0 },
    { lower: 0, upper: 1, cost: -0.5 },
    { lower: 0, upper: 1, cost: -1.5 },
    { lower: 0, upper: 1, cost: -0.5 },
  ],
  rows: [
    { entries: [[1, -1], [2, 1], [3, 1]], lower: -Infinity, upper: 0.5 },
    { entries: [], lower: -Infinity, upper: 0 },
  ],
  constant: 1.25,
});

describe.runIf(run)("cbc", () => {
  it("reports the objective of its values when preprocessing removes the whole model", async () => {
    const cbc = await createCbcBackend();
    const solution = await cbc.solve(presolvedAway, { mipRelativeGap: 0 });
    expect(solution.status).toBe("optimal");
    expect(solution.objective).toBeCloseTo(-1, 9);
    expect(solution.bound).toBeCloseTo(-1, 9);
    expect(Array.from(solution.values!)).toEqual([expect.closeTo(0, 9), expect.closeTo(1, 9), expect.closeTo(1, 9), expect.closeTo(0.5, 9)]);
    expect(checkSolution(presolvedAway, solution)).toBeUndefined();
    await cbc.close();
  });
});

describe("cbcObjective", () => {
  it("is cost·x plus the constant", () => {
    expect(cbcObjective(presolvedAway, [0, 1, 1, 0.5])).toBe(-1);
  });
});
