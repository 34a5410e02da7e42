/**
 * Property: on random small feasible MIPs with bounded columns, HiGHS, GLPK and javascript-lp-solver
 * (each in its worker, through solveRobustly without fallbacks) find the same optimal objective.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { backendEntry, backendInstalled, backendNames } from "../../src/pipeline/backends/registry.js";
import { closeBackends, solveRobustly } from "../../src/pipeline/backends/robust.js";
import { buildRandomMip, randomMip } from "./random-mip.js";

afterAll(async () => {
  await closeBackends();
});

describe("backend agreement", () => {
  // Every registered backend that is installed (under CI: every one; a missing binary fails there).
  const backends = backendNames.filter((name) => backendInstalled(name) || Boolean(process.env.CI));
  it(`${backends.join(", ")} agree on the optimum of random small feasible MIPs`, async () => {
    await fc.assert(
      fc.asyncProperty(randomMip, async (random) => {
        const p = buildRandomMip(random);
        const answers = [];
        for (const backend of backends) {
          const { solution } = await solveRobustly(p, { backend, fallbacks: [], timeLimitSeconds: 20 });
          // Alone, a backend without a dual bound can only show feasibility; its point must still be optimal.
          expect(solution.status, backend).toBe(backendEntry(backend)!.capabilities.dualBound ? "optimal" : "feasible");
          answers.push({ backend, objective: solution.objective! });
        }
        const reference = answers[0]!.objective;
        for (const { backend, objective } of answers) {
          expect(Math.abs(objective - reference), `${backend}: ${objective} vs highs ${reference}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(reference)));
        }
      }),
      { numRuns: 30 },
    );
  });
});
