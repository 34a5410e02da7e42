/**
 * Every registered backend passes the exported conformance suite (src/pipeline/backends/conformance.ts), one
 * test per case; and the suite is not a rubber stamp: backends that lie fail the cases they should.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { SolverBackend, SolverSolution } from "../../src/pipeline/backends/backend.js";
import { backendConformanceCases, runBackendConformance } from "../../src/pipeline/backends/conformance.js";
import { backendInstalled, backendNames } from "../../src/pipeline/backends/registry.js";
import { closeBackends, getBackend } from "../../src/pipeline/backends/robust.js";

afterAll(async () => {
  await closeBackends();
});

const ci = Boolean(process.env.CI);
const present = backendNames.filter((name) => backendInstalled(name) || ci);

describe.each(present)("%s passes the backend conformance suite", (name) => {
  const backend = getBackend(name, { inProcess: true });
  backend.catch(() => undefined);
  it.each(backendConformanceCases().map((c) => [c.name, c] as const))("%s", async (_, test) => {
    await test.run(await backend);
  });
});

describe("runBackendConformance", () => {
  it("reports a backend that rounds its values to 8 digits, and one that claims a bound it has not got", async () => {
    const highs = await getBackend("highs", { inProcess: true });
    const rounding: SolverBackend = {
      ...highs,
      name: "highs",
      async solve(problem, options): Promise<SolverSolution> {
        const solution = await highs.solve(problem, options);
        if (!solution.values) return solution;
        const values = Float64Array.from(solution.values, (v) => Number(v.toPrecision(8)));
        return { ...solution, values, objective: undefined as unknown as number };
      },
    };
    const report = await runBackendConformance(() => rounding);
    expect(report.failed.map((f) => f.name)).toContain("MIP optimum with values to 12 digits");

    const boasting: SolverBackend = {
      ...highs,
      name: "jslp",
      capabilities: { ...highs.capabilities, quadratic: false, dualBound: false },
      async solve(problem, options): Promise<SolverSolution> {
        if (problem.quadratic?.some((q) => q !== 0)) throw new Error("no quadratic objectives");
        return { ...(await highs.solve(problem, options)), backend: "jslp" };
      },
    };
    const boasted = await runBackendConformance(() => boasting, { exclude: ["declares a name and a version"] });
    expect(boasted.failed.map((f) => f.name)).toEqual(["proof contract: a bound only from a backend that has one"]);
    expect(boasted.excluded).toEqual(["declares a name and a version"]);
  });
});
