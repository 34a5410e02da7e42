/**
 * The conformance suite every backend passes on the same random waves (MathOptInterface's idea):
 * for every bundled model, each backend's lexicographic MIP answer passes the independent verifier,
 * all backends agree on every stage optimum, and the dedicated exact algorithm (where the model's
 * structure has one) equals the MIP optimum.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { loadModel } from "../../src/pipeline/model/parse.js";
import { solveWave } from "../../src/pipeline/solve/solve.js";
import { closeBackends } from "../../src/pipeline/backends/robust.js";
import { backendInstalled, backendNames } from "../../src/pipeline/backends/registry.js";
import { arbitraryAccounts, tableOf, waveOf } from "../support/waves.js";

const bundled = [
  "queue-l0",
  "pro-rata",
  "risk-weighted",
  "profits-first",
  "alpha-capped",
  "lots-minmax",
  "lots-sparsity-overshoot",
  "convex-quadratic",
] as const;
// Every registered backend (a missing binary is skipped locally, and fails under CI). A backend
// without a dual bound (jslp) answers "optimal" here only because the default chain confirms it.
const backends = backendNames.filter((name) => backendInstalled(name) || Boolean(process.env.CI));

afterAll(async () => {
  await closeBackends();
});

function close(a: number, b: number, relative = 1e-6): boolean {
  return Math.abs(a - b) <= relative * Math.max(1, Math.abs(a), Math.abs(b));
}

describe.each(bundled)("model %s", (name) => {
  const model = loadModel(`models/${name}.yaml`);
  const isLots = model.lots !== undefined;

  it("every backend is verified, all agree, and the dedicated algorithm equals the MIP", async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryAccounts({ maxN: isLots ? 5 : 7 }), async (random) => {
        const accounts = tableOf(random);
        // Budget: a share of what the model can take at most, so that most waves are feasible.
        const probe = waveOf(model, accounts, 0);
        let room = 0;
        for (let i = 0; i < probe.upper.length; i++) {
          room += isLots ? random.lot_value[i]! * Math.min(random.lots[i]!, Math.floor(probe.upper[i]! / random.lot_value[i]!)) : probe.upper[i]!;
        }
        const budget = Math.round(random.budgetShare * room * 100) / 100;
        const wave = waveOf(model, accounts, budget);

        const answers = [];
        for (const backend of backends) {
          const result = await solveWave(wave, { backend, path: "mip", timeLimitSeconds: 30 });
          expect(["optimal", "infeasible"], `${backend}: ${result.message}`).toContain(result.status);
          if (result.status === "optimal") expect(result.verified?.ok, JSON.stringify(result.verified?.violations)).toBe(true);
          answers.push(result);
        }
        const reference = answers[0]!;
        for (const other of answers.slice(1)) {
          expect(other.status).toBe(reference.status);
          reference.stages.forEach((stage, s) => {
            // Stage optima as solved (for a tangent-approximated stage: the approximation's optimum,
            // which is unique; the true value at different optimal vertices may differ).
            const theirs = other.stages[s]!;
            expect(theirs.name).toBe(stage.name);
            expect(close(stage.value, theirs.value), `${other.solver.name} stage ${stage.name}: ${theirs.value} vs ${stage.value}`).toBe(true);
          });
          reference.objective.forEach((value, s) => {
            const approximated = reference.stages.find((stage) => stage.name === reference.stageNames[s])?.errorBound !== undefined;
            if (!approximated) expect(close(value, other.objective[s]!), `${other.solver.name} objective ${reference.stageNames[s]}: ${other.objective[s]} vs ${value}`).toBe(true);
          });
        }

        const dedicated = await solveWave(wave, { path: "auto" });
        expect(dedicated.status).toBe(reference.status);
        if (dedicated.status === "optimal" && dedicated.path.startsWith("dedicated")) {
          expect(dedicated.verified?.ok).toBe(true);
          reference.objective.forEach((value, s) => {
            const stage = reference.stages.find((st) => st.name === reference.stageNames[s]);
            if (stage?.errorBound !== undefined) {
              // Smooth phi through the MIP is a tangent approximation: the exact optimum lies in [lower bound, MIP's true value].
              expect(dedicated.objective[s]!).toBeGreaterThanOrEqual(stage.lowerBound! - 1e-7 * Math.max(1, value));
              expect(dedicated.objective[s]!).toBeLessThanOrEqual(value + 1e-7 * Math.max(1, value));
            } else {
              expect(close(dedicated.objective[s]!, value), `dedicated ${dedicated.path} stage ${reference.stageNames[s]}: ${dedicated.objective[s]} vs MIP ${value}`).toBe(true);
            }
          });
        }
      }),
      { numRuns: isLots ? 15 : 25, seed: 20261125 },
    );
  });
});
