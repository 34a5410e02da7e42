/**
 * Each backend, in process and hosted in its worker, on small problems with known answers.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { SolverBackend } from "../../src/pipeline/backends/backend.js";
import { createHighsBackend, IPM_COLUMNS } from "../../src/pipeline/backends/highs.js";
import { backendInstalled, backendNames, backendRegistry } from "../../src/pipeline/backends/registry.js";
import { checkSolution, closeBackends, getBackend } from "../../src/pipeline/backends/robust.js";
import {
  diagonalQp,
  infeasibleLp,
  infeasibleMip,
  mipRunFailureTrap,
  presolveTrapLp,
  problem,
  qpScaleTrap,
  smallLp,
  smallMip,
  sumProblem,
  unboundedLp,
  unboundedMip,
  INF,
} from "./problems.js";

afterAll(async () => {
  await closeBackends();
});

const ci = Boolean(process.env.CI);
/** Registered backends whose code is here; a missing binary (cbc) is skipped locally and fails under CI. */
const present = backendNames.filter((name) => backendInstalled(name) || ci);
for (const entry of backendRegistry) {
  if (!present.includes(entry.name) && entry.source.kind === "binary") console.warn(`${entry.source.command} is not installed (apt-get install ${entry.source.debianPackage}): its backend tests are skipped`);
}
const factories = (name: (typeof backendNames)[number]): Promise<SolverBackend> => getBackend(name, { inProcess: true });

describe.each(present)("%s", (name) => {
  const backend = factories(name);
  // Each test awaits the backend; an unhandled rejection before the first would fail the file, not the test.
  backend.catch(() => undefined);

  it("solves an LP (free-below column, constant) to its optimum", async () => {
    const solution = await (await backend).solve(smallLp, {});
    expect(solution.status).toBe("optimal");
    expect(solution.objective).toBeCloseTo(11, 9);
    expect(Array.from(solution.values!)).toEqual([expect.closeTo(1, 9), expect.closeTo(0, 9)]);
    expect(checkSolution(smallLp, solution)).toBeUndefined();
    expect(solution.backend).toBe(name);
    expect(solution.version).toMatch(/\d+\.\d+/);
    expect(solution.seconds).toBeGreaterThanOrEqual(0);
  });

  it("solves a MIP to its optimum", async () => {
    const solution = await (await backend).solve(smallMip, { mipRelativeGap: 0 });
    expect(solution.status).toBe("optimal");
    expect(solution.objective).toBeCloseTo(0, 9);
    expect(Array.from(solution.values!)).toEqual([expect.closeTo(1, 9), expect.closeTo(2, 9)]);
    expect(checkSolution(smallMip, solution)).toBeUndefined();
  });

  it("reports infeasible LPs and MIPs", async () => {
    expect((await (await backend).solve(infeasibleLp, {})).status).toBe("infeasible");
    expect((await (await backend).solve(infeasibleMip, {})).status).toBe("infeasible");
  });

  it("reports unbounded LPs and MIPs", async () => {
    expect((await (await backend).solve(unboundedLp, {})).status).toBe("unbounded");
    expect((await (await backend).solve(unboundedMip, {})).status).toBe("unbounded");
  });

  it("does not call an unbounded LP with free columns infeasible (a HiGHS presolve trap)", async () => {
    expect((await (await backend).solve(presolveTrapLp, {})).status).toBe("unbounded");
  });

  it("treats contradictory bounds as infeasibility", async () => {
    const crossed = problem({ columns: [{ lower: 2, upper: 1, cost: 1 }], rows: [{ entries: [[0, 1]], lower: 0, upper: INF }] });
    expect((await (await backend).solve(crossed, {})).status).toBe("infeasible");
  });

  it("handles an empty objective and an equality row", async () => {
    const p = problem({
      columns: [
        { lower: 0, upper: 4 },
        { lower: -2, upper: 3 },
      ],
      rows: [{ entries: [[0, 1], [1, 1]], lower: 2.5, upper: 2.5 }],
    });
    const solution = await (await backend).solve(p, {});
    expect(solution.status).toBe("optimal");
    expect(solution.objective).toBeCloseTo(0, 12);
    expect(checkSolution(p, solution)).toBeUndefined();
  });

  it(`declares quadratic support honestly`, async () => {
    const b = await backend;
    if (b.capabilities.quadratic) {
      const solution = await b.solve(diagonalQp, {});
      expect(solution.status).toBe("optimal");
      expect(solution.objective).toBeCloseTo(-3, 6);
      expect(solution.values![0]).toBeCloseTo(0, 6);
      expect(solution.values![1]).toBeCloseTo(1, 6);
      expect(checkSolution(diagonalQp, solution)).toBeUndefined();
    } else {
      await expect(b.solve(diagonalQp, {})).rejects.toThrow(/quadratic/);
    }
  });

  it("answers the same from its worker", async () => {
    const hosted = await getBackend(name);
    expect(hosted.name).toBe(name);
    expect(hosted.version).toBe((await backend).version);
    const solution = await hosted.solve(smallMip, { timeLimitSeconds: 10 });
    expect(solution.status).toBe("optimal");
    expect(solution.values).toBeInstanceOf(Float64Array);
    expect(solution.objective).toBeCloseTo(0, 9);
  });
});

