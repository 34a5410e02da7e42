/**
 * `adl export` is only useful if an outside solver reads the file and finds the same optimum:
 * for every bundled model, stage 1 (and the last stage, with earlier stages fixed) is exported as
 * CPLEX LP and free MPS and solved by CBC and glpsol; each must equal the workbench's own value.
 */
import { afterAll, describe, expect } from "vitest";
import { loadWaveFromFiles } from "../../src/pipeline/solve/inputs.js";
import { exportWave } from "../../src/pipeline/solve/export.js";
import { solveWave } from "../../src/pipeline/solve/solve.js";
import { lowerWave } from "../../src/pipeline/lower/compile.js";
import { closeBackends } from "../../src/pipeline/backends/robust.js";
import { haveCbc, haveGlpsol, runCbc, runGlpsol, withTool } from "../support/external-solvers.js";

afterAll(async () => {
  await closeBackends();
});

const bundled = ["queue-l0", "pro-rata", "risk-weighted", "profits-first", "alpha-capped", "lots-minmax", "lots-sparsity-overshoot", "convex-quadratic"];

describe.each(bundled)("models/%s.yaml exported", (name) => {
  withTool(haveCbc && haveGlpsol)("CBC and glpsol reproduce each stage optimum", async () => {
    expect(haveCbc && haveGlpsol, "cbc and glpsol are required under CI").toBe(true);
    // 40 accounts of the bundled wave keep CBC fast; the budget is tight enough to need many.
    const wave = loadWaveFromFiles({ model: `models/${name}.yaml`, accounts: "examples/wave-200.csv", budget: 6_000 });
    const result = await solveWave(wave, { path: "mip", timeLimitSeconds: 60 });
    expect(result.status).toBe("optimal");
    const stages = lowerWave(wave).stages;
    for (const k of [1, stages.length]) {
      // The exported objective is the stage's cost as lowered, i.e. times its normalizer.
      const expected = result.stages[k - 1]!.value * (stages[k - 1]!.normalizer ?? 1);
      for (const format of ["lp", "mps"] as const) {
        const text = await exportWave(wave, { format, stage: k, backend: "highs" });
        for (const [solver, outcome] of [
          ["cbc", runCbc(text, format, `${name}-${k}`)],
          ["glpsol", runGlpsol(text, format, `${name}-${k}`)],
        ] as const) {
          expect(outcome.status, `${solver} on ${format} stage ${k}: ${outcome.log}`).toBe("optimal");
          expect(Math.abs(outcome.objective! - expected), `${solver} ${format} stage ${k}: ${outcome.objective} vs ${expected}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(expected)));
        }
      }
    }
  });
});
