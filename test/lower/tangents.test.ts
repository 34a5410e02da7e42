/**
 * The convex objective's tangent approximation (src/pipeline/lower/compile.ts): tangents placed over each
 * account's feasible fraction range, clustered at the continuous optimum, keep the envelope below
 * x^p (so the stage optimum is a true lower bound) and state an error bound <= 0.1% where uniform
 * tangents on [0, 1] stated ~7%, checked against the exact KKT optimum (the dedicated algorithm).
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { tangentEnvelopeAt, tangentPoints } from "../../src/pipeline/lower/compile.js";
import { loadModel } from "../../src/pipeline/model/parse.js";
import { solveWave } from "../../src/pipeline/solve/solve.js";
import { closeBackends } from "../../src/pipeline/backends/robust.js";
import { accountsOf, waveOf } from "../support/waves.js";

afterAll(async () => {
  await closeBackends();
});

/** The envelope's value at x (linear between breakpoints). */
function envelopeAt(points: ReadonlyArray<readonly [number, number]>, x: number): number {
  for (let k = 1; k < points.length; k++) {
    const [x0, y0] = points[k - 1]!;
    const [x1, y1] = points[k]!;
    if (x <= x1) return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
  }
  return points[points.length - 1]![1];
}

describe("tangent points and envelope", () => {
  it("lie below x^p on the account's range and touch it at the tangent points", () => {
    fc.assert(
      fc.property(fc.double({ min: 1.1, max: 4, noNaN: true }), fc.double({ min: 1e-4, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 2, max: 64 }), (p, top, share, tangents) => {
        const at = tangentPoints(top, share * top, tangents);
        expect(at[0]).toBe(0);
        expect(at[at.length - 1]).toBe(top);
        expect(at.length).toBeLessThanOrEqual(tangents + 1);
        const points = tangentEnvelopeAt(p, at);
        for (let k = 0; k <= 200; k++) {
          const x = (k / 200) * top;
          expect(envelopeAt(points, x)).toBeLessThanOrEqual(x ** p + 1e-12);
        }
        for (const a of at) expect(Math.abs(envelopeAt(points, a) - a ** p)).toBeLessThanOrEqual(1e-9 * Math.max(1e-12, a ** p) + 1e-15);
      }),
      { numRuns: 300, seed: 20261203 },
    );
  });
});

describe("the MIP's stated error bound on a convex wave with fractions near 0.06", () => {
  it("is <= 0.1%, and the exact KKT optimum lies between the bound and the MIP's true value", async () => {
    const n = 60;
    const capacity = Array.from({ length: n }, (_, i) => Math.round(10 + ((i * 7919) % 997) * 3.7));
    const total = capacity.reduce((a, b) => a + b, 0);
    const wave = waveOf(loadModel("models/convex-quadratic.yaml"), accountsOf({ capacity }), Math.round(total * 0.06));
    const mip = await solveWave(wave, { path: "mip", backend: "highs" });
    const exact = await solveWave(wave, { path: "auto" });
    expect(exact.path).toBe("dedicated:kkt-convex");
    expect(mip.status).toBe("optimal");
    const stage = mip.stages.find((s) => s.name === "convex")!;
    const trueValue = mip.objective[mip.stageNames.indexOf("convex")]!;
    const optimum = exact.objective[exact.stageNames.indexOf("convex")]!;
    // Oracle check of the contract: lower bound <= exact optimum <= the MIP allocation's true value.
    expect(stage.lowerBound!).toBeLessThanOrEqual(optimum * (1 + 1e-9));
    expect(optimum).toBeLessThanOrEqual(trueValue * (1 + 1e-9));
    expect(stage.errorBound!).toBeGreaterThanOrEqual(trueValue - optimum - 1e-9 * optimum);
    expect(stage.errorBound! / trueValue).toBeLessThanOrEqual(1e-3);
  });
});
