/**
 * A convex weight of 1e308 (found by `npm run fuzz`, issue 10) lowered to costs of Infinity and NaN,
 * and every backend failed on it ("colCost[6] must be a number" on HiGHS, NaN on GLPK and jslp, "cannot
 * write NaN" on CBC). Lowering now refuses such a stage with a ModelError that names it; ordinary
 * weights lower as before.
 */
import { describe, expect, it } from "vitest";
import { ModelError } from "../../src/errors.js";
import { lowerWave } from "../../src/pipeline/lower/compile.js";
import { solveWave } from "../../src/pipeline/solve/solve.js";
import { makeWave } from "../exact/make-wave.js";

const phi = { kind: "power", p: 1.2532044894656025 } as const;

describe("lowered costs are finite doubles", () => {
  it("a convex weight of 1e308 beside a capacity of 0.01: a ModelError naming the stage, not a backend failure", async () => {
    const wave = makeWave({ capacity: [0.01, 5, 7], budget: 3, objectives: [{ kind: "convex", phi, weight: [1e308, 1e308, 1e308] }] });
    expect(() => lowerWave(wave)).toThrow(ModelError);
    expect(() => lowerWave(wave)).toThrow(/objective\[0\] \(convex\).*finite doubles.*scale the weights down/);
    await expect(solveWave(wave, { path: "mip", backend: "highs" })).rejects.toThrow(ModelError);
  });

  it("the same wave with weights of 1 lowers, and every cost is finite", () => {
    const wave = makeWave({ capacity: [0.01, 5, 7], budget: 3, objectives: [{ kind: "convex", phi, weight: [1, 1, 1] }] });
    const lowered = lowerWave(wave);
    for (const stage of lowered.stages) {
      for (const cost of stage.cost) expect(Number.isFinite(cost)).toBe(true);
    }
  });
});