describe("highs details", () => {
  it("reports MIP gap, bound and nodes", async () => {
    const solution = await (await createHighsBackend()).solve(smallMip, {});
    expect(solution.gap).toBe(0);
    expect(solution.bound).toBeCloseTo(0, 9);
    expect(solution.nodes).toBeGreaterThanOrEqual(0);
  });

  it("recovers from its QP solver's failure by scaling the objective", async () => {
    const solution = await (await createHighsBackend()).solve(qpScaleTrap, {});
    expect(solution.status).toBe("optimal");
    expect(checkSolution(qpScaleTrap, solution)).toBeUndefined();
    const t = 0.186056339028169;
    const caps = [24, 19, 35, 27, 37];
    const expected = caps.reduce((sum, cap, j) => sum + qpScaleTrap.quadratic![j]! * (cap * t) ** 2, 0);
    expect(solution.objective).toBeCloseTo(expected, 7);
  });

  it("recovers from a failed MIP run by solving without presolve", async () => {
    const solution = await (await createHighsBackend()).solve(mipRunFailureTrap, {});
    expect(solution.status).toBe("optimal");
    expect(checkSolution(mipRunFailureTrap, solution)).toBeUndefined();
  });

  it(`solves an LP of ${IPM_COLUMNS} columns by interior point with crossover, to the greedy optimum`, async () => {
    const n = IPM_COLUMNS;
    const budget = 5000.5;
    const lp = sumProblem(n, budget);
    const solution = await (await createHighsBackend()).solve(lp, {});
    // Oracle: the cheapest columns first (costs 1 + j/n increase with j), the marginal one in part.
    let expected = 0;
    for (let j = 0; j < 5000; j++) expected += 1 + j / n;
    expected += 0.5 * (1 + 5000 / n);
    expect(solution.status).toBe("optimal");
    expect(checkSolution(lp, solution)).toBeUndefined();
    expect(Math.abs(solution.objective! - expected)).toBeLessThanOrEqual(1e-9 * expected);
    // Crossover leaves a vertex: every column at a bound but the marginal one.
    const interior = Array.from(solution.values!).filter((v) => v > 1e-9 && v < 1 - 1e-9);
    expect(interior.length).toBeLessThanOrEqual(1);
  });

  it("refuses a quadratic objective with integer columns", async () => {
    const miqp = { ...diagonalQp, integer: Uint8Array.from([1, 0]) };
    await expect((await createHighsBackend()).solve(miqp, {})).rejects.toThrow(/MIQP/);
  });
});

describe("no columns", () => {
  it.each(present)("%s: optimal at the constant, or infeasible if a row excludes 0", async (name) => {
    const backend = await factories(name);
    const empty = problem({ columns: [], rows: [{ entries: [], lower: -1, upper: 1 }], constant: 2.5 });
    const solution = await backend.solve(empty, {});
    expect(solution).toMatchObject({ status: "optimal", objective: 2.5 });
    expect(solution.values).toHaveLength(0);
    const impossible = problem({ columns: [], rows: [{ entries: [], lower: 1, upper: 2 }] });
    expect((await backend.solve(impossible, {})).status).toBe("infeasible");
  });
});
