/**
 * Lot execution decides caps and coverage exactly, as the verifier does: a float sum of lots can
 * round under a cap their exact value exceeds (6 lots of 87.8299 are 526.9794 > 526.9793999999999,
 * the double 6 * 87.8299), which took whole `npm start` jobs down on gameability's split waves.
 */
import { describe, expect, it } from "vitest";
import { getHeuristic } from "../../src/heuristics/index.js";
import { executeInLots } from "../../src/heuristics/lots.js";
import { verifyAllocation } from "../../src/pipeline/verify/verify.js";
import { makeWave } from "../exact/make-wave.js";

describe("executeInLots against the exact cap", () => {
  const capacity = 6 * 87.8299; // 526.9793999999999: below the lots' exact worth
  for (const scheme of ["floor-topup", "floor-lr", "ceil"] as const) {
    it(`${scheme}: never 6 lots of 87.8299 under a cap of 6 * 87.8299 (the double)`, () => {
      const wave = makeWave({ capacity: [capacity, 1000], budget: 400, objectives: [{ kind: "minmax" }], lots: { lotValue: [87.8299, 1], maxLots: [6, 1000] } });
      const execution = executeInLots(wave, Float64Array.from([capacity, 0]), Float64Array.from(wave.capacity), scheme);
      expect(execution.lots[0]).toBeLessThanOrEqual(5);
      const verdict = verifyAllocation(wave, execution);
      expect(verdict.violations.filter((v) => v.constraint === "capacity")).toEqual([]);
    });
  }
});

describe("executeInLots, accounts with several positions: room decided exactly", () => {
  // 0.7 + 0.1 is 0.7999999999999999 in floating point and exactly 0.8 in the decimals: a float room
  // check lets the 0.1 lot in under a cap of 0.7999999999999999 that the verifier (exactly) says it breaks.
  for (const scheme of ["floor-topup", "floor-lr", "ceil"] as const) {
    it(`${scheme}: no lot of 0.1 beside 0.7 under a cap of 0.7999999999999999`, () => {
      const wave = makeWave({ capacity: [0.7999999999999999, 5], budget: 1.75, objectives: [{ kind: "minmax" }], positions: { account: [0, 0, 1], lotValue: [0.7, 0.1, 1], maxLots: [1, 1, 5] } });
      const execution = executeInLots(wave, Float64Array.from([0.8, 0.95]), Float64Array.from(wave.capacity), scheme);
      const verdict = verifyAllocation(wave, execution);
      expect(verdict.violations.filter((v) => v.constraint === "capacity")).toEqual([]);
      expect(verdict.ok).toBe(true);
    });
  }

  // The reverse: 0.1 + 0.2 is 0.30000000000000004 in floating point, exactly 0.3 in the decimals, so the
  // 0.2 lot fits a cap of 0.3; a float room check refuses it and leaves B = 0.3 uncovered.
  it("floor-topup: a lot of 0.2 beside 0.1 fits a cap of 0.3 exactly, and covers B = 0.3", () => {
    const wave = makeWave({ capacity: [0.3], budget: 0.3, objectives: [{ kind: "minmax" }], positions: { account: [0, 0], lotValue: [0.1, 0.2], maxLots: [1, 1] } });
    const execution = executeInLots(wave, Float64Array.from([0.1]), Float64Array.from(wave.capacity), "floor-topup");
    expect(Array.from(execution.lots)).toEqual([1, 1]);
    expect(verifyAllocation(wave, execution).ok).toBe(true);
  });
});

describe("pro-rata:contracts against the exact cap", () => {
  it("gives back the sixth lot of 87.8299 under a cap of 6 * 87.8299 (the double), which its float check kept", () => {
    const capacity = 6 * 87.8299;
    const wave = makeWave({ capacity: [capacity, 1000], budget: 526.97, objectives: [{ kind: "minmax" }], lots: { lotValue: [87.8299, 1], maxLots: [6, 0] } });
    const allocation = getHeuristic("pro-rata:contracts").allocate(wave, { seed: 1 });
    expect(allocation.lots![0]).toBe(5);
    expect(verifyAllocation(wave, allocation).violations.filter((v) => v.constraint === "capacity")).toEqual([]);
  });
});
