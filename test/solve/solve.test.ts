/** The solve pipeline never takes a solver's word: injected faulty backends and what the answer says. */
import { afterAll, describe, expect, it } from "vitest";
import type { LinearProblem } from "../../src/lower/standard-form.js";
import type { SolverBackend, SolveOptions } from "../../src/solvers/backend.js";
import { closeBackends, getBackend } from "../../src/solvers/robust.js";
import { loadWaveFromFiles } from "../../src/solve/inputs.js";
import { solveWave } from "../../src/solve/solve.js";

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

describe("solveWave with a backend that misreports", () => {
  it("an 'optimal' whose own bound leaves a gap is reported as feasible, not optimal", async () => {
    const liar = await wrapped((solution) => ({ ...solution, gap: 3.6 }));
    const result = await solveWave(wave(), { path: "mip", backends: { highs: liar }, fallbacks: [] });
    expect(result.status).toBe("feasible");
    expect(result.message).toMatch(/claims optimal but its own bound leaves a relative gap of 3.6/);
    expect(result.verified?.ok).toBe(true);
  });

  it("a wrong vector claimed optimal is caught, retried and answered by the next backend", async () => {
    const wrong = await wrapped((solution) => ({ ...solution, values: solution.values!.map(() => 0) }));
    const result = await solveWave(wave(), { path: "mip", backends: { highs: wrong }, fallbacks: ["glpk"] });
    expect(result.status).toBe("optimal");
    expect(result.solver.name).toBe("glpk");
    expect(result.solver.attempts.map((a) => a.outcome)).toEqual(["garbage", "garbage", "ok"]);
    expect(result.objective).toEqual([1]);
  });
});
