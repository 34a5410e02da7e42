/**
 * The objective vector convention: seniority stages first (most senior down to the second-most
 * junior layer), then one number per model objective.
 */
import { describe, expect, it } from "vitest";
import { objectiveValues, phiEvaluator, stageNames } from "../../src/pipeline/verify/objectives.js";
import { makeWave, piecewise, power } from "../exact/make-wave.js";

const layers = { names: ["recent", "settled", "principal"], capacity: [[1, 2], [1, 2], [1, 2]] };

describe("stageNames", () => {
  it("most senior layer first, the most junior layer is not a stage", () => {
    const wave = makeWave({ capacity: [3, 6], budget: 4, layers, objectives: [{ kind: "sparsity" }, { kind: "overshoot" }] });
    expect(stageNames(wave)).toEqual(["layer:principal", "layer:settled", "sparsity", "overshoot"]);
  });
  it("no layers: the objectives alone", () => {
    expect(stageNames(makeWave({ capacity: [1], budget: 1, objectives: [{ kind: "minmax" }] }))).toEqual(["minmax"]);
  });
});

describe("objectiveValues", () => {
  const haircut = Float64Array.from([2, 0, 1e-12, 3]);
  const capacity = [4, 5, 1, 0];

  it("sparsity counts every positive haircut, dust included (touched means h > 0)", () => {
    expect(objectiveValues(makeWave({ capacity, budget: 5 }), { haircut })).toEqual([3]);
  });

  it("convex: sum u_i phi(h_i / c_i), accounts with c_i = 0 contribute 0", () => {
    const wave = makeWave({ capacity, budget: 5, objectives: [{ kind: "convex", phi: power(2), weight: [1, 1, 1, 1] }] });
    expect(objectiveValues(wave, { haircut })[0]).toBeCloseTo(0.25, 12);
  });

  it("minmax over accounts with h_i > 0; an s_i = 0 account with a haircut is +Infinity", () => {
    expect(objectiveValues(makeWave({ capacity: [4, 5], budget: 5, objectives: [{ kind: "minmax" }] }), { haircut: Float64Array.from([2, 0]) })).toEqual([0.5]);
    expect(objectiveValues(makeWave({ capacity: [4, 5], budget: 5, objectives: [{ kind: "minmax", scale: [0, 1] }] }), { haircut: Float64Array.from([2, 0]) })).toEqual([Infinity]);
    expect(objectiveValues(makeWave({ capacity: [4, 5], budget: 0, objectives: [{ kind: "minmax" }] }), { haircut: Float64Array.from([0, 0]) })).toEqual([0]);
  });

  it("overshoot: sum h - B", () => {
    expect(objectiveValues(makeWave({ capacity, budget: 4.5, objectives: [{ kind: "overshoot" }] }), { haircut })[0]).toBeCloseTo(0.5, 9);
  });

  it("seniority stages from the allocation's layers, or from the junior-first split when it has none", () => {
    const wave = makeWave({ capacity: [3, 6], budget: 5, layers, objectives: [{ kind: "sparsity" }] });
    const h = Float64Array.from([3, 2]);
    expect(objectiveValues(wave, { haircut: h })).toEqual([1, 1, 2]);
    const given = [Float64Array.from([1, 0]), Float64Array.from([1, 0]), Float64Array.from([1, 2])];
    expect(objectiveValues(wave, { haircut: h, layers: given })).toEqual([3, 1, 2]);
  });
});

describe("phi", () => {
  it("piecewise: linear interpolation, extended along the end segments", () => {
    const phi = phiEvaluator(piecewise([[0.5, 0.5], [0, 0], [1, 2]]));
    expect(phi(0.25)).toBeCloseTo(0.25, 15);
    expect(phi(0.75)).toBeCloseTo(1.25, 15);
    expect(phi(1.5)).toBeCloseTo(3.5, 15);
    expect(phiEvaluator(piecewise([[0.2, 0.1], [1, 0.9]]))(0)).toBeCloseTo(-0.1, 15);
  });
});
