/** The solve pipeline never takes a solver's word: injected faulty backends and what the answer says. */
import { afterAll, describe, expect, it } from "vitest";
import type { LinearProblem } from "../../src/pipeline/lower/standard-form.js";
import type { SolverBackend, SolveOptions } from "../../src/pipeline/backends/backend.js";
import { closeBackends, getBackend } from "../../src/pipeline/backends/robust.js";
import { loadWaveFromFiles } from "../../src/pipeline/solve/inputs.js";
import { solveWave } from "../../src/pipeline/solve/solve.js";

afterAll(async () => {
  await closeBackends();
});

async function wrapped(change: (solution: Awaited<ReturnType<SolverBackend["solve"]>>) => Awaited<ReturnType<SolverBackend["solve"]>>): Promise<SolverBackend> {
  const real = await getBackend("highs", { inProcess: true });
  const fake: SolverBackend & { fresh(): Promise<SolverBackend> } = {
    ...real,
    name: "highs",
    solve: async (problem: LinearProblem, options: SolveOptions) => change(await real.solve(problem, options)),
    // A "fresh instance" of a faulty backend is just as faulty.
    fresh: async () => fake,
  };
  return fake;
}

const wave = () => loadWaveFromFiles({ model: "models/queue-l0.yaml", accounts: "examples/worked-example-pnl.csv", budget: 7.5 });
// The faulty backends below are asked only without the structure rows: with them the MIP start
// meets the greedy's floor and the sparsity stage is proven before any backend is called.

describe("solveWave with a backend that misreports", () => {
  it("an 'optimal' whose own bound leaves a gap is reported as feasible, not optimal", async () => {
    const liar = await wrapped((solution) => ({ ...solution, gap: 3.6 }));
    const result = await solveWave(wave(), { path: "mip", lower: { structure: false }, backends: { highs: liar }, fallbacks: [] });
    expect(result.status).toBe("feasible");
    expect(result.stages[0]?.gap).toBe(3.6);
    expect(result.solver.attempts[0]?.proved).toMatch(/claims optimal but its own bound leaves a relative gap of 3.6/);
    expect(result.verified?.ok).toBe(true);
  });

  it("a wrong vector claimed optimal is caught, retried and answered by the next backend", async () => {
    const wrong = await wrapped((solution) => ({ ...solution, values: solution.values!.map(() => 0) }));
    const result = await solveWave(wave(), { path: "mip", lower: { structure: false }, backends: { highs: wrong }, fallbacks: ["glpk"] });
    expect(result.status).toBe("optimal");
    expect(result.solver.name).toBe("glpk");
    expect(result.solver.attempts.map((a) => a.outcome)).toEqual(["garbage", "garbage", "ok"]);
    expect(result.objective).toEqual([1]);
  });
});

describe("the gap of a time-limited answer", () => {
  it("is the gap the solver proved, or null when it proved none: never 0 without a bound", async () => {
    // A limit hit with an incumbent and no bound reported (what a time-limited solve may return).
    const limited = await wrapped((solution) => {
      const { gap: _gap, bound: _bound, ...rest } = solution;
      void _gap;
      void _bound;
      return { ...rest, status: "feasible" };
    });
    const unknown = await solveWave(wave(), { path: "mip", lower: { structure: false }, backends: { highs: limited }, fallbacks: [] });
    expect(unknown.status).toBe("feasible");
    expect(unknown.message).toMatch(/gap unknown/);
    expect(unknown.solver.gap).toBeNull();

    const bounded = await wrapped((solution) => ({ ...solution, status: "feasible", gap: 0.25, bound: solution.objective! * 0.75 }));
    const proved = await solveWave(wave(), { path: "mip", lower: { structure: false }, backends: { highs: bounded }, fallbacks: [] });
    expect(proved.status).toBe("feasible");
    expect(proved.solver.gap).toBe(0.25);
  });
});

describe("a feasible but suboptimal vector claimed optimal", () => {
  it("is refuted by the dedicated algorithm's verified allocation and reported as feasible", async () => {
    const { lowerWave } = await import("../../src/pipeline/lower/compile.js");
    const { scaleUnits, unitFactor } = await import("../../src/pipeline/solve/units.js");
    const queueWave = wave();
    // Every account touched: feasible for the queue model, but the L0 optimum touches one. The
    // solver sees the wave in scaled money units (src/pipeline/solve/units.ts), so the lie is told in them.
    const factor = unitFactor(queueWave);
    const everyone = lowerWave(scaleUnits(queueWave, factor), { structure: false }).lift({ haircut: Float64Array.from([4.8, 2.4, 0.3].map((h) => h * factor)) });
    const real = await getBackend("highs", { inProcess: true });
    const liar: SolverBackend = {
      ...real,
      name: "highs",
      solve: async (problem: LinearProblem, options: SolveOptions) => {
        const honest = await real.solve(problem, options);
        let objective = problem.objectiveConstant;
        for (let j = 0; j < everyone.length; j++) objective += problem.cost[j]! * everyone[j]!;
        return { ...honest, status: "optimal", values: everyone, objective, gap: 0 };
      },
    };
    const result = await solveWave(queueWave, { path: "mip", backends: { highs: liar }, fallbacks: [], lower: { structure: false } });
    expect(result.verified?.ok).toBe(true);
    expect(result.objective).toEqual([3]);
    expect(result.status).toBe("feasible");
    expect(result.message).toMatch(/claim of optimality is refuted: the dedicated algorithm greedy-l0 .* sparsity = 1 < 3/);
  });
});
